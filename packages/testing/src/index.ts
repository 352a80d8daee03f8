export type { TestChain } from './certificates.ts';
export { issueTestChain } from './certificates.ts';
export type { CapturedIo } from './io.ts';
export { captureIo, runMain } from './io.ts';
export type { MutateOptions } from './mutate.ts';
export { mutateBytes } from './mutate.ts';
export { fuzzSeconds, xorshift32 } from './random.ts';
