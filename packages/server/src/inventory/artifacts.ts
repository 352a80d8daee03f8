import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database.ts';

export const ARTIFACT_KINDS = ['model', 'dataset'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export interface ArtifactRecord {
  readonly id: string;
  readonly projectId: string;
  readonly kind: ArtifactKind;
  readonly name: string;
  readonly createdAt: number;
  readonly createdBy: string;
}

export interface VersionRecord {
  readonly id: string;
  readonly artifactId: string;
  readonly digest: string;
  readonly size: number | null;
  readonly filename: string | null;
  /** The bytes are in this server's blob store (uploaded), not only registered by digest. */
  readonly stored: boolean;
  readonly createdAt: number;
  readonly createdBy: string;
}

export interface AliasRecord {
  readonly name: string;
  readonly versionId: string;
  readonly digest: string;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

interface VersionRow {
  id: string;
  artifact_id: string;
  digest: string;
  size: number | null;
  filename: string | null;
  stored: number;
  created_at: number;
  created_by: string;
}

function toVersion(row: VersionRow): VersionRecord {
  return {
    id: row.id,
    artifactId: row.artifact_id,
    digest: row.digest,
    size: row.size === null ? null : Number(row.size),
    filename: row.filename,
    stored: Number(row.stored) !== 0,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
  };
}

const VERSION_COLUMNS = 'id, artifact_id, digest, size, filename, stored, created_at, created_by';

/**
 * Models and datasets of a project, their versions (identified by digest) and aliases. Every lookup is scoped
 * by project id, so an object of another project cannot be reached by naming it (no IDOR by construction).
 */
export class ArtifactStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(
    projectId: string,
    kind: ArtifactKind,
    name: string,
    userId: string,
    now: number,
  ): Promise<ArtifactRecord | undefined> {
    const id = randomUUID();
    const changed = await this.#db.run(
      `INSERT INTO artifacts (id, project_id, kind, name, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (project_id, kind, name) DO NOTHING`,
      [id, projectId, kind, name, now, userId],
    );
    return changed === 1 ? { id, projectId, kind, name, createdAt: now, createdBy: userId } : undefined;
  }

  async get(projectId: string, kind: ArtifactKind, name: string): Promise<ArtifactRecord | undefined> {
    const row = await this.#db.get<{ id: string; created_at: number; created_by: string }>(
      'SELECT id, created_at, created_by FROM artifacts WHERE project_id = ? AND kind = ? AND name = ?',
      [projectId, kind, name],
    );
    return row === undefined
      ? undefined
      : { id: row.id, projectId, kind, name, createdAt: Number(row.created_at), createdBy: row.created_by };
  }

  async list(projectId: string, kind: ArtifactKind): Promise<ArtifactRecord[]> {
    const rows = await this.#db.all<{ id: string; name: string; created_at: number; created_by: string }>(
      'SELECT id, name, created_at, created_by FROM artifacts WHERE project_id = ? AND kind = ? ORDER BY name',
      [projectId, kind],
    );
    return rows.map((r) => ({
      id: r.id,
      projectId,
      kind,
      name: r.name,
      createdAt: Number(r.created_at),
      createdBy: r.created_by,
    }));
  }

  /**
   * Adds a version (or returns the existing one for the same digest: uploads are idempotent). `stored` only
   * ever goes from false to true, when bytes for a registered digest arrive.
   */
  async addVersion(
    input: {
      artifactId: string;
      digest: string;
      size: number | null;
      filename: string | null;
      stored: boolean;
    },
    userId: string,
    now: number,
    db: Queryable = this.#db,
  ): Promise<{ version: VersionRecord; created: boolean }> {
    const id = randomUUID();
    const changed = await db.run(
      `INSERT INTO versions (id, artifact_id, digest, size, filename, stored, created_at, created_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (artifact_id, digest) DO NOTHING`,
      [id, input.artifactId, input.digest, input.size, input.filename, input.stored ? 1 : 0, now, userId],
    );
    if (changed === 0 && input.stored) {
      await db.run('UPDATE versions SET stored = 1, size = ? WHERE artifact_id = ? AND digest = ?', [
        input.size,
        input.artifactId,
        input.digest,
      ]);
    }
    const row = await db.get<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM versions WHERE artifact_id = ? AND digest = ?`,
      [input.artifactId, input.digest],
    );
    if (row === undefined) throw new Error('version vanished after insert');
    return { version: toVersion(row), created: changed === 1 };
  }

  async version(
    artifactId: string,
    digest: string,
    db: Queryable = this.#db,
  ): Promise<VersionRecord | undefined> {
    const row = await db.get<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM versions WHERE artifact_id = ? AND digest = ?`,
      [artifactId, digest],
    );
    return row === undefined ? undefined : toVersion(row);
  }

  async versionById(id: string): Promise<VersionRecord | undefined> {
    const row = await this.#db.get<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM versions WHERE id = ?`, [id]);
    return row === undefined ? undefined : toVersion(row);
  }

  async versions(artifactId: string): Promise<VersionRecord[]> {
    const rows = await this.#db.all<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM versions WHERE artifact_id = ? ORDER BY created_at, id`,
      [artifactId],
    );
    return rows.map(toVersion);
  }

  async setAlias(
    artifactId: string,
    name: string,
    versionId: string,
    userId: string,
    now: number,
  ): Promise<void> {
    await this.#db.run(
      `INSERT INTO aliases (artifact_id, name, version_id, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (artifact_id, name) DO UPDATE SET version_id = excluded.version_id,
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      [artifactId, name, versionId, now, userId],
    );
  }

  async aliases(artifactId: string): Promise<AliasRecord[]> {
    const rows = await this.#db.all<{
      name: string;
      version_id: string;
      digest: string;
      updated_at: number;
      updated_by: string;
    }>(
      `SELECT a.name, a.version_id, v.digest, a.updated_at, a.updated_by FROM aliases a
       JOIN versions v ON v.id = a.version_id WHERE a.artifact_id = ? ORDER BY a.name`,
      [artifactId],
    );
    return rows.map((r) => ({
      name: r.name,
      versionId: r.version_id,
      digest: r.digest,
      updatedAt: Number(r.updated_at),
      updatedBy: r.updated_by,
    }));
  }

  async recordBlob(digest: string, size: number, now: number, db: Queryable = this.#db): Promise<void> {
    await db.run(
      'INSERT INTO blobs (digest, size, created_at) VALUES (?, ?, ?) ON CONFLICT (digest) DO NOTHING',
      [digest, size, now],
    );
  }
}
