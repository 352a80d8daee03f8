export type { Database, Dialect, Queryable, Row, SqlValue } from './db/database.ts';
export type { Migration } from './db/migrations.ts';
export { MIGRATIONS, migrate } from './db/migrations.ts';
export type { OpenOptions } from './db/open.ts';
export { openDatabase } from './db/open.ts';
export { PostgresDatabase } from './db/postgres.ts';
export { SqliteDatabase } from './db/sqlite.ts';
