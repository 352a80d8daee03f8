import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database.ts';

export const JOB_KINDS = ['scan', 'bom'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Job {
  readonly id: string;
  readonly kind: JobKind;
  readonly projectId: string;
  readonly versionId: string;
  readonly state: JobState;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly runAfter: number;
  readonly leaseUntil: number;
  readonly result: unknown;
  readonly error: string | null;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
}

interface JobRow {
  id: string;
  kind: string;
  project_id: string;
  version_id: string;
  state: string;
  attempts: number;
  max_attempts: number;
  run_after: number;
  lease_until: number;
  result: string | null;
  error: string | null;
  created_at: number;
  created_by: string;
  updated_at: number;
}

const COLUMNS =
  'id, kind, project_id, version_id, state, attempts, max_attempts, run_after, lease_until, result, error, created_at, created_by, updated_at';

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind as JobKind,
    projectId: row.project_id,
    versionId: row.version_id,
    state: row.state as JobState,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAfter: Number(row.run_after),
    leaseUntil: Number(row.lease_until),
    result: row.result === null ? null : JSON.parse(row.result),
    error: row.error,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    updatedAt: Number(row.updated_at),
  };
}

/** Retry back-off: 10 s, 40 s, 90 s … (attempts² × 10 s), capped at 10 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(10_000 * attempts * attempts, 600_000);
}

/**
 * Jobs in the main database (`JobQueue` port of specs/scaling.md). A job is claimed with a lease; a worker that
 * dies (crash, SIGKILL) stops renewing it, and once it lapses any worker claims the job again — so an
 * acknowledged job is never lost, only retried. Claiming is a compare-and-set on (state, lease), so two workers,
 * on SQLite or on PostgreSQL, never run the same attempt.
 */
export class JobQueue {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async enqueue(
    input: { kind: JobKind; projectId: string; versionId: string; createdBy: string; maxAttempts?: number },
    now: number,
    db: Queryable = this.#db,
  ): Promise<string> {
    const id = randomUUID();
    await db.run(
      `INSERT INTO jobs (id, kind, project_id, version_id, state, attempts, max_attempts, run_after, lease_until,
       created_at, created_by, updated_at) VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, 0, ?, ?, ?)`,
      [
        id,
        input.kind,
        input.projectId,
        input.versionId,
        input.maxAttempts ?? 3,
        now,
        now,
        input.createdBy,
        now,
      ],
    );
    return id;
  }

  /** Claims the oldest runnable job (queued and due, or running with a lapsed lease), or undefined. */
  async claim(now: number, leaseMs: number): Promise<Job | undefined> {
    for (let tries = 0; tries < 5; tries++) {
      const row = await this.#db.get<JobRow>(
        `SELECT ${COLUMNS} FROM jobs WHERE (state = 'queued' AND run_after <= ?) OR (state = 'running' AND lease_until <= ?)
         ORDER BY run_after, created_at, id LIMIT 1`,
        [now, now],
      );
      if (row === undefined) return undefined;
      const changed = await this.#db.run(
        `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = ?, updated_at = ?
         WHERE id = ? AND state = ? AND lease_until = ?`,
        [now + leaseMs, now, row.id, row.state, row.lease_until],
      );
      if (changed === 1) return this.get(row.id);
    }
    return undefined;
  }

  /** Extends a lease this worker holds; false when it was lost (the job was reclaimed). */
  async renew(id: string, attempts: number, now: number, leaseMs: number): Promise<boolean> {
    const changed = await this.#db.run(
      `UPDATE jobs SET lease_until = ?, updated_at = ? WHERE id = ? AND state = 'running' AND attempts = ?`,
      [now + leaseMs, now, id, attempts],
    );
    return changed === 1;
  }

  async complete(id: string, attempts: number, result: unknown, now: number): Promise<boolean> {
    const changed = await this.#db.run(
      `UPDATE jobs SET state = 'succeeded', result = ?, error = NULL, updated_at = ?
       WHERE id = ? AND state = 'running' AND attempts = ?`,
      [JSON.stringify(result), now, id, attempts],
    );
    return changed === 1;
  }

  /** Records a failed attempt: queued again after a back-off, or failed for good after the last attempt. */
  async fail(
    id: string,
    attempts: number,
    error: string,
    now: number,
  ): Promise<'queued' | 'failed' | undefined> {
    const job = await this.get(id);
    if (job === undefined || job.state !== 'running' || job.attempts !== attempts) return undefined;
    const state = attempts >= job.maxAttempts ? 'failed' : 'queued';
    await this.#db.run(
      `UPDATE jobs SET state = ?, error = ?, run_after = ?, lease_until = 0, updated_at = ?
       WHERE id = ? AND state = 'running' AND attempts = ?`,
      [state, error.slice(0, 4000), now + retryDelayMs(attempts), now, id, attempts],
    );
    return state;
  }

  async get(id: string): Promise<Job | undefined> {
    const row = await this.#db.get<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`, [id]);
    return row === undefined ? undefined : toJob(row);
  }

  /** A project's job, or undefined when the id belongs to another project. */
  async inProject(projectId: string, id: string): Promise<Job | undefined> {
    const row = await this.#db.get<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = ? AND project_id = ?`, [
      id,
      projectId,
    ]);
    return row === undefined ? undefined : toJob(row);
  }

  async list(projectId: string, limit = 100): Promise<Job[]> {
    const rows = await this.#db.all<JobRow>(
      `SELECT ${COLUMNS} FROM jobs WHERE project_id = ? ORDER BY created_at DESC, id LIMIT ?`,
      [projectId, limit],
    );
    return rows.map(toJob);
  }

  /**
   * The result of the latest successful job of `kind` on the bytes of a version (any version of the same digest
   * in the same project: the same bytes scan the same).
   */
  async latestResult(versionId: string, kind: JobKind): Promise<unknown> {
    const row = await this.#db.get<{ result: string }>(
      `SELECT j.result FROM jobs j
       JOIN versions v ON v.id = j.version_id
       JOIN versions target ON target.digest = v.digest AND target.id = ?
       WHERE j.kind = ? AND j.state = 'succeeded' AND j.project_id = (
         SELECT a.project_id FROM artifacts a WHERE a.id = target.artifact_id)
       ORDER BY j.updated_at DESC, j.id LIMIT 1`,
      [versionId, kind],
    );
    return row === undefined ? undefined : JSON.parse(row.result);
  }

  async counts(): Promise<Record<JobState, number>> {
    const rows = await this.#db.all<{ state: JobState; n: number }>(
      'SELECT state, COUNT(*) AS n FROM jobs GROUP BY state',
    );
    const counts: Record<JobState, number> = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }
}
