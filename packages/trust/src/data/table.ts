/** A column of numbers; NaN marks a missing value. */
export interface NumericColumn {
  readonly name: string;
  readonly kind: 'numeric';
  readonly values: Float64Array;
}

/** A column of labels, stored as codes into `categories`; -1 marks a missing value. */
export interface CategoricalColumn {
  readonly name: string;
  readonly kind: 'categorical';
  readonly codes: Int32Array;
  readonly categories: readonly string[];
}

export type Column = NumericColumn | CategoricalColumn;
export type ColumnKind = Column['kind'];

/** A column the reader left out, and why (e.g. nested values, too many distinct labels). */
export interface SkippedColumn {
  readonly name: string;
  readonly reason: string;
}

/** Column-oriented data: every column has `rowCount` entries. */
export interface Table {
  readonly rowCount: number;
  readonly columns: readonly Column[];
  readonly skipped: readonly SkippedColumn[];
}

export function findColumn(table: Table, name: string): Column | undefined {
  return table.columns.find((c) => c.name === name);
}

/** The value of row `i` as text (numbers as JavaScript prints them), or undefined when missing. */
export function cellText(column: Column, i: number): string | undefined {
  if (column.kind === 'numeric') {
    const v = column.values[i] as number;
    return Number.isNaN(v) ? undefined : String(v);
  }
  const code = column.codes[i] as number;
  return code < 0 ? undefined : column.categories[code];
}
