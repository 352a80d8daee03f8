import { scanPaths } from '@palisade/scanner';
import { type JobDeps, withPlainCopy } from './plain-copy.ts';
import type { JobRunner } from './worker.ts';

/** Scans a stored version with `@palisade/scanner`, exactly as `palisade scan FILE` would. */
export function scanJobRunner(deps: JobDeps): JobRunner {
  return (job) =>
    withPlainCopy(deps, job, (file) =>
      scanPaths([file], { concurrency: 1, digests: true, limits: { timeoutMs: deps.timeoutMs } }),
    );
}
