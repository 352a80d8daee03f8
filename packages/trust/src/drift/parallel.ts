import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, type ErrorCode, PalisadeError } from '@palisade/core';
import { findColumn, type Table } from '../data/table.ts';
import type { ColumnDrift } from './column-drift.ts';
import {
  assembleDrift,
  type DriftOptions,
  type DriftReport,
  driftReport,
  planDrift,
} from './dataset-drift.ts';

/** Runs from the TypeScript source beside this file, also when the CLI runs from its bundle. */
const WORKER_URL = new URL('./drift-worker.ts', import.meta.url);

/** Below this many values a thread costs more to start (it loads its modules) than it saves. */
const PARALLEL_MIN_VALUES = 20_000_000;

type Reply = { id: number; result?: ColumnDrift; error?: { code: string; message: string } };

/**
 * `driftReport` with the columns spread over worker threads (default: one per core, from 20 million values). Each
 * thread gets one column pair at a time: shared, not copied, when the columns live on a SharedArrayBuffer (as
 * `readTable` stores them). The report is the same as the sequential one. Small inputs run in this thread.
 */
export async function driftReportParallel(
  reference: Table,
  current: Table,
  options: DriftOptions = {},
  pool: { threads?: number; minValues?: number } = {},
): Promise<DriftReport> {
  const { tasks, skipped } = planDrift(reference, current, options);
  const values = (reference.rowCount + current.rowCount) * tasks.length;
  const count = Math.min(pool.threads ?? availableParallelism(), tasks.length);
  if (count <= 1 || values < (pool.minValues ?? PARALLEL_MIN_VALUES))
    return driftReport(reference, current, options);
  const results = new Array<ColumnDrift | undefined>(tasks.length);
  const workers = Array.from({ length: count }, () => new Worker(WORKER_URL));
  try {
    let next = 0;
    let finished = 0;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((done, fail) => {
            const send = () => {
              if (next >= tasks.length) {
                done();
                return;
              }
              const id = next++;
              const task = tasks[id] as (typeof tasks)[number];
              worker.postMessage({
                id,
                name: task.name,
                reference: findColumn(reference, task.name),
                current: findColumn(current, task.name),
                options: task.options,
              });
            };
            worker.on('message', (reply: Reply) => {
              if (reply.error) {
                const code = (ERROR_CODES as readonly string[]).includes(reply.error.code)
                  ? (reply.error.code as ErrorCode)
                  : 'INTERNAL';
                fail(new PalisadeError(code, reply.error.message));
                return;
              }
              results[reply.id] = reply.result;
              finished++;
              options.onColumn?.(finished, tasks.length, (tasks[reply.id] as (typeof tasks)[number]).name);
              send();
            });
            worker.on('error', fail);
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return assembleDrift(reference, current, options, tasks, results, skipped);
}
