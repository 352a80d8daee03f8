/**
 * The server's one query layer. Every query is written once, in the SQL both engines accept (`?` placeholders,
 * TEXT ids, BIGINT epoch milliseconds, `ON CONFLICT`, `RETURNING`), and run by either adapter.
 */
export type Dialect = 'sqlite' | 'postgres';

export type SqlValue = string | number | null;

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Every row the statement returns. */
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** The first row, or undefined. */
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface Database extends Queryable {
  readonly dialect: Dialect;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Resolves when the database answers (for `/readyz`). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** `?` placeholders to PostgreSQL's `$1…$n`, leaving quoted literals and identifiers alone. */
export function numberPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** `(?, ?, ?)` for an IN list of `count` values. */
export function placeholderList(count: number): string {
  return `(${Array.from({ length: count }, () => '?').join(', ')})`;
}
