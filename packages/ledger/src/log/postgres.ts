import { PalisadeError } from '@palisade/core';
import type { DsseVerifier } from '../attest/dsse.ts';
import { decodeEntry } from '../attest/entry.ts';
import { type Lineage, lineageWalk } from '../attest/lineage.ts';
import {
  entryReferences,
  type IndexedEntry,
  type ProvenanceFacts,
  provenanceFacts,
} from '../attest/lookup.ts';
import { normalizeDigest } from '../attest/statement.ts';
import { leafHash } from '../merkle/hash.ts';
import { checkConsistency, consistencyProof, inclusionProof } from '../merkle/proof.ts';
import { AlignedNodeSource, type HashSource, treeHash } from '../merkle/source.ts';
import type { CheckpointPolicy } from '../note/checkpoint.ts';
import { parseCheckpoint, signCheckpoint } from '../note/checkpoint.ts';
import type { NoteSigner } from '../note/ed25519.ts';
import { parseNote } from '../note/note.ts';
import { extendFrontier, type Frontier, frontierKeys } from './frontier.ts';
import { type LogVerification, MAX_ENTRY_BYTES, TransparencyLog, type VerifyOptions } from './log.ts';
import { SnapshotLogStore } from './snapshot.ts';
import type { EntryReference, StoredEntry, StoredNode } from './store.ts';

/** What the PostgreSQL log needs of a client: `pg`'s Pool has this shape (the ledger does not import `pg`). */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** A pool that hands out one connection for a transaction: `pg.Pool`. */
export interface SqlPool extends SqlClient {
  connect(): Promise<SqlClient & { release(): void }>;
}

/** Rows read per query while verifying. */
const PAGE = 10_000;

const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS ledger_entries (idx BIGINT PRIMARY KEY, leaf_hash BYTEA NOT NULL, entry BYTEA NOT NULL)',
  'CREATE TABLE IF NOT EXISTS ledger_nodes (level INTEGER NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL, PRIMARY KEY (level, idx))',
  'CREATE TABLE IF NOT EXISTS ledger_checkpoints (size BIGINT PRIMARY KEY, note TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS ledger_state (id INTEGER PRIMARY KEY CHECK (id = 1), size BIGINT NOT NULL)',
  'INSERT INTO ledger_state (id, size) VALUES (1, 0) ON CONFLICT (id) DO NOTHING',
  'CREATE TABLE IF NOT EXISTS ledger_refs (digest TEXT NOT NULL, idx BIGINT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (digest, idx, role))',
  'CREATE TABLE IF NOT EXISTS ledger_refs_state (id INTEGER PRIMARY KEY CHECK (id = 1), size BIGINT NOT NULL)',
  'INSERT INTO ledger_refs_state (id, size) VALUES (1, 0) ON CONFLICT (id) DO NOTHING',
];

/** Entries decoded per index transaction while catching up. */
const INDEX_BATCH = 1000;

function count(value: unknown, what: string): number {
  const n = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new PalisadeError('INPUT_INVALID', `ledger database: ${what} is not a count`);
  return n;
}

function bytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new PalisadeError('INPUT_INVALID', `ledger database: ${what} is not bytea`);
}

const key = (level: number, index: number): string => `${level}/${index}`;
const ZERO = new Uint8Array(32);

/** Records which stored nodes a computation asks for (hash values do not steer proof generation). */
class RecordingSource extends AlignedNodeSource {
  override readonly size: number;
  readonly wanted = new Map<string, { level: number; index: number }>();

  constructor(size: number) {
    super();
    this.size = size;
  }

  protected override node(level: number, index: number): Uint8Array {
    this.wanted.set(key(level, index), { level, index });
    return ZERO;
  }
}

/** Serves the nodes fetched for one computation. */
class FetchedSource extends AlignedNodeSource {
  override readonly size: number;
  readonly #nodes: ReadonlyMap<string, Uint8Array>;

  constructor(size: number, nodes: ReadonlyMap<string, Uint8Array>) {
    super();
    this.size = size;
    this.#nodes = nodes;
  }

  protected override node(level: number, index: number): Uint8Array {
    const hash = this.#nodes.get(key(level, index));
    if (hash === undefined)
      throw new PalisadeError('INTERNAL', `ledger database has no node ${level}/${index}; run verify`);
    return hash;
  }
}

/**
 * The transparency log on PostgreSQL, for a ledger shared by many machines: the same tree, proofs, checkpoints and
 * verification as `TransparencyLog` on SQLite. Every proof fetches its O(log n) nodes in one round trip (the nodes a
 * proof needs depend only on its sizes, so they are listed first). Appends run in one transaction that locks the
 * size row, so two writers never fork the tree; a stale writer's append fails and it picks up the new state.
 */
export class PostgresLog {
  readonly origin: string;
  readonly #pool: SqlPool;
  #size: number;
  #frontier: Frontier | undefined;

  private constructor(pool: SqlPool, origin: string, size: number) {
    this.#pool = pool;
    this.origin = origin;
    this.#size = size;
  }

  /** Creates the tables when missing (in the connection's search_path schema) and reads the tree size. */
  static async open(pool: SqlPool, origin: string): Promise<PostgresLog> {
    if (origin === '' || origin.includes('\n'))
      throw new PalisadeError('INPUT_INVALID', 'log origin must be one non-empty line');
    for (const statement of SCHEMA) await pool.query(statement);
    return new PostgresLog(pool, origin, await PostgresLog.#storedSize(pool));
  }

  static async #storedSize(client: SqlClient): Promise<number> {
    const { rows } = await client.query('SELECT size FROM ledger_state WHERE id = 1');
    return count(rows[0]?.size, 'tree size');
  }

  get size(): number {
    return this.#size;
  }

  async #fetch(keys: readonly { level: number; index: number }[]): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    const leaves = keys.filter((k) => k.level === 0).map((k) => k.index);
    const inner = keys.filter((k) => k.level > 0);
    if (leaves.length > 0) {
      const { rows } = await this.#pool.query(
        'SELECT idx, leaf_hash FROM ledger_entries WHERE idx = ANY($1::bigint[])',
        [leaves],
      );
      for (const row of rows)
        found.set(key(0, count(row.idx, 'entry index')), bytes(row.leaf_hash, 'leaf hash'));
    }
    if (inner.length > 0) {
      const { rows } = await this.#pool.query(
        'SELECT n.level, n.idx, n.hash FROM ledger_nodes n JOIN unnest($1::int[], $2::bigint[]) AS k(level, idx) ON n.level = k.level AND n.idx = k.idx',
        [inner.map((k) => k.level), inner.map((k) => k.index)],
      );
      for (const row of rows)
        found.set(key(count(row.level, 'level'), count(row.idx, 'node index')), bytes(row.hash, 'node hash'));
    }
    return found;
  }

  /** Runs a proof or root computation twice: once to list the nodes it needs, once over those nodes fetched. */
  async #compute<T>(size: number, work: (source: HashSource) => T): Promise<T> {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.#size)
      throw new PalisadeError('INPUT_INVALID', `size ${size} is outside the log of size ${this.#size}`);
    const recorder = new RecordingSource(size);
    work(recorder);
    return work(new FetchedSource(size, await this.#fetch([...recorder.wanted.values()])));
  }

  async #currentFrontier(): Promise<Frontier> {
    if (this.#frontier === undefined) {
      const keys = frontierKeys(this.#size);
      const found = await this.#fetch(keys);
      const frontier: Frontier = [];
      for (const { level, index } of keys) {
        const hash = found.get(key(level, index));
        if (hash === undefined)
          throw new PalisadeError('INTERNAL', `ledger database has no node ${level}/${index}; run verify`);
        frontier[level] = hash;
      }
      this.#frontier = frontier;
    }
    return this.#frontier;
  }

  /** Appends a batch in one transaction, durable when it resolves; resolves to the first entry's index. */
  async append(entries: readonly Uint8Array[]): Promise<number> {
    const first = this.#size;
    if (entries.length === 0) return first;
    for (const entry of entries) {
      if (!(entry instanceof Uint8Array) || entry.length > MAX_ENTRY_BYTES)
        throw new PalisadeError('INPUT_INVALID', `a log entry must be bytes of at most ${MAX_ENTRY_BYTES}`);
    }
    const hashes = entries.map((entry) => leafHash(entry));
    const { nodes, frontier } = extendFrontier(await this.#currentFrontier(), first, hashes);
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const stored = count(
        (await client.query('SELECT size FROM ledger_state WHERE id = 1 FOR UPDATE')).rows[0]?.size,
        'tree size',
      );
      if (stored !== first)
        throw new PalisadeError('INTERNAL', `log grew to ${stored} under a writer at ${first}`);
      await client.query(
        'INSERT INTO ledger_entries (idx, leaf_hash, entry) SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[])',
        [
          entries.map((_, i) => first + i),
          hashes.map((h) => Buffer.from(h)),
          entries.map((e) => Buffer.from(e)),
        ],
      );
      if (nodes.length > 0) {
        await client.query(
          'INSERT INTO ledger_nodes (level, idx, hash) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])',
          [nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => Buffer.from(n.hash))],
        );
      }
      await client.query('UPDATE ledger_state SET size = $1 WHERE id = 1', [first + entries.length]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      this.#size = await PostgresLog.#storedSize(this.#pool);
      this.#frontier = undefined;
      throw error;
    } finally {
      client.release();
    }
    this.#size = first + entries.length;
    this.#frontier = frontier;
    return first;
  }

  root(size: number = this.#size): Promise<Uint8Array> {
    return this.#compute(size, (source) => treeHash(source, size));
  }

  inclusionProof(index: number, size: number = this.#size): Promise<Uint8Array[]> {
    return this.#compute(size, (source) => inclusionProof(source, index, size));
  }

  consistencyProof(oldSize: number, newSize: number = this.#size): Promise<Uint8Array[]> {
    return this.#compute(newSize, (source) => consistencyProof(source, oldSize, newSize));
  }

  /** Entry rows start ≤ index < end, in order. */
  async entries(start: number, end: number = this.#size): Promise<StoredEntry[]> {
    const { rows } = await this.#pool.query(
      'SELECT idx, leaf_hash, entry FROM ledger_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx',
      [start, Math.min(end, this.#size)],
    );
    return rows.map((row) => ({
      index: count(row.idx, 'entry index'),
      leafHash: bytes(row.leaf_hash, 'leaf hash'),
      entry: bytes(row.entry, 'entry'),
    }));
  }

  /**
   * Signs a checkpoint of the current tree with the log key (and any cosigners), stores and returns it, after
   * proving the tree consistent with the latest stored checkpoint and any `previous` ones (as `TransparencyLog`).
   */
  async checkpoint(
    signers: NoteSigner | readonly NoteSigner[],
    previous: readonly string[] = [],
  ): Promise<string> {
    const list = Array.isArray(signers) ? signers : [signers as NoteSigner];
    // Sign the tree as it is now: other machines may have appended since this one looked.
    const stored = await PostgresLog.#storedSize(this.#pool);
    if (stored !== this.#size) {
      this.#size = stored;
      this.#frontier = undefined;
    }
    const root = await this.root();
    const { rows } = await this.#pool.query('SELECT note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1');
    const latest = rows[0] === undefined ? [] : [String(rows[0].note)];
    for (const text of [...latest, ...previous]) {
      const { size, rootHash } = parseCheckpoint(parseNote(text).text);
      const problem =
        size > this.#size
          ? `it is ahead of the log (size ${size} > ${this.#size}): the database was rolled back`
          : size === 0
            ? undefined
            : checkConsistency(size, this.#size, rootHash, root, await this.consistencyProof(size));
      if (problem !== undefined) {
        throw new PalisadeError(
          'INPUT_INVALID',
          `refusing to sign a checkpoint inconsistent with the one of size ${size} signed before: ${problem}; run verify`,
        );
      }
    }
    const note = signCheckpoint(
      { origin: this.origin, size: this.#size, rootHash: root, extensions: [] },
      list,
    );
    await this.#pool.query(
      'INSERT INTO ledger_checkpoints (size, note) VALUES ($1, $2) ON CONFLICT (size) DO UPDATE SET note = EXCLUDED.note',
      [this.#size, note],
    );
    return note;
  }

  /**
   * Brings the digest index (`ledger_refs`) up to the log's size, decoding the entries appended since; another
   * machine catching up at the same time makes this a no-op (the index state row is locked).
   */
  async syncIndex(): Promise<void> {
    const size = await PostgresLog.#storedSize(this.#pool);
    this.#size = Math.max(this.#size, size);
    for (;;) {
      const { rows } = await this.#pool.query('SELECT size FROM ledger_refs_state WHERE id = 1');
      const from = count(rows[0]?.size, 'indexed size');
      if (from >= size) return;
      const to = Math.min(size, from + INDEX_BATCH);
      const references = (await this.entries(from, to)).flatMap((row) =>
        entryReferences(row.index, row.entry),
      );
      const client = await this.#pool.connect();
      try {
        await client.query('BEGIN');
        const locked = (await client.query('SELECT size FROM ledger_refs_state WHERE id = 1 FOR UPDATE'))
          .rows[0];
        if (count(locked?.size, 'indexed size') === from) {
          await client.query(
            'INSERT INTO ledger_refs (digest, idx, role) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING',
            [references.map((r) => r.digest), references.map((r) => r.index), references.map((r) => r.role)],
          );
          await client.query('UPDATE ledger_refs_state SET size = $1 WHERE id = 1', [to]);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    }
  }

  async #lookup(digest: string, roles: readonly EntryReference['role'][]): Promise<IndexedEntry[]> {
    await this.syncIndex();
    const { rows } = await this.#pool.query(
      'SELECT DISTINCT e.idx, e.entry FROM ledger_refs r JOIN ledger_entries e ON e.idx = r.idx WHERE r.digest = $1 AND r.role = ANY($2::text[]) ORDER BY e.idx',
      [normalizeDigest(digest), roles],
    );
    return rows.map((row) => ({
      index: count(row.idx, 'entry index'),
      entry: decodeEntry(bytes(row.entry, 'entry')),
    }));
  }

  /** Every entry whose statement has `digest` as a subject, oldest first (as `entriesForSubject`). */
  entriesForSubject(digest: string): Promise<IndexedEntry[]> {
    return this.#lookup(digest, ['subject']);
  }

  /** Every provenance entry that lists `digest` as an input, oldest first (as `entriesForDependency`). */
  entriesForDependency(digest: string): Promise<IndexedEntry[]> {
    return this.#lookup(digest, ['dataset', 'base-model', 'code', 'dependency']);
  }

  /** What the ledger knows about an artifact's provenance (as `findProvenance`). */
  async findProvenance(
    digest: string,
    options: { readonly keys?: readonly DsseVerifier[] } = {},
  ): Promise<ProvenanceFacts> {
    const normalized = normalizeDigest(digest);
    return provenanceFacts(normalized, await this.entriesForSubject(normalized), options.keys ?? []);
  }

  /** Ancestors and descendants of an artifact (as `lineage`): the same walk, one query per artifact visited. */
  async lineage(digest: string, options: { readonly keys?: readonly DsseVerifier[] } = {}): Promise<Lineage> {
    const walk = lineageWalk(digest, options.keys ?? []);
    let step = walk.next();
    while (!step.done) {
      const { digest: asked, up } = step.value;
      step = walk.next(up ? await this.entriesForSubject(asked) : await this.entriesForDependency(asked));
    }
    return step.value;
  }

  /**
   * Reads every row as stored and runs the same verification as the SQLite log: the tree recomputed from the entry
   * bytes against stored leaf and subtree hashes, the recorded size, checkpoints and trusted checkpoints.
   */
  async verify(policy: CheckpointPolicy, options: VerifyOptions = {}): Promise<LogVerification> {
    const entries: StoredEntry[] = [];
    for (let after = -1; ; ) {
      const { rows } = await this.#pool.query(
        'SELECT idx, leaf_hash, entry FROM ledger_entries WHERE idx > $1 ORDER BY idx LIMIT $2',
        [after, PAGE],
      );
      for (const row of rows) {
        entries.push({
          index: count(row.idx, 'entry index'),
          leafHash: bytes(row.leaf_hash, 'leaf hash'),
          entry: bytes(row.entry, 'entry'),
        });
      }
      if (rows.length < PAGE) break;
      after = entries.at(-1)?.index ?? after;
    }
    const nodes: StoredNode[] = (
      await this.#pool.query('SELECT level, idx, hash FROM ledger_nodes')
    ).rows.map((row) => ({
      level: count(row.level, 'level'),
      index: count(row.idx, 'node index'),
      hash: bytes(row.hash, 'node hash'),
    }));
    const checkpoints = (await this.#pool.query('SELECT size, note FROM ledger_checkpoints')).rows.map(
      (row) => ({
        size: count(row.size, 'checkpoint size'),
        note: String(row.note),
      }),
    );
    const snapshot = new SnapshotLogStore(
      await PostgresLog.#storedSize(this.#pool),
      entries,
      nodes,
      checkpoints,
    );
    return new TransparencyLog(snapshot, this.origin).verify(policy, options);
  }
}
