import { closeSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { PalisadeError, sha256File } from '@palisade/core';
import { Detector, type DetectorOptions } from '../detect/detector.ts';
import { csvField, sniffSeparator } from '../read/csv.ts';
import { type DataFormat, formatOf, lines, readDataset } from '../read/dataset.ts';
import { columnOf } from '../read/flatten.ts';
import { writeParquet } from '../read/parquet-writer.ts';
import { applyDetections, makeOperator, type OperatorName } from './operators.ts';

export interface AnonymizeOptions extends DetectorOptions {
  readonly operator: OperatorName;
  /** Key for hash (HMAC-SHA-256), encrypt (AES-256-GCM, 32 bytes) and keyed synthetic replacement. */
  readonly key?: Uint8Array;
  readonly format?: DataFormat;
  readonly signal?: AbortSignal;
}

/** What changed, without the values: counts per entity type and column, and both files' digests. */
export interface ChangeReport {
  readonly input: string;
  readonly output: string;
  readonly inputDigest: string;
  readonly outputDigest: string;
  readonly operator: OperatorName;
  readonly format: DataFormat;
  readonly outputFormat: DataFormat;
  readonly records: number;
  readonly valuesChanged: number;
  readonly byEntity: Readonly<Record<string, number>>;
  readonly byColumn: Readonly<Record<string, number>>;
}

/** Anonymised Parquet is assembled in memory (one row group); larger tables must be written as CSV or JSON lines. */
const MAX_PARQUET_ROWS = 1_000_000;

function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(65536);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    const nl = text.indexOf('\n');
    return nl < 0 ? text : text.slice(0, nl);
  } finally {
    closeSync(fd);
  }
}

/** Buffers output and writes it synchronously in large pieces, so memory stays bounded without stream plumbing. */
class Sink {
  readonly #fd: number;
  #parts: string[] = [];
  #size = 0;

  constructor(path: string) {
    this.#fd = openSync(path, 'wx', 0o600);
  }

  write(text: string): void {
    this.#parts.push(text);
    this.#size += text.length;
    if (this.#size >= 1 << 22) this.flush();
  }

  flush(): void {
    if (this.#parts.length > 0) writeSync(this.#fd, this.#parts.join(''));
    this.#parts = [];
    this.#size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}

/**
 * Writes an anonymised copy of a dataset: every detected value is replaced by the operator's output; the input is
 * never modified (an output naming the input is refused) and the copy appears only when complete (temp + rename).
 */
export async function anonymizeFile(
  input: string,
  output: string,
  options: AnonymizeOptions,
): Promise<ChangeReport> {
  if (sameFile(input, output))
    throw new PalisadeError(
      'USAGE',
      'The output must be a new file: anonymising in place would destroy the original.',
    );
  const format = formatOf(input, options.format);
  const outputFormat: DataFormat =
    format === 'text' ? 'text' : formatOf(output) === 'text' ? format : formatOf(output);
  if (format !== 'text' && outputFormat === 'text')
    throw new PalisadeError('USAGE', 'A table is written as .csv, .jsonl or .parquet, not as text.');
  const detector = new Detector(options);
  const operator = makeOperator(options.operator, options.key);
  const inputDigest = await sha256File(input);
  const temp = join(dirname(resolve(output)), `.${basename(output)}.${process.pid}.partial`);
  const byEntity = new Map<string, number>();
  const byColumn = new Map<string, number>();
  let changed = 0;
  const note = (entity: string, column: string) => {
    changed++;
    byEntity.set(entity, (byEntity.get(entity) ?? 0) + 1);
    byColumn.set(column, (byColumn.get(column) ?? 0) + 1);
  };
  const anonymise = (value: string, column: string): string => {
    const found = detector.detect(value, column);
    for (const d of found) note(d.entity, column);
    return applyDetections(value, found, operator);
  };

  const separator = format === 'csv' ? sniffSeparator(firstLine(input)) : ',';
  const outSeparator = outputFormat === 'csv' && extname(output).toLowerCase() === '.tsv' ? '\t' : separator;
  const sink = outputFormat === 'parquet' ? undefined : new Sink(temp);
  const parquetRows: string[][] = [];
  let parquetColumns: string[] = [];
  let header: readonly string[] | undefined;
  let records = 0;
  try {
    if (format === 'jsonl') {
      if (outputFormat !== 'jsonl')
        throw new PalisadeError('USAGE', 'JSON lines are written as JSON lines (.jsonl).');
      records = await anonymizeJsonLines(input, sink as Sink, anonymise, options.signal);
      (sink as Sink).close();
      renameSync(temp, output);
      return await changeReport();
    }
    const summary = await readDataset(
      input,
      format,
      {
        row(_row, columns, values) {
          records++;
          if (format === 'parquet' && outputFormat === 'jsonl') {
            // Rebuild the record from its leaves so nested structure survives.
            const out: Record<string, unknown> = {};
            for (let i = 0; i < columns.length; i++) {
              const path = columns[i] as string;
              setPath(out, path, anonymise(values[i] ?? '', columnOf(path)));
            }
            sink?.write(`${JSON.stringify(out)}\n`);
            return;
          }
          const cells = columns.map((c, i) => anonymise(values[i] ?? '', format === 'csv' ? c : columnOf(c)));
          if (outputFormat === 'parquet') {
            if (header !== columns) parquetColumns = [...columns];
            header = columns;
            if (parquetRows.length >= MAX_PARQUET_ROWS)
              throw new PalisadeError(
                'LIMIT_EXCEEDED',
                `Parquet output is limited to ${MAX_PARQUET_ROWS} rows; write .csv or .jsonl.`,
              );
            parquetRows.push(cells);
            return;
          }
          if (outputFormat === 'jsonl') {
            sink?.write(`${JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, cells[i]])))}\n`);
            return;
          }
          if (header !== columns) {
            if (header === undefined)
              sink?.write(`${columns.map((c) => csvField(c, outSeparator)).join(outSeparator)}\n`);
            header = columns;
          }
          sink?.write(`${cells.map((c) => csvField(c, outSeparator)).join(outSeparator)}\n`);
        },
        text(block) {
          const found = detector.detect(block);
          for (const d of found) note(d.entity, '');
          sink?.write(applyDetections(block, found, operator));
        },
      },
      options.signal ? { signal: options.signal } : {},
    );
    if (format === 'text') records = summary.records;
    if (outputFormat === 'parquet') {
      const fd = openSync(temp, 'wx', 0o600);
      try {
        writeSync(fd, writeParquet(parquetColumns, parquetRows));
      } finally {
        closeSync(fd);
      }
    } else {
      if (outputFormat === 'csv' && header === undefined && summary.columns)
        sink?.write(`${summary.columns.map((c) => csvField(c, outSeparator)).join(outSeparator)}\n`);
      sink?.close();
    }
    renameSync(temp, output);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return await changeReport();

  async function changeReport(): Promise<ChangeReport> {
    byColumn.delete('');
    return {
      input,
      output,
      inputDigest: `sha256:${inputDigest}`,
      outputDigest: `sha256:${await sha256File(output)}`,
      operator: options.operator,
      format,
      outputFormat,
      records,
      valuesChanged: changed,
      byEntity: Object.fromEntries(byEntity),
      byColumn: Object.fromEntries(byColumn),
    };
  }
}

/**
 * JSON lines keep their structure: every string (and every number that is an identifier) is anonymised where it
 * is, with its key as context. A line that is not JSON is anonymised as text.
 */
async function anonymizeJsonLines(
  input: string,
  sink: Sink,
  anonymise: (value: string, column: string) => string,
  signal?: AbortSignal,
): Promise<number> {
  let records = 0;
  for await (const line of lines(input, signal)) {
    if (line.trim() === '') {
      sink.write('\n');
      continue;
    }
    records++;
    let value: unknown;
    try {
      value = JSON.parse(line, (key, v: unknown) => {
        if (typeof v === 'string') return anonymise(v, key);
        if (typeof v === 'number') {
          const replaced = anonymise(String(v), key);
          return replaced === String(v) ? v : replaced;
        }
        return v;
      });
    } catch {
      sink.write(`${anonymise(line, '')}\n`);
      continue;
    }
    sink.write(`${JSON.stringify(value)}\n`);
  }
  return records;
}

/** Sets `$.a.b[2].c` (or `a.b` for Parquet columns) inside `target`, creating objects and arrays on the way. */
function setPath(target: Record<string, unknown>, path: string, value: string): void {
  const keys: (string | number)[] = [];
  const re = /\.([A-Za-z_]\w*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|^([^.[]+)/g;
  for (let m = re.exec(path); m !== null; m = re.exec(path)) {
    if (m[1] !== undefined) keys.push(m[1]);
    else if (m[2] !== undefined) keys.push(Number(m[2]));
    else if (m[3] !== undefined) keys.push(JSON.parse(m[3]) as string);
    else if (m[4] !== undefined) keys.push(m[4]);
  }
  let node: Record<string | number, unknown> = target;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) {
      node[key] = value;
      return;
    }
    const next = keys[i + 1];
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = typeof next === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  });
}
