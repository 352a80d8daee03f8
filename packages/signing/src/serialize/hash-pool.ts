import { Worker } from 'node:worker_threads';
import { ERROR_CODES, type ErrorCode, PalisadeError } from '@palisade/core';
import { createOmsHash, type HashType, hashFileRange } from './hash.ts';

/**
 * The hashing thread's module: the CLI bundle's copy when the CLI runs from its bundle (bin/palisade.js says so
 * through PALISADE_HASH_WORKER_BUNDLE), else the TypeScript source beside this file.
 */
const WORKER_URL =
  process.env.PALISADE_HASH_WORKER_BUNDLE ?? new URL('./hash-worker.ts', import.meta.url).href;

/** A batch is handed out until it holds this many bytes: small files cost a message each otherwise. */
const BATCH_BYTES = 16 << 20;
const BATCH_TASKS = 256;

/** One digest to compute: bytes [start, end) of a file, or the whole file when `end` is undefined. */
export interface HashTask {
  readonly path: string;
  readonly hashType: HashType;
  readonly start?: number;
  readonly end?: number;
  /** Bytes this task reads (for scheduling and progress). */
  readonly size: number;
}

/** What has been hashed so far; `tasksTotal` counts resources (files, or shards). */
export interface HashProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly tasksDone: number;
  readonly tasksTotal: number;
}

export type HashProgressListener = (progress: HashProgress) => void;

/** Messages from a hashing thread. */
export type WorkerReply =
  | { readonly kind: 'progress'; readonly bytes: number }
  | { readonly kind: 'done'; readonly digests: readonly string[]; readonly bytes: number }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

export interface HashPoolOptions {
  /** Threads that hash: 1 hashes here (no worker); more start that many workers. */
  readonly threads: number;
  readonly onProgress?: HashProgressListener;
}

class ProgressCounter {
  readonly #listener: HashProgressListener | undefined;
  readonly #bytesTotal: number;
  readonly #tasksTotal: number;
  #bytesDone = 0;
  #tasksDone = 0;

  constructor(tasks: readonly HashTask[], listener: HashProgressListener | undefined) {
    this.#listener = listener;
    this.#tasksTotal = tasks.length;
    this.#bytesTotal = tasks.reduce((sum, task) => sum + task.size, 0);
    this.#emit();
  }

  add(bytes: number, tasks: number): void {
    this.#bytesDone += bytes;
    this.#tasksDone += tasks;
    this.#emit();
  }

  #emit(): void {
    this.#listener?.({
      bytesDone: this.#bytesDone,
      bytesTotal: this.#bytesTotal,
      tasksDone: this.#tasksDone,
      tasksTotal: this.#tasksTotal,
    });
  }
}

/** Reads in flight on the calling thread: small files cost a file-system round trip each, so overlap a few. */
const READS_HERE = 4;

async function hashHere(tasks: readonly HashTask[], progress: ProgressCounter): Promise<string[]> {
  const digests = new Array<string>(tasks.length);
  const onBytes = (bytes: number): void => progress.add(bytes, 0);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    for (let index = next++; index < tasks.length && !failed; index = next++) {
      const task = tasks[index] as HashTask;
      try {
        digests[index] = await hashFileRange(task.path, task.hashType, task.start, task.end, onBytes);
      } catch (error) {
        failed = true; // the other lanes stop too: the caller gets this error and no digests
        throw error;
      }
      progress.add(0, 1);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_HERE, tasks.length) }, lane));
  return digests;
}

function workerError(reply: { code: string; message: string }): PalisadeError {
  const code = (ERROR_CODES as readonly string[]).includes(reply.code)
    ? (reply.code as ErrorCode)
    : 'INTERNAL';
  return new PalisadeError(code, reply.message);
}

/**
 * Hashes tasks on `threads` threads and returns the digests in task order. Tasks are handed out largest first
 * (so that one big file does not start last and run alone), small ones in batches; each thread streams through
 * one 1 MiB buffer, so memory does not grow with the model. The digests equal `hashFileRange`'s.
 */
export async function hashInParallel(
  tasks: readonly HashTask[],
  options: HashPoolOptions,
): Promise<string[]> {
  for (const hashType of new Set(tasks.map((task) => task.hashType))) createOmsHash(hashType);
  const progress = new ProgressCounter(tasks, options.onProgress);
  const threads = Math.min(Math.floor(options.threads), tasks.length);
  if (threads <= 1) return hashHere(tasks, progress);

  const digests = new Array<string>(tasks.length);
  const order = tasks.map((_, index) => index).sort((a, b) => (tasks[b]?.size ?? 0) - (tasks[a]?.size ?? 0));
  let next = 0;
  const take = (): number[] => {
    const batch: number[] = [];
    let bytes = 0;
    while (next < order.length && batch.length < BATCH_TASKS && (batch.length === 0 || bytes < BATCH_BYTES)) {
      const index = order[next++] as number;
      batch.push(index);
      bytes += tasks[index]?.size ?? 0;
    }
    return batch;
  };

  const workers: Worker[] = [];
  const run = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(new URL(WORKER_URL));
      workers.push(worker);
      let batch: number[] = [];
      const feed = (): void => {
        batch = take();
        if (batch.length === 0) {
          resolve();
          return;
        }
        worker.postMessage(
          batch.map((index) => {
            const { path, hashType, start, end } = tasks[index] as HashTask;
            return { path, hashType, start, end };
          }),
        );
      };
      worker.on('message', (reply: WorkerReply) => {
        if (reply.kind === 'progress') progress.add(reply.bytes, 0);
        else if (reply.kind === 'failed') reject(workerError(reply));
        else {
          reply.digests.forEach((digest, i) => {
            digests[batch[i] as number] = digest;
          });
          progress.add(reply.bytes, batch.length);
          feed();
        }
      });
      worker.on('error', (error) =>
        reject(new PalisadeError('INTERNAL', `Hashing thread failed: ${error.message}`, { cause: error })),
      );
      worker.on('exit', () => reject(new PalisadeError('INTERNAL', 'A hashing thread stopped early')));
      worker.once('online', feed);
    });

  try {
    await Promise.all(Array.from({ length: threads }, run));
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return digests;
}
