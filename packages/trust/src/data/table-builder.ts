import { PalisadeError } from '@palisade/core';
import { type Cell, ColumnBuilder } from './column-builder.ts';
import type { ReadLimits } from './limits.ts';
import type { Column, ColumnKind, SkippedColumn, Table } from './table.ts';

export interface TableOptions {
  /** Declared kinds by column name; other columns are inferred. */
  readonly types?: Readonly<Record<string, ColumnKind>>;
  readonly limits: ReadLimits;
  /** Where the data came from, for error messages. */
  readonly source: string;
  /** Strings are typed values (JSON, Parquet, Arrow): labels, not text to read as numbers. */
  readonly typedStrings?: boolean;
}

/** Collects rows (CSV, JSON lines) or whole columns into a Table, enforcing the row and column limits. */
export class TableBuilder {
  readonly #options: TableOptions;
  readonly #builders = new Map<string, ColumnBuilder>();
  #rows = 0;

  constructor(options: TableOptions) {
    this.#options = options;
  }

  get rowCount(): number {
    return this.#rows;
  }

  /** The builder for `name`, created (and back-filled with missing values) on first use. */
  column(name: string): ColumnBuilder {
    return this.#builder(name, this.#rows);
  }

  #builder(name: string, backfill: number): ColumnBuilder {
    let builder = this.#builders.get(name);
    if (builder) return builder;
    if (this.#builders.size >= this.#options.limits.maxColumns) {
      throw new PalisadeError(
        'LIMIT_EXCEEDED',
        `${this.#options.source} has more than ${this.#options.limits.maxColumns} columns; raise the column limit if this is intended.`,
      );
    }
    builder = new ColumnBuilder(
      name,
      this.#options.types?.[name],
      this.#options.limits.maxCategories,
      this.#options.typedStrings === true,
    );
    for (let i = 0; i < backfill; i++) builder.push(undefined);
    this.#builders.set(name, builder);
    return builder;
  }

  /** Ends a row: columns that got no cell in it get a missing value. */
  endRow(): void {
    this.#rows++;
    if (this.#rows > this.#options.limits.maxRows) {
      throw new PalisadeError(
        'LIMIT_EXCEEDED',
        `${this.#options.source} has more than ${this.#options.limits.maxRows} rows; sample it or raise the row limit.`,
      );
    }
    for (const builder of this.#builders.values()) {
      if (builder.length < this.#rows) builder.push(undefined);
    }
  }

  /** Appends a whole column (columnar formats); every column must end up with the same number of rows. */
  pushColumn(name: string, cells: Iterable<Cell>): void {
    const builder = this.#builder(name, 0);
    for (const cell of cells) builder.push(cell);
    if (builder.length > this.#options.limits.maxRows) {
      throw new PalisadeError(
        'LIMIT_EXCEEDED',
        `${this.#options.source} has more than ${this.#options.limits.maxRows} rows; sample it or raise the row limit.`,
      );
    }
    this.#rows = Math.max(this.#rows, builder.length);
  }

  build(skipped: readonly SkippedColumn[] = []): Table {
    const unknown = Object.keys(this.#options.types ?? {}).filter((name) => !this.#builders.has(name));
    if (unknown.length > 0) {
      throw new PalisadeError(
        'USAGE',
        `${this.#options.source} has no column ${unknown.map((n) => `"${n}"`).join(', ')} (named in a type override).`,
      );
    }
    const columns: Column[] = [];
    const left = [...skipped];
    for (const builder of this.#builders.values()) {
      if (builder.length !== this.#rows) {
        throw new PalisadeError(
          'INPUT_INVALID',
          `${this.#options.source}: column "${builder.name}" is short of rows.`,
        );
      }
      const built = builder.build();
      if ('skipped' in built) left.push({ name: builder.name, reason: built.skipped });
      else columns.push(built);
    }
    return { rowCount: this.#rows, columns, skipped: left };
  }
}
