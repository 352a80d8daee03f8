import { createHash, randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';

export const EVIDENCE_KINDS = ['scan', 'gate', 'bom'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export interface EvidenceRecord {
  readonly id: string;
  readonly kind: EvidenceKind;
  readonly sha256: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly report?: unknown;
}

/**
 * Reports that clients send about a version (`palisade scan|gate|bom --server`). They are kept, hashed and audited
 * as the client's claim; the server's own gates read only the scans it ran itself, so a forged report cannot
 * promote a model.
 */
export class EvidenceStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async add(
    versionId: string,
    kind: EvidenceKind,
    report: unknown,
    userId: string,
    now: number,
  ): Promise<EvidenceRecord> {
    const text = JSON.stringify(report);
    const sha256 = `sha256:${createHash('sha256').update(text).digest('hex')}`;
    const id = randomUUID();
    await this.#db.run(
      'INSERT INTO evidence (id, version_id, kind, report, sha256, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [id, versionId, kind, text, sha256, now, userId],
    );
    return { id, kind, sha256, createdAt: now, createdBy: userId };
  }

  async list(versionId: string, withReports: boolean): Promise<EvidenceRecord[]> {
    const rows = await this.#db.all<{
      id: string;
      kind: EvidenceKind;
      report: string;
      sha256: string;
      created_at: number;
      created_by: string;
    }>(
      `SELECT id, kind, ${withReports ? 'report' : "'' AS report"}, sha256, created_at, created_by FROM evidence
       WHERE version_id = ? ORDER BY created_at, id LIMIT 100`,
      [versionId],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      sha256: r.sha256,
      createdAt: Number(r.created_at),
      createdBy: r.created_by,
      ...(withReports ? { report: JSON.parse(r.report) as unknown } : {}),
    }));
  }
}
