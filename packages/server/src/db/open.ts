import { mkdirSync } from 'node:fs';
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
  if (url === undefined || url === 'sqlite:') {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    db = openSqlite(join(options.dataDir, 'palisade.db'));
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    db = await PostgresDatabase.open({ url, ...(options.schema ? { schema: options.schema } : {}) });
  } else {
    throw new PalisadeError(
      'USAGE',
      '--database takes a postgres://… URL (leave it out for SQLite in --data-dir).',
    );
  }
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
