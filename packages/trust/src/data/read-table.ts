import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { PalisadeError } from '@palisade/core';
import { readArrow } from './arrow.ts';
import { readCsv } from './csv.ts';
import { readJsonLines } from './jsonl.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './limits.ts';
import { readParquet } from './parquet.ts';
import type { ColumnKind, Table } from './table.ts';

export const DATA_FORMATS = ['csv', 'tsv', 'jsonl', 'parquet', 'arrow'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

export interface ReadTableOptions {
  /** The file's format; by default from its extension, else from its first bytes. */
  readonly format?: DataFormat;
  /** Declared column kinds; the others are inferred (numbers → numeric, anything else → categorical). */
  readonly types?: Readonly<Record<string, ColumnKind>>;
  readonly limits?: Partial<ReadLimits>;
}

const BY_EXTENSION: Record<string, DataFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.arrow': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
};

async function sniff(path: string): Promise<DataFormat> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(8), 0, 8, 0);
    const head = buffer.subarray(0, bytesRead).toString('latin1');
    if (head.startsWith('PAR1')) return 'parquet';
    if (head.startsWith('ARROW1') || head.startsWith('\xff\xff\xff\xff')) return 'arrow';
    if (head.trimStart().startsWith('{')) return 'jsonl';
    return 'csv';
  } finally {
    await handle.close();
  }
}

/** Reads a data file (CSV/TSV streamed, JSON lines, Parquet, Arrow IPC) into a column-oriented Table. */
export async function readTable(path: string, options: ReadTableOptions = {}): Promise<Table> {
  const limits = { ...DEFAULT_READ_LIMITS, ...options.limits };
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new PalisadeError('INPUT_INVALID', `${path} is not a file.`);
    size = info.size;
  } catch (error) {
    if (error instanceof PalisadeError) throw error;
    throw new PalisadeError('INPUT_NOT_FOUND', `Cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (size > limits.maxBytes) {
    throw new PalisadeError(
      'LIMIT_EXCEEDED',
      `${path} is ${size} bytes, more than the limit of ${limits.maxBytes}; sample it or raise the limit.`,
    );
  }
  const format = options.format ?? BY_EXTENSION[extname(path).toLowerCase()] ?? (await sniff(path));
  const tableOptions = { limits, source: path, ...(options.types ? { types: options.types } : {}) };
  switch (format) {
    case 'csv':
      return readCsv(path, tableOptions);
    case 'tsv':
      return readCsv(path, { ...tableOptions, delimiter: '\t' });
    case 'jsonl':
      return readJsonLines(path, tableOptions);
    case 'parquet':
      return readParquet(path, tableOptions);
    case 'arrow':
      return readArrow(path, tableOptions);
  }
}

/** Declared column kinds from two lists of names (`--numeric`, `--categorical`); a name in both is an error. */
export function kindOverrides(
  numeric: readonly string[],
  categorical: readonly string[],
): Record<string, ColumnKind> {
  const both = numeric.filter((n) => categorical.includes(n));
  if (both.length > 0) {
    throw new PalisadeError('USAGE', `Column "${both[0]}" cannot be declared both numeric and categorical.`);
  }
  return Object.fromEntries([
    ...numeric.map((n) => [n, 'numeric'] as const),
    ...categorical.map((n) => [n, 'categorical'] as const),
  ]);
}
