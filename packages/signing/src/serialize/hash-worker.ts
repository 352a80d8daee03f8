import { parentPort } from 'node:worker_threads';
import { isPalisadeError } from '@palisade/core';
import { HASH_CHUNK, type HashType, hashFileRangeSync } from './hash.ts';
import type { WorkerReply } from './hash-pool.ts';

/** A hashing thread: receives batches of ranges to hash, answers with their digests in the same order. */
const PROGRESS_EVERY = 32 << 20;
const buffer = Buffer.allocUnsafe(HASH_CHUNK);
const port = parentPort;

const reply = (message: WorkerReply): void => port?.postMessage(message);

port?.on('message', (batch: Array<{ path: string; hashType: HashType; start?: number; end?: number }>) => {
  let unreported = 0;
  const onBytes = (bytes: number): void => {
    unreported += bytes;
    if (unreported < PROGRESS_EVERY) return;
    reply({ kind: 'progress', bytes: unreported });
    unreported = 0;
  };
  try {
    const digests = batch.map((task) =>
      hashFileRangeSync(task.path, task.hashType, buffer, task.start, task.end, onBytes),
    );
    reply({ kind: 'done', digests, bytes: unreported });
  } catch (error) {
    reply({
      kind: 'failed',
      code: isPalisadeError(error) ? error.code : 'INTERNAL',
      message: (error as Error).message,
    });
  }
});
