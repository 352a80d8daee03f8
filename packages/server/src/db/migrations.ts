import { MONITORING_MIGRATION } from '../monitoring/migration.ts';
import type { Database, Queryable } from './database.ts';

/**
 * Schema migrations, one list for both engines. Types are the common subset: TEXT, BIGINT (SQLite reads it as
 * INTEGER affinity), no engine-specific defaults. Ids are random text, never autoincrement, so that rows can be
 * created on any engine (and any replica) alike. A migration is never edited once released: add a new one.
 */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'identity',
    statements: [
      `CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        totp_secret TEXT,
        totp_pending TEXT,
        totp_last_step BIGINT NOT NULL DEFAULT 0,
        disabled BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL
      )`,
      `CREATE TABLE role_bindings (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        project_id TEXT NOT NULL,
        role TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, project_id, role)
      )`,
      `CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf_hash TEXT NOT NULL,
        mfa BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
      'CREATE INDEX sessions_user ON sessions (user_id)',
      `CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        scopes TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        last_used_at BIGINT,
        revoked_at BIGINT
      )`,
      `CREATE TABLE setup_tokens (
        token_hash TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL,
        used_at BIGINT
      )`,
      `CREATE TABLE auth_throttle (
        bucket TEXT PRIMARY KEY,
        failures BIGINT NOT NULL,
        blocked_until BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    id: 2,
    name: 'inventory',
    statements: [
      `CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL
      )`,
      `CREATE TABLE artifacts (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL,
        UNIQUE (project_id, kind, name)
      )`,
      `CREATE TABLE blobs (
        digest TEXT PRIMARY KEY,
        size BIGINT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      `CREATE TABLE versions (
        id TEXT PRIMARY KEY,
        artifact_id TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
        digest TEXT NOT NULL,
        size BIGINT,
        filename TEXT,
        stored BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL,
        UNIQUE (artifact_id, digest)
      )`,
      `CREATE TABLE aliases (
        artifact_id TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        version_id TEXT NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
        updated_at BIGINT NOT NULL,
        updated_by TEXT NOT NULL,
        PRIMARY KEY (artifact_id, name)
      )`,
    ],
  },
  {
    id: 3,
    name: 'jobs',
    statements: [
      `CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        version_id TEXT NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
        state TEXT NOT NULL,
        attempts BIGINT NOT NULL,
        max_attempts BIGINT NOT NULL,
        run_after BIGINT NOT NULL,
        lease_until BIGINT NOT NULL,
        result TEXT,
        error TEXT,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      'CREATE INDEX jobs_ready ON jobs (state, run_after)',
    ],
  },
  {
    id: 4,
    name: 'audit index',
    statements: [
      // Where to find events in the audit ledger by time, actor, action and object. The ledger holds the events
      // themselves (tamper-evident); this index is rebuilt from it when it lags.
      `CREATE TABLE audit_index (
        seq BIGINT PRIMARY KEY,
        time BIGINT NOT NULL,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        actor TEXT,
        object_type TEXT,
        object_id TEXT,
        project TEXT
      )`,
      'CREATE INDEX audit_time ON audit_index (time)',
      'CREATE INDEX audit_actor ON audit_index (actor, time)',
      'CREATE INDEX audit_object ON audit_index (object_type, object_id, time)',
    ],
  },
  {
    id: 5,
    name: 'webhooks',
    statements: [
      `CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL
      )`,
      `CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts BIGINT NOT NULL,
        next_attempt BIGINT NOT NULL,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      'CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt)',
    ],
  },
  {
    id: 6,
    name: 'evidence',
    statements: [
      // Reports sent by clients (palisade scan|gate|bom --server): kept and audited, never trusted by the gates.
      `CREATE TABLE evidence (
        id TEXT PRIMARY KEY,
        version_id TEXT NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        report TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL
      )`,
      'CREATE INDEX evidence_version ON evidence (version_id, created_at)',
    ],
  },
  {
    id: 7,
    name: 'recovery codes',
    statements: [
      `CREATE TABLE recovery_codes (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        lookup TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        used_at BIGINT,
        PRIMARY KEY (user_id, lookup)
      )`,
    ],
  },
  MONITORING_MIGRATION,
];

async function applied(db: Queryable): Promise<Set<number>> {
  const rows = await db.all<{ id: number }>('SELECT id FROM schema_migrations');
  return new Set(rows.map((r) => Number(r.id)));
}

/** Applies every pending migration, each in its own transaction; returns the ids applied now. */
export async function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await db.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (id BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
  );
  const done: number[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction(async (tx) => {
      // Two servers starting together on PostgreSQL: the second waits here, then sees the migration applied.
      if (db.dialect === 'postgres') await tx.run('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
      if ((await applied(tx)).has(migration.id)) return false;
      for (const statement of migration.statements) await tx.run(statement);
      await tx.run('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)', [
        migration.id,
        migration.name,
        Date.now(),
      ]);
      return true;
    });
    if (ran) done.push(migration.id);
  }
  return done;
}
