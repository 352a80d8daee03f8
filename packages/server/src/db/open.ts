import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PalisadeError } from '@palisade/core';
import type { Database } from './database.ts';
import { migrate } from './migrations.ts';
import { PostgresDatabase } from './postgres.ts';
import { openSqlite } from './sqlite.ts';

export interface OpenOptions {
  /** `postgres://…` (or `postgresql://…`); absent or `sqlite:` keeps `palisade.db` in the data directory. */
  readonly url?: string | undefined;
  readonly dataDir: string;
  /** PostgreSQL schema (default `public`). */
  readonly schema?: string;
}

/** Opens the configured engine and brings its schema up to date. */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  const url = options.url;
  let db: Database;
  const postgres = url !== undefined && /^postgres(ql)?:\/\//.test(url);
  if (url !== undefined && url !== 'sqlite:' && !postgres) {
    throw new PalisadeError(
      'USAGE',
      '--database takes a postgres://… URL (leave it out for SQLite in --data-dir).',
    );
  }
  // The data directory holds blobs, sealed secrets, the audit trail and the keys (and SQLite's password hashes):
  // owner only, whichever engine holds the tables.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(options.dataDir, 0o700);
  if (postgres) {
    db = await PostgresDatabase.open({ url, ...(options.schema ? { schema: options.schema } : {}) });
  } else {
    db = openSqlite(join(options.dataDir, 'palisade.db'));
  }
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
