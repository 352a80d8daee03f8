import { PalisadeError } from '@palisade/core';
import type { Pool, PoolClient } from 'pg';
import { type Database, numberPlaceholders, type Queryable, type Row, type SqlValue } from './database.ts';

const INT8 = 20;

export interface PostgresOptions {
  /** `postgres://user@host:port/db[?schema=name]`; `sslmode` and friends are honoured by `pg`. */
  readonly url: string;
  /** Schema to use (created if missing); default the URL's `schema` parameter, else `public`. */
  readonly schema?: string;
  readonly maxConnections?: number;
}

function queryable(run: Pool | PoolClient): Queryable {
  return {
    all: async <T = Row>(sql: string, params: readonly SqlValue[] = []) =>
      (await run.query(numberPlaceholders(sql), params as SqlValue[])).rows as T[],
    get: async <T = Row>(sql: string, params: readonly SqlValue[] = []) =>
      (await run.query(numberPlaceholders(sql), params as SqlValue[])).rows[0] as T | undefined,
    run: async (sql: string, params: readonly SqlValue[] = []) =>
      (await run.query(numberPlaceholders(sql), params as SqlValue[])).rowCount ?? 0,
  };
}

/**
 * Parses a `postgres://` URL and insists on TLS to any host but this machine: without an explicit `sslmode` a
 * remote database is refused (`sslmode=verify-full` verifies the server's certificate and name;
 * `sslmode=disable` accepts an unencrypted connection knowingly).
 */
export function postgresUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PalisadeError('USAGE', '--database is not a valid postgres:// URL.');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const local = host === '' || host === 'localhost' || host === '::1' || /^127\./.test(host);
  if (!local && !url.searchParams.has('sslmode')) {
    throw new PalisadeError(
      'USAGE',
      `PostgreSQL at ${host} needs TLS: add ?sslmode=verify-full to --database (or sslmode=disable to accept an unencrypted connection).`,
    );
  }
  return url;
}

/** `Database` on PostgreSQL through `pg`'s pool. BIGINT columns come back as numbers (epoch ms, counts). */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres';
  readonly #pool: Pool;
  readonly #query: Queryable;

  private constructor(pool: Pool) {
    this.#pool = pool;
    this.#query = queryable(pool);
  }

  static async open(options: PostgresOptions): Promise<PostgresDatabase> {
    const pg = (await import('pg')).default;
    const url = postgresUrl(options.url);
    const schema = options.schema ?? url.searchParams.get('schema') ?? 'public';
    url.searchParams.delete('schema');
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new PalisadeError('INPUT_INVALID', `PostgreSQL schema "${schema}" must match [a-z_][a-z0-9_]*`);
    }
    const types = {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as never,
    };
    const pool = new pg.Pool({
      connectionString: url.href,
      max: options.maxConnections ?? 10,
      types,
      options: `-c search_path=${schema}`,
    });
    pool.on('error', () => {}); // an idle client's lost connection is retried by the next query
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (error) {
      await pool.end();
      throw new PalisadeError(
        'INPUT_UNREADABLE',
        `Cannot connect to PostgreSQL: ${(error as Error).message}. Check --database and that the server is up.`,
        { cause: error },
      );
    }
    return new PostgresDatabase(pool);
  }

  /** The connection pool, for components that speak SQL of their own (the ledger's PostgresLog). */
  get pool(): Pool {
    return this.#pool;
  }

  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#query.all<T>(sql, params);
  }

  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.#query.get<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.#query.run(sql, params);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const result = await work(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
