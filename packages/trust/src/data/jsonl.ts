import { createReadStream } from 'node:fs';
import { PalisadeError } from '@palisade/core';
import type { Cell } from './column-builder.ts';
import type { Table } from './table.ts';
import { TableBuilder, type TableOptions } from './table-builder.ts';

function cellOf(value: unknown, source: string, line: number, key: string): Cell {
  if (
    value === null ||
    typeof value === 'number' ||
    typeof value === 'string' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  throw new PalisadeError(
    'INPUT_INVALID',
    `${source} line ${line}: "${key}" holds an ${Array.isArray(value) ? 'array' : 'object'}; flatten nested values into columns first.`,
  );
}

/** Reads JSON lines (one flat object per line) into a Table; keys missing from a line are missing values. */
export async function readJsonLines(path: string, options: TableOptions): Promise<Table> {
  const table = new TableBuilder({ ...options, typedStrings: true });
  let pending = '';
  let line = 0;
  const take = (text: string) => {
    line++;
    if (text.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (error) {
      throw new PalisadeError(
        'INPUT_INVALID',
        `${options.source} line ${line} is not JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new PalisadeError('INPUT_INVALID', `${options.source} line ${line} is not a JSON object.`);
    }
    for (const [key, value] of Object.entries(row)) {
      table.column(key).push(cellOf(value, options.source, line, key));
    }
    table.endRow();
  };
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
    pending += chunk as string;
    let start = 0;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
      take(pending.slice(start, end));
      start = end + 1;
    }
    pending = pending.slice(start);
    if (pending.length > options.limits.maxRecordBytes) {
      throw new PalisadeError(
        'LIMIT_EXCEEDED',
        `${options.source} line ${line + 1} is longer than ${options.limits.maxRecordBytes} bytes.`,
      );
    }
  }
  take(pending);
  return table.build();
}
