import { PassThrough } from 'node:stream';

/** Standard streams that record what a command writes, for tests of the CLI's `main(argv, io)`. */
export interface CapturedIo {
  readonly io: { stdout: PassThrough; stderr: PassThrough; env: NodeJS.ProcessEnv };
  out(): string;
  err(): string;
}

export function captureIo(env: NodeJS.ProcessEnv = {}): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  return { io: { stdout, stderr, env }, out: () => out, err: () => err };
}

/** Runs `main` with captured streams: its exit code and everything it wrote. */
export async function runMain(
  main: (argv: readonly string[], io: CapturedIo['io']) => Promise<number>,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  const captured = captureIo(env);
  const code = await main(argv, captured.io);
  return { code, out: captured.out(), err: captured.err() };
}
