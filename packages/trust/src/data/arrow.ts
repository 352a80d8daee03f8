import { readFile } from 'node:fs/promises';
import { PalisadeError } from '@palisade/core';
import type { Cell } from './column-builder.ts';
import type { SkippedColumn, Table } from './table.ts';
import { TableBuilder, type TableOptions } from './table-builder.ts';

/** Reads an Arrow IPC file or stream (Feather v2) into a Table. */
export async function readArrow(path: string, options: TableOptions): Promise<Table> {
  const arrow = await import('apache-arrow');
  let ipc: InstanceType<typeof arrow.Table>;
  try {
    ipc = arrow.tableFromIPC(await readFile(path));
  } catch (error) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `${options.source} is not a readable Arrow IPC file: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (ipc.numRows > options.limits.maxRows) {
    throw new PalisadeError(
      'LIMIT_EXCEEDED',
      `${options.source} has ${ipc.numRows} rows, more than the limit of ${options.limits.maxRows}; sample it or raise the limit.`,
    );
  }
  const table = new TableBuilder({ ...options, typedStrings: true });
  const skipped: SkippedColumn[] = [];
  for (const field of ipc.schema.fields) {
    const vector = ipc.getChild(field.name);
    if (!vector) continue;
    const type = field.type;
    const nested =
      arrow.DataType.isList(type) ||
      arrow.DataType.isStruct(type) ||
      arrow.DataType.isMap(type) ||
      arrow.DataType.isFixedSizeList(type) ||
      arrow.DataType.isUnion(type);
    if (nested) {
      skipped.push({ name: field.name, reason: 'nested values (lists, maps, structs or unions)' });
      continue;
    }
    if (vector.nullCount === 0 && (arrow.DataType.isFloat(type) || arrow.DataType.isInt(type))) {
      table.pushColumn(field.name, numbers(vector.toArray() as ArrayLike<number | bigint>));
      continue;
    }
    table.pushColumn(field.name, cells(vector));
  }
  return table.build(skipped);
}

function* numbers(array: ArrayLike<number | bigint>): Generator<Cell> {
  for (let i = 0; i < array.length; i++) yield array[i] as number | bigint;
}

function* cells(vector: { length: number; get(i: number): unknown }): Generator<Cell> {
  for (let i = 0; i < vector.length; i++) {
    const value = vector.get(i);
    yield value instanceof Uint8Array ? Buffer.from(value).toString('hex') : (value as Cell);
  }
}
