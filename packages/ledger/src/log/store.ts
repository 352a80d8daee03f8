import { DatabaseSync } from 'node:sqlite';
import { PalisadeError } from '@palisade/core';

/** One appended leaf: its RFC 6962 leaf hash and the entry bytes it was computed from. */
export interface StoredLeaf {
  readonly leafHash: Uint8Array;
  readonly entry: Uint8Array;
}

/** The hash of the full aligned subtree [index·2^level, (index+1)·2^level), level ≥ 1. */
export interface StoredNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

/** A stored entry row, as read back (verification reads them raw, in index order). */
export interface StoredEntry extends StoredLeaf {
  readonly index: number;
}

/**
 * The log engine's storage port. A store keeps entries, the hashes of full subtrees (so any proof costs O(log n)
 * reads) and signed checkpoints. `append` must be atomic and durable before it returns.
 */
export interface LogStore {
  /** The tree size recorded by the last committed append. */
  size(): number;
  /** Appends leaves at `fromSize` and the full-subtree hashes they complete, in one durable transaction. */
  append(fromSize: number, leaves: readonly StoredLeaf[], nodes: readonly StoredNode[]): void;
  /** Level 0: the leaf hash of entry `index`; level ≥ 1: a stored full-subtree hash. Undefined when absent. */
  node(level: number, index: number): Uint8Array | undefined;
  /** Every stored entry row in index order, as stored (for verification). */
  scanEntries(): Iterable<StoredEntry>;
  /** The entry rows with start ≤ index < end, in index order. */
  readEntries(start: number, end: number): Iterable<StoredEntry>;
  /** Stores a signed checkpoint note for tree size `size`. */
  saveCheckpoint(size: number, note: string): void;
  /** Every stored checkpoint, oldest (smallest size) first. */
  checkpoints(): { size: number; note: string }[];
}

/** One digest an entry names: as a subject, or as an input of the training run it records. */
export interface EntryReference {
  /** `<alg>:<hex>`, e.g. `sha256:…` or `gitCommit:…`. */
  readonly digest: string;
  readonly index: number;
  /** `entry`: the digest of the entry bytes themselves (its content address). */
  readonly role: 'entry' | 'subject' | 'dataset' | 'base-model' | 'code' | 'dependency';
}

/**
 * An index of entries by the digests they name. It is derived from the entries (rebuildable at any time), so it is
 * caught up lazily after appends rather than written inside them: appends stay fast and a crash cannot leave it
 * out of step with the log.
 */
export interface ReferenceIndex {
  /** How many leading entries have been indexed. */
  indexedSize(): number;
  /** Records the references of entries [fromSize, toSize) atomically; a no-op when another writer already did. */
  addReferences(fromSize: number, toSize: number, references: readonly EntryReference[]): void;
  /** Every reference to `digest`, by entry index. */
  references(digest: string): EntryReference[];
}

/** A ReferenceIndex in memory, for stores that keep none. */
export class MemoryReferenceIndex implements ReferenceIndex {
  #size = 0;
  readonly #byDigest = new Map<string, EntryReference[]>();

  indexedSize(): number {
    return this.#size;
  }

  addReferences(fromSize: number, toSize: number, references: readonly EntryReference[]): void {
    if (fromSize !== this.#size) return;
    for (const reference of references) {
      const list = this.#byDigest.get(reference.digest) ?? [];
      list.push(reference);
      this.#byDigest.set(reference.digest, list);
    }
    this.#size = toSize;
  }

  references(digest: string): EntryReference[] {
    return [...(this.#byDigest.get(digest) ?? [])];
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL, entry BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL);
INSERT OR IGNORE INTO state (id, size) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS refs (digest TEXT NOT NULL, idx INTEGER NOT NULL, role TEXT NOT NULL,
  PRIMARY KEY (digest, idx, role)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS refs_state (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL);
INSERT OR IGNORE INTO refs_state (id, size) VALUES (1, 0);
`;

const ROLES: readonly EntryReference['role'][] = [
  'entry',
  'subject',
  'dataset',
  'base-model',
  'code',
  'dependency',
];

function toBytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new PalisadeError('INPUT_INVALID', `ledger database: ${what} is not a blob`);
}

function toCount(value: unknown, what: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new PalisadeError('INPUT_INVALID', `ledger database: ${what} is not an integer`);
  }
  return n;
}

/**
 * `LogStore` on Node's built-in `node:sqlite`. WAL journal with `synchronous=FULL`: in WAL mode NORMAL survives a
 * process crash but may drop the last commits on power loss, and an acknowledged append must never be lost, so
 * every commit syncs the WAL before `append` returns.
 */
export class SqliteLogStore implements LogStore, ReferenceIndex {
  readonly #db: DatabaseSync;
  readonly #node: ReturnType<DatabaseSync['prepare']>;
  readonly #leaf: ReturnType<DatabaseSync['prepare']>;
  readonly #size: ReturnType<DatabaseSync['prepare']>;
  readonly #insertEntry: ReturnType<DatabaseSync['prepare']>;
  readonly #insertNode: ReturnType<DatabaseSync['prepare']>;
  readonly #setSize: ReturnType<DatabaseSync['prepare']>;
  readonly #readEntries: ReturnType<DatabaseSync['prepare']>;
  readonly #indexedSize: ReturnType<DatabaseSync['prepare']>;
  readonly #insertRef: ReturnType<DatabaseSync['prepare']>;
  readonly #setIndexed: ReturnType<DatabaseSync['prepare']>;
  readonly #references: ReturnType<DatabaseSync['prepare']>;

  constructor(path: string) {
    this.#db = new DatabaseSync(path);
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
    this.#db.exec(SCHEMA);
    this.#node = this.#db.prepare('SELECT hash FROM nodes WHERE level = ? AND idx = ?');
    this.#leaf = this.#db.prepare('SELECT leaf_hash FROM entries WHERE idx = ?');
    this.#size = this.#db.prepare('SELECT size FROM state WHERE id = 1');
    this.#insertEntry = this.#db.prepare('INSERT INTO entries (idx, leaf_hash, entry) VALUES (?, ?, ?)');
    this.#insertNode = this.#db.prepare('INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)');
    this.#setSize = this.#db.prepare('UPDATE state SET size = ? WHERE id = 1');
    this.#readEntries = this.#db.prepare(
      'SELECT idx, leaf_hash, entry FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx',
    );
    this.#indexedSize = this.#db.prepare('SELECT size FROM refs_state WHERE id = 1');
    this.#insertRef = this.#db.prepare('INSERT OR IGNORE INTO refs (digest, idx, role) VALUES (?, ?, ?)');
    this.#setIndexed = this.#db.prepare('UPDATE refs_state SET size = ? WHERE id = 1');
    this.#references = this.#db.prepare('SELECT digest, idx, role FROM refs WHERE digest = ? ORDER BY idx');
  }

  size(): number {
    return toCount(this.#size.get()?.size, 'tree size');
  }

  append(fromSize: number, leaves: readonly StoredLeaf[], nodes: readonly StoredNode[]): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const current = this.size();
      if (current !== fromSize) {
        throw new PalisadeError('INTERNAL', `log grew to ${current} under a writer at ${fromSize}`);
      }
      let index = fromSize;
      for (const leaf of leaves) this.#insertEntry.run(index++, leaf.leafHash, leaf.entry);
      for (const node of nodes) this.#insertNode.run(node.level, node.index, node.hash);
      this.#setSize.run(index);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  node(level: number, index: number): Uint8Array | undefined {
    const row = level === 0 ? this.#leaf.get(index) : this.#node.get(level, index);
    if (row === undefined) return undefined;
    return toBytes(level === 0 ? row.leaf_hash : row.hash, `node ${level}/${index}`);
  }

  *scanEntries(): Iterable<StoredEntry> {
    const rows = this.#db.prepare('SELECT idx, leaf_hash, entry FROM entries ORDER BY idx').iterate();
    for (const row of rows) {
      yield {
        index: toCount(row.idx, 'entry index'),
        leafHash: toBytes(row.leaf_hash, 'leaf hash'),
        entry: toBytes(row.entry, 'entry'),
      };
    }
  }

  *readEntries(start: number, end: number): Iterable<StoredEntry> {
    const rows = this.#readEntries.iterate(start, end);
    for (const row of rows) {
      yield {
        index: toCount(row.idx, 'entry index'),
        leafHash: toBytes(row.leaf_hash, 'leaf hash'),
        entry: toBytes(row.entry, 'entry'),
      };
    }
  }

  indexedSize(): number {
    return toCount(this.#indexedSize.get()?.size, 'indexed size');
  }

  addReferences(fromSize: number, toSize: number, references: readonly EntryReference[]): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      if (this.indexedSize() === fromSize) {
        for (const r of references) this.#insertRef.run(r.digest, r.index, r.role);
        this.#setIndexed.run(toSize);
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  references(digest: string): EntryReference[] {
    return this.#references.all(digest).map((row) => {
      const role = ROLES.find((r) => r === row.role);
      if (role === undefined)
        throw new PalisadeError('INPUT_INVALID', 'ledger database: unknown reference role');
      return { digest: String(row.digest), index: toCount(row.idx, 'reference index'), role };
    });
  }

  saveCheckpoint(size: number, note: string): void {
    this.#db.prepare('INSERT OR REPLACE INTO checkpoints (size, note) VALUES (?, ?)').run(size, note);
  }

  checkpoints(): { size: number; note: string }[] {
    return this.#db
      .prepare('SELECT size, note FROM checkpoints ORDER BY size')
      .all()
      .map((row) => ({ size: toCount(row.size, 'checkpoint size'), note: String(row.note) }));
  }

  close(): void {
    this.#db.close();
  }
}
