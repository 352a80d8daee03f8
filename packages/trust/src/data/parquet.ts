import { PalisadeError } from '@palisade/core';
import type { Cell } from './column-builder.ts';
import type { SkippedColumn, Table } from './table.ts';
import { TableBuilder, type TableOptions } from './table-builder.ts';

interface Chunk {
  readonly rowStart: number;
  readonly data: ArrayLike<unknown>;
}

function isFlat(value: unknown): value is Cell {
  return value === null || value === undefined || typeof value !== 'object' || value instanceof Date;
}

/** The cells of a column's chunks in row order, without gathering them into one array first. */
function* cellsOf(chunks: readonly Chunk[]): Generator<Cell> {
  for (const chunk of chunks) for (let i = 0; i < chunk.data.length; i++) yield chunk.data[i] as Cell;
}

/** Reads a Parquet file (hyparquet: every encoding and codec) column by column into a Table. */
export async function readParquet(path: string, options: TableOptions): Promise<Table> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead } = await import('hyparquet');
  const file = await asyncBufferFromFile(path);
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `${options.source} is not a readable Parquet file: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const rows = Number(metadata.num_rows);
  if (rows > options.limits.maxRows) {
    throw new PalisadeError(
      'LIMIT_EXCEEDED',
      `${options.source} has ${rows} rows, more than the limit of ${options.limits.maxRows}; sample it or raise the limit.`,
    );
  }
  // Compressed pages can expand far beyond the file: refuse what the footer declares above the decoded limit.
  let declared = 0n;
  for (const group of metadata.row_groups) {
    for (const column of group.columns) declared += column.meta_data?.total_uncompressed_size ?? 0n;
  }
  if (declared > BigInt(options.limits.maxDecodedBytes)) {
    throw new PalisadeError(
      'LIMIT_EXCEEDED',
      `${options.source} declares ${declared} bytes of uncompressed data, more than the limit of ${options.limits.maxDecodedBytes}.`,
    );
  }
  const chunks = new Map<string, Chunk[]>();
  try {
    await parquetRead({
      file,
      onChunk: ({ columnName, columnData, rowStart }) => {
        const list = chunks.get(columnName) ?? [];
        list.push({ rowStart, data: columnData });
        chunks.set(columnName, list);
      },
    });
  } catch (error) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `${options.source}: cannot decode Parquet data: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const table = new TableBuilder({ ...options, typedStrings: true });
  const skipped: SkippedColumn[] = [];
  for (const [name, list] of chunks) {
    list.sort((a, b) => a.rowStart - b.rowStart);
    if (!list.every((c) => Array.prototype.every.call(c.data, isFlat))) {
      skipped.push({ name, reason: 'nested values (lists, maps or structs)' });
      continue;
    }
    table.pushColumn(name, cellsOf(list));
  }
  return table.build(skipped);
}
