import { createReadStream } from 'node:fs';
import { PalisadeError } from '@palisade/core';
import type { Table } from './table.ts';
import { TableBuilder, type TableOptions } from './table-builder.ts';

/** Streams a CSV (or TSV) file with a header row into a Table; memory grows with the columns, not the text. */
export async function readCsv(path: string, options: TableOptions & { delimiter?: string }): Promise<Table> {
  const { parse } = await import('csv-parse');
  const source = createReadStream(path);
  const parser = source.pipe(
    parse({
      bom: true,
      delimiter: options.delimiter ?? ',',
      skip_empty_lines: true,
      max_record_size: options.limits.maxRecordBytes,
      relax_quotes: false,
      relax_column_count: true,
    }),
  );
  // pipe() does not forward read errors; hand them to the parser so the loop below sees them.
  source.on('error', (error) => parser.destroy(error));
  const table = new TableBuilder(options);
  let header: string[] | undefined;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = record.map((name, i) => name.trim() || `column_${i + 1}`);
        const duplicate = header.find((name, i) => header?.indexOf(name) !== i);
        if (duplicate !== undefined) {
          throw new PalisadeError(
            'INPUT_INVALID',
            `${options.source}: the header names column "${duplicate}" twice.`,
          );
        }
        for (const name of header) table.column(name);
        continue;
      }
      if (record.length !== header.length) {
        throw new PalisadeError(
          'INPUT_INVALID',
          `${options.source}: row ${table.rowCount + 1} has ${record.length} fields, the header ${header.length}.`,
        );
      }
      for (let i = 0; i < header.length; i++) table.column(header[i] as string).push(record[i]);
      table.endRow();
    }
  } catch (error) {
    if (error instanceof PalisadeError) throw error;
    throw new PalisadeError(
      'INPUT_INVALID',
      `${options.source} is not valid CSV: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    source.destroy();
    parser.destroy();
  }
  if (!header) throw new PalisadeError('INPUT_INVALID', `${options.source} is empty: expected a header row.`);
  return table.build();
}
