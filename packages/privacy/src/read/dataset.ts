import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { PalisadeError } from '@palisade/core';
import { CsvReader, sniffSeparator } from './csv.ts';
import { flatten } from './flatten.ts';
import { LIMITS } from './limits.ts';

export const DATA_FORMATS = ['csv', 'jsonl', 'parquet', 'text'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** What a reader hands to the scanner: tabular records (CSV, JSON lines, Parquet) or blocks of text. */
export interface RecordVisitor {
  /** `row` counts data records from 1 (a CSV header is not a record). `values[i]` belongs to `columns[i]`. */
  row(row: number, columns: readonly string[], values: readonly (string | undefined)[]): void;
  /** A block of whole lines; `byteOffset` is where it starts in the file, `line` its first line number. */
  text(block: string, byteOffset: number, line: number): void;
}

export interface ReadSummary {
  readonly format: DataFormat;
  readonly bytes: number;
  readonly records: number;
  readonly columns?: readonly string[];
  /** JSON lines that were not valid JSON and were scanned as text instead. */
  readonly invalidLines?: number;
}

export function formatOf(path: string, override?: string): DataFormat {
  if (override !== undefined) {
    if (!(DATA_FORMATS as readonly string[]).includes(override))
      throw new PalisadeError(
        'USAGE',
        `Unknown data format "${override}"; use one of ${DATA_FORMATS.join(', ')}.`,
      );
    return override as DataFormat;
  }
  const ext = extname(path.replace(/\.(gz|zst)$/, '')).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  return 'text';
}

async function sizeOf(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new PalisadeError('INPUT_INVALID', `${path} is not a regular file.`);
    return s.size;
  } catch (error) {
    if (error instanceof PalisadeError) throw error;
    throw new PalisadeError('INPUT_NOT_FOUND', `Cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function textStream(path: string, signal?: AbortSignal) {
  return createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20, ...(signal ? { signal } : {}) });
}

/** Streams a data file through `visitor` with bounded memory. Never executes or deserialises objects from it. */
export async function readDataset(
  path: string,
  format: DataFormat,
  visitor: RecordVisitor,
  options: { signal?: AbortSignal } = {},
): Promise<ReadSummary> {
  const bytes = await sizeOf(path);
  try {
    if (format === 'csv') return await readCsv(path, bytes, visitor, options.signal);
    if (format === 'jsonl') return await readJsonLines(path, bytes, visitor, options.signal);
    if (format === 'parquet') return await readParquet(path, bytes, visitor);
    return await readText(path, bytes, visitor, options.signal);
  } catch (error) {
    if (error instanceof PalisadeError) throw error;
    throw new PalisadeError(
      'INPUT_UNREADABLE',
      `Cannot read ${path} as ${format}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

async function readCsv(
  path: string,
  bytes: number,
  visitor: RecordVisitor,
  signal?: AbortSignal,
): Promise<ReadSummary> {
  let reader: CsvReader | undefined;
  let columns: string[] = [];
  let row = 0;
  const onRecord = (fields: string[]) => {
    if (row === 0 && columns.length === 0) {
      columns = fields.map((f, i) => f.trim() || `column_${i + 1}`);
      return;
    }
    row++;
    for (let i = columns.length; i < fields.length; i++) columns.push(`column_${i + 1}`);
    visitor.row(row, columns, fields);
  };
  for await (const chunk of textStream(path, signal)) {
    let text = chunk as string;
    if (!reader) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      reader = new CsvReader(sniffSeparator(text.slice(0, text.indexOf('\n') >>> 0)));
    }
    reader.push(text, onRecord);
  }
  reader?.end(onRecord);
  return { format: 'csv', bytes, records: row, columns };
}

/** Splits a stream into whole lines, refusing lines over the record limit. */
export async function* lines(path: string, signal?: AbortSignal): AsyncGenerator<string> {
  let pending = '';
  for await (const chunk of textStream(path, signal)) {
    const text = pending + (chunk as string);
    let pos = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', pos)) {
      yield text.slice(pos, nl);
      pos = nl + 1;
    }
    pending = text.slice(pos);
    if (pending.length > LIMITS.maxRecordBytes)
      throw new PalisadeError('LIMIT_EXCEEDED', `A JSON line is longer than ${LIMITS.maxRecordBytes} bytes.`);
  }
  if (pending !== '') yield pending;
}

async function readJsonLines(
  path: string,
  bytes: number,
  visitor: RecordVisitor,
  signal?: AbortSignal,
): Promise<ReadSummary> {
  let row = 0;
  let invalid = 0;
  for await (const line of lines(path, signal)) {
    if (line.trim() === '') continue;
    row++;
    let pairs: [string, string][];
    try {
      pairs = flatten(JSON.parse(line) as unknown);
    } catch {
      invalid++;
      pairs = [['$', line]];
    }
    visitor.row(
      row,
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    );
  }
  return { format: 'jsonl', bytes, records: row, invalidLines: invalid };
}

async function readParquet(path: string, bytes: number, visitor: RecordVisitor): Promise<ReadSummary> {
  const { parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const handle = await open(path, 'r');
  try {
    const file = {
      byteLength: bytes,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const stop = Math.min(end ?? bytes, bytes);
        const buffer = Buffer.alloc(Math.max(0, stop - start));
        await handle.read(buffer, 0, buffer.length, start);
        return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length) as ArrayBuffer;
      },
    };
    const metadata = await parquetMetadataAsync(file);
    for (const group of metadata.row_groups) {
      let size = 0n;
      for (const chunk of group.columns) {
        if (chunk.file_path)
          throw new PalisadeError(
            'UNSUPPORTED',
            'The Parquet file keeps column data in other files (file_path); scan a self-contained file.',
          );
        size += chunk.meta_data?.total_uncompressed_size ?? 0n;
      }
      if (size > BigInt(LIMITS.parquetRowGroupBytes))
        throw new PalisadeError(
          'LIMIT_EXCEEDED',
          `A Parquet row group claims ${size} uncompressed bytes (limit ${LIMITS.parquetRowGroupBytes}); rewrite it with smaller row groups.`,
        );
    }
    const total = Number(metadata.num_rows);
    let row = 0;
    for (let start = 0; start < total; start += LIMITS.parquetRows) {
      const rows = await parquetReadObjects({
        file,
        metadata,
        rowStart: start,
        rowEnd: Math.min(total, start + LIMITS.parquetRows),
      });
      for (const record of rows) {
        row++;
        const pairs = flatten(record);
        visitor.row(
          row,
          pairs.map((p) => p[0].replace(/^\$\./, '')),
          pairs.map((p) => p[1]),
        );
      }
    }
    return { format: 'parquet', bytes, records: row };
  } finally {
    await handle.close();
  }
}

/** Where to end a block near `limit`: after a line, and never inside a PEM block. */
export function blockEnd(text: string, limit: number): number {
  let cut = text.lastIndexOf('\n', limit - 1) + 1 || limit;
  const begin = text.lastIndexOf('-----BEGIN', cut - 1);
  if (begin < 0) return cut;
  const end = text.indexOf('-----END', begin);
  if (end >= 0 && end < cut) return cut;
  const lineStart = text.lastIndexOf('\n', begin) + 1;
  if (lineStart > 0) return lineStart;
  if (end >= 0) cut = text.indexOf('\n', end) + 1 || text.length;
  return cut;
}

/**
 * Text in blocks of whole lines. A PEM block is never cut: a block that would end inside `-----BEGIN … -----END`
 * stops before the BEGIN line, so multi-line keys reach the recognizers whole.
 */
async function readText(
  path: string,
  bytes: number,
  visitor: RecordVisitor,
  signal?: AbortSignal,
): Promise<ReadSummary> {
  let pending = '';
  let offset = 0;
  let line = 1;
  const emit = (block: string) => {
    visitor.text(block, offset, line);
    offset += Buffer.byteLength(block);
    for (let i = block.indexOf('\n'); i >= 0; i = block.indexOf('\n', i + 1)) line++;
  };
  for await (const chunk of textStream(path, signal)) {
    pending += chunk as string;
    // Keep a block of look-ahead so that a PEM starting near the cut can be found whole.
    while (pending.length >= 2 * LIMITS.textBlockBytes) {
      const cut = blockEnd(pending, LIMITS.textBlockBytes);
      emit(pending.slice(0, cut));
      pending = pending.slice(cut);
    }
  }
  if (pending !== '') emit(pending);
  return { format: 'text', bytes, records: line - (pending.endsWith('\n') || pending === '' ? 1 : 0) };
}
