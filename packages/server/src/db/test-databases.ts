import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from './database.ts';
import { openDatabase } from './open.ts';

/**
 * Test support: the same suite runs on SQLite and on PostgreSQL (127.0.0.1:5432, database `test`, or
 * PALISADE_TEST_POSTGRES). Each PostgreSQL run gets its own schema, dropped afterwards. When PostgreSQL is down
 * its tests are skipped, unless PALISADE_REQUIRE_POSTGRES=1 (CI) makes that a failure.
 */
export const TEST_POSTGRES_URL =
  process.env.PALISADE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

export const DIALECTS = ['sqlite', 'postgres'] as const;

/**
 * Test data lives in memory when the machine has /dev/shm: the server syncs every commit (synchronous=FULL,
 * fsync of blobs), which on a busy CI disk costs more than everything else the tests do. The crash test, which
 * is about durability, uses the real temporary folder.
 */
export const TEST_TMP = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

export interface TestDatabase {
  readonly db: Database;
  readonly dataDir: string;
  /** The `--database` value that opens the same database again. */
  readonly url: string | undefined;
  readonly schema: string | undefined;
  cleanup(): Promise<void>;
}

let postgresUp: Promise<boolean> | undefined;

async function postgresReachable(): Promise<boolean> {
  postgresUp ??= (async () => {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      return false;
    }
  })();
  return postgresUp;
}

/** Opens a fresh, migrated database of the dialect, or returns undefined (skip) when PostgreSQL is down. */
export async function testDatabase(dialect: (typeof DIALECTS)[number]): Promise<TestDatabase | undefined> {
  const dataDir = mkdtempSync(join(TEST_TMP, 'palisade-server-'));
  if (dialect === 'sqlite') {
    const db = await openDatabase({ dataDir });
    return {
      db,
      dataDir,
      url: undefined,
      schema: undefined,
      cleanup: async () => {
        await db.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (!(await postgresReachable())) {
    rmSync(dataDir, { recursive: true, force: true });
    if (process.env.PALISADE_REQUIRE_POSTGRES === '1') {
      throw new Error(
        `PostgreSQL is required (PALISADE_REQUIRE_POSTGRES=1) but ${TEST_POSTGRES_URL} is down`,
      );
    }
    return undefined;
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ url: TEST_POSTGRES_URL, dataDir, schema });
  return {
    db,
    dataDir,
    url: TEST_POSTGRES_URL,
    schema,
    cleanup: async () => {
      await db.close();
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
