import type { Database } from '../db/database.ts';
import { type AuditEvent, decodeEvent, encodeEvent, type SequencedEvent } from './event.ts';
import type { AuditLedger } from './ledger.ts';

export interface AuditQuery {
  readonly since?: number;
  readonly until?: number;
  /** A user name or id. */
  readonly actor?: string;
  readonly action?: string;
  readonly objectType?: string;
  readonly objectId?: string;
  readonly limit: number;
  /** Events with a sequence number above this one (paging). */
  readonly after?: number;
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly size: number;
  readonly firstBadIndex?: number;
  readonly problems: readonly string[];
}

/** Checkpoint the ledger after this many events, and at most this long after the last one. */
const CHECKPOINT_EVERY = 64;
const CHECKPOINT_AFTER_MS = 5_000;

/**
 * The audit trail: events appended to the ledger (so that a changed, removed or reordered event breaks the Merkle
 * tree and its signed checkpoints), plus an index in the main database to find them. Appends are serialised.
 */
export class AuditTrail {
  readonly #db: Database;
  readonly #ledger: AuditLedger;
  #chain: Promise<unknown> = Promise.resolve();
  #sinceCheckpoint = 0;
  #checkpointTimer: NodeJS.Timeout | undefined;

  constructor(db: Database, ledger: AuditLedger) {
    this.#db = db;
    this.#ledger = ledger;
  }

  /** Appends the event; resolves to its sequence number once it is durable in the ledger. */
  record(event: AuditEvent): Promise<number> {
    const next = this.#chain.then(async () => {
      const seq = await this.#append(encodeEvent(event));
      await this.#index(seq, event);
      this.#sinceCheckpoint++;
      if (this.#sinceCheckpoint >= CHECKPOINT_EVERY) await this.#checkpoint();
      else this.#scheduleCheckpoint();
      return seq;
    });
    this.#chain = next.catch(() => {});
    return next;
  }

  /**
   * Appends one entry. With several servers on one PostgreSQL ledger another writer may have appended first; the
   * log then refuses the stale append and reloads its state, and the append is tried again.
   */
  async #append(entry: Uint8Array): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#ledger.append([entry]);
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
  }

  async #index(seq: number, event: AuditEvent): Promise<void> {
    await this.#db.run(
      `INSERT INTO audit_index (seq, time, action, outcome, actor, object_type, object_id, project)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING`,
      [
        seq,
        event.time,
        event.action,
        event.outcome,
        event.actor.username ?? event.actor.userId ?? null,
        event.object?.type ?? null,
        event.object?.id ?? null,
        event.object?.project ?? null,
      ],
    );
  }

  #scheduleCheckpoint(): void {
    if (this.#checkpointTimer !== undefined) return;
    this.#checkpointTimer = setTimeout(() => {
      this.#checkpointTimer = undefined;
      this.#chain = this.#chain.then(() => this.#checkpoint()).catch(() => {});
    }, CHECKPOINT_AFTER_MS);
    this.#checkpointTimer.unref();
  }

  async #checkpoint(): Promise<void> {
    if (this.#sinceCheckpoint === 0) return;
    this.#sinceCheckpoint = 0;
    await this.#ledger.checkpoint();
  }

  /** Signs a checkpoint of everything recorded so far (also done every 64 events, 5 s after the last, and at close). */
  async checkpoint(): Promise<void> {
    const next = this.#chain.then(() => this.#checkpoint());
    this.#chain = next.catch(() => {});
    await next;
  }

  /** Indexes events the ledger has and the index lacks (a crash between the two writes). */
  async reindex(): Promise<number> {
    const row = await this.#db.get<{ n: number | null }>('SELECT MAX(seq) AS n FROM audit_index');
    const from = row?.n === null || row?.n === undefined ? 0 : Number(row.n) + 1;
    const size = this.#ledger.size();
    for (let start = from; start < size; start += 1000) {
      for (const { index, entry } of await this.#ledger.entries(start, Math.min(size, start + 1000))) {
        await this.#index(index, decodeEvent(index, entry));
      }
    }
    return size - from;
  }

  async query(query: AuditQuery): Promise<SequencedEvent[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (clause: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      params.push(value);
    };
    add('time >= ?', query.since);
    add('time < ?', query.until);
    add('actor = ?', query.actor);
    add('action = ?', query.action);
    add('object_type = ?', query.objectType);
    add('object_id = ?', query.objectId);
    add('seq > ?', query.after);
    const rows = await this.#db.all<{ seq: number }>(
      `SELECT seq FROM audit_index ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT ?`,
      [...params, query.limit],
    );
    const events: SequencedEvent[] = [];
    for (const { seq } of rows) {
      const [found] = await this.#ledger.entries(Number(seq), Number(seq) + 1);
      if (found !== undefined) events.push(decodeEvent(found.index, found.entry));
    }
    return events;
  }

  /**
   * Recomputes the ledger (entries, subtree hashes, signed checkpoints) and checks that the index agrees with
   * it: an edited, deleted or inserted event is named by its sequence number.
   */
  async verify(): Promise<AuditVerification> {
    await this.#chain;
    const ledger = await this.#ledger.verify();
    const problems = [...ledger.problems];
    const firstBad = ledger.firstBadIndex;
    const count = await this.#db.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit_index');
    if (Number(count?.n ?? 0) !== ledger.size) {
      problems.push(`the audit index has ${count?.n} rows for ${ledger.size} ledger entries`);
    }
    return {
      ok: problems.length === 0,
      size: ledger.size,
      ...(firstBad !== undefined ? { firstBadIndex: firstBad } : {}),
      problems,
    };
  }

  async close(): Promise<void> {
    clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = undefined;
    await this.#chain;
    await this.#checkpoint();
    this.#ledger.close();
  }
}
