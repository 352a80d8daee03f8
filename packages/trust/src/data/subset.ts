import type { Column, Table } from './table.ts';

/** The given rows of a column, in the given order (categorical codes keep their dictionary). */
export function columnRows(column: Column, rows: ArrayLike<number>): Column {
  if (column.kind === 'numeric') {
    return {
      ...column,
      values: Float64Array.from(
        { length: rows.length },
        (_, i) => column.values[rows[i] as number] as number,
      ),
    };
  }
  return {
    ...column,
    codes: Int32Array.from({ length: rows.length }, (_, i) => column.codes[rows[i] as number] as number),
  };
}

export function tableRows(table: Table, rows: ArrayLike<number>): Table {
  return {
    rowCount: rows.length,
    columns: table.columns.map((c) => columnRows(c, rows)),
    skipped: table.skipped,
  };
}
