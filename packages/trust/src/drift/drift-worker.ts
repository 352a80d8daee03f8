import { parentPort } from 'node:worker_threads';
import { isPalisadeError } from '@palisade/core';
import type { Column } from '../data/table.ts';
import { type ColumnDriftOptions, columnDrift } from './column-drift.ts';

/** A drift thread: receives one column pair at a time, answers with its drift (or the error). */
const port = parentPort;

port?.on(
  'message',
  (task: { id: number; name: string; reference: Column; current: Column; options: ColumnDriftOptions }) => {
    try {
      port.postMessage({
        id: task.id,
        result: columnDrift(task.name, task.reference, task.current, task.options),
      });
    } catch (error) {
      port.postMessage({
        id: task.id,
        error: { code: isPalisadeError(error) ? error.code : 'INTERNAL', message: (error as Error).message },
      });
    }
  },
);
