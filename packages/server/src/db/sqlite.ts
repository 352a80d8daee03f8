import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { PalisadeError } from '@palisade/core';
import type { Database, Queryable, Row, SqlValue } from './database.ts';

/**
 * `Database` on Node's built-in `node:sqlite`: one connection in WAL mode. The driver is synchronous, so a
 * transaction holds a lock that every other statement waits for; otherwise statements from concurrent requests
 * would run inside (and be rolled back with) someone else's transaction.
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite';
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  #lock: Promise<void> = Promise.resolve();
  #locked = false;

  constructor(path: string) {
    this.#db = new DatabaseSync(path);
    // synchronous=FULL: an acknowledged upload or job must survive a power cut, not only a process crash.
    this.#db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;',
    );
  }

  #statement(sql: string) {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      if (this.#statements.size > 500) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #all<T>(sql: string, params: readonly SqlValue[]): T[] {
    return this.#statement(sql).all(...(params as SQLInputValue[])) as T[];
  }

  #run(sql: string, params: readonly SqlValue[]): number {
    return Number(this.#statement(sql).run(...(params as SQLInputValue[])).changes);
  }

  async #unlocked(): Promise<void> {
    while (this.#locked) await this.#lock;
  }

  async all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    if (this.#locked) await this.#unlocked();
    return this.#all<T>(sql, params);
  }

  async get<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    if (this.#locked) await this.#unlocked();
    return this.#run(sql, params);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    await this.#unlocked();
    let release = (): void => {};
    this.#locked = true;
    this.#lock = new Promise((resolve) => {
      release = resolve;
    });
    const tx: Queryable = {
      all: async <R = Row>(sql: string, params: readonly SqlValue[] = []) => this.#all<R>(sql, params),
      get: async <R = Row>(sql: string, params: readonly SqlValue[] = []) => this.#all<R>(sql, params)[0],
      run: async (sql: string, params: readonly SqlValue[] = []) => this.#run(sql, params),
    };
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(tx);
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        this.#db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.#locked = false;
      release();
    }
  }

  async ping(): Promise<void> {
    await this.get('SELECT 1 AS one');
  }

  async close(): Promise<void> {
    await this.#unlocked();
    if (!this.#db.isOpen) return;
    this.#statements.clear();
    this.#db.close();
  }
}

export function openSqlite(path: string): SqliteDatabase {
  try {
    return new SqliteDatabase(path);
  } catch (error) {
    throw new PalisadeError(
      'INPUT_UNREADABLE',
      `Cannot open the database ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
