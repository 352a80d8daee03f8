import { PalisadeError } from '@palisade/core';
import { bytesEqual } from '../bytes.ts';
import { leafHash } from '../merkle/hash.ts';
import { checkConsistency, consistencyProof, inclusionProof } from '../merkle/proof.ts';
import { AlignedNodeSource, type HashSource, MemoryHashSource, treeHash } from '../merkle/source.ts';
import {
  type CheckpointPolicy,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from '../note/checkpoint.ts';
import type { NoteSigner } from '../note/ed25519.ts';
import { parseNote } from '../note/note.ts';
import { extendFrontier, type Frontier, frontierKeys } from './frontier.ts';
import {
  type LogStore,
  MemoryReferenceIndex,
  type ReferenceIndex,
  type StoredEntry,
  type StoredLeaf,
} from './store.ts';

/** Each entry is at most 64 KiB (the c2sp.org/tlog-tiles entry-bundle limit). */
export const MAX_ENTRY_BYTES = 65_535;

/** The outcome of `TransparencyLog.verify`. */
export interface LogVerification {
  readonly ok: boolean;
  /** Entries found and recomputed. */
  readonly size: number;
  /** The first entry index where history was changed (undefined when the log checks). */
  readonly firstBadIndex?: number;
  /** Every problem found, most important first (the one naming `firstBadIndex` leads). */
  readonly problems: readonly string[];
}

export interface VerifyOptions {
  /** Checkpoints kept outside the database (a witness, a sidecar file, a proof a client holds): catches rollback. */
  readonly trusted?: readonly string[];
}

function isReferenceIndex(store: LogStore): store is LogStore & ReferenceIndex {
  const candidate = store as Partial<ReferenceIndex>;
  return typeof candidate.references === 'function' && typeof candidate.addReferences === 'function';
}

/** 2^level as a safe integer (levels stay below 53). */
function pow2(level: number): number {
  return 2 ** level;
}

/** A HashSource over a LogStore: leaf hashes and stored full subtrees, so a proof costs O(log n) reads. */
class StoreHashSource extends AlignedNodeSource {
  readonly #store: LogStore;
  override readonly size: number;

  constructor(store: LogStore, size: number) {
    super();
    this.#store = store;
    this.size = size;
  }

  protected override node(level: number, index: number): Uint8Array {
    const hash = this.#store.node(level, index);
    if (hash === undefined) {
      throw new PalisadeError('INTERNAL', `ledger store has no node ${level}/${index}; run verify`);
    }
    return hash;
  }
}

/**
 * An append-only Merkle transaction log (RFC 6962/9162) over a `LogStore`. One writer at a time: the store refuses
 * an append whose starting size is stale.
 */
export class TransparencyLog {
  readonly #store: LogStore;
  readonly origin: string;
  /** Entries by the digests they name: the store's own index when it keeps one, else one in memory. */
  readonly index: ReferenceIndex;
  #size: number;
  #frontier: Frontier | undefined;

  constructor(store: LogStore, origin: string) {
    if (origin === '' || origin.includes('\n')) {
      throw new PalisadeError('INPUT_INVALID', 'log origin must be one non-empty line');
    }
    this.#store = store;
    this.origin = origin;
    this.index = isReferenceIndex(store) ? store : new MemoryReferenceIndex();
    this.#size = store.size();
  }

  get size(): number {
    return this.#size;
  }

  /** Picks up entries another writer (another process) appended since this log last looked. */
  #refresh(): void {
    const stored = this.#store.size();
    if (stored !== this.#size) {
      this.#size = stored;
      this.#frontier = undefined;
    }
  }

  /** The right frontier, read from the store on first use (so opening a damaged store still lets verify run). */
  #currentFrontier(): Frontier {
    if (this.#frontier === undefined) {
      this.#frontier = [];
      for (const { level, index } of frontierKeys(this.#size)) {
        const hash = this.#store.node(level, index);
        if (hash === undefined) {
          this.#frontier = undefined;
          throw new PalisadeError('INTERNAL', `ledger store has no node ${level}/${index}; run verify`);
        }
        this.#frontier[level] = hash;
      }
    }
    return this.#frontier;
  }

  /**
   * Appends a batch of entries in one transaction, durable when this returns; returns the first entry's index.
   * An empty batch appends nothing and returns the current size.
   */
  append(entries: readonly Uint8Array[]): number {
    const first = this.#size;
    if (entries.length === 0) return first;
    const leaves: StoredLeaf[] = entries.map((entry) => {
      if (!(entry instanceof Uint8Array) || entry.length > MAX_ENTRY_BYTES) {
        throw new PalisadeError('INPUT_INVALID', `a log entry must be bytes of at most ${MAX_ENTRY_BYTES}`);
      }
      return { leafHash: leafHash(entry), entry: Uint8Array.from(entry) };
    });
    const { nodes, frontier } = extendFrontier(
      this.#currentFrontier(),
      first,
      leaves.map((leaf) => leaf.leafHash),
    );
    try {
      this.#store.append(first, leaves, nodes);
    } catch (error) {
      // Another writer may have appended: pick up the stored state before the caller retries.
      this.#size = this.#store.size();
      this.#frontier = undefined;
      throw error;
    }
    this.#size = first + entries.length;
    this.#frontier = frontier;
    return first;
  }

  /** The entry bytes of `index`. */
  entry(index: number): Uint8Array {
    const [row] = this.entries(index, index + 1);
    if (row === undefined) throw new PalisadeError('INPUT_NOT_FOUND', `the log has no entry ${index}`);
    return row.entry;
  }

  /** Entry rows start ≤ index < end (clamped to the log), in order. */
  entries(start: number, end: number = this.#size): StoredEntry[] {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0)
      throw new PalisadeError('INPUT_INVALID', `bad entry range ${start}–${end}`);
    return [...this.#store.readEntries(start, Math.min(end, this.#size))];
  }

  /** A HashSource over the first `size` entries (default: all). */
  hashSource(size: number = this.#size): HashSource {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.#size) {
      throw new PalisadeError('INPUT_INVALID', `size ${size} is outside the log of size ${this.#size}`);
    }
    return new StoreHashSource(this.#store, size);
  }

  /** The root hash of the first `size` entries (SHA-256("") for 0). */
  root(size: number = this.#size): Uint8Array {
    return treeHash(this.hashSource(size));
  }

  /** The leaf hash of entry `index`. */
  leafHash(index: number): Uint8Array {
    return this.hashSource().leafHash(index);
  }

  inclusionProof(index: number, size: number = this.#size): Uint8Array[] {
    return inclusionProof(this.hashSource(size), index, size);
  }

  consistencyProof(oldSize: number, newSize: number = this.#size): Uint8Array[] {
    return consistencyProof(this.hashSource(newSize), oldSize, newSize);
  }

  /**
   * Signs a C2SP checkpoint of the current tree with the log key (and any cosigners), stores it and returns it.
   * A log must never sign two inconsistent checkpoints, so the tree is first proved consistent with the latest
   * stored checkpoint and with any `previous` ones kept elsewhere (a sidecar, a witness): a rolled-back or forked
   * store is refused here instead of being signed.
   */
  checkpoint(signers: NoteSigner | readonly NoteSigner[], previous: readonly string[] = []): string {
    const list = Array.isArray(signers) ? signers : [signers as NoteSigner];
    this.#refresh();
    const root = this.root();
    const latest = this.latestCheckpoint();
    for (const text of latest === undefined ? previous : [latest, ...previous]) {
      const { size, rootHash } = parseCheckpoint(parseNote(text).text);
      const problem =
        size > this.#size
          ? `it is ahead of the log (size ${size} > ${this.#size}): the store was rolled back`
          : size === 0
            ? undefined
            : checkConsistency(
                size,
                this.#size,
                rootHash,
                root,
                consistencyProof(this.hashSource(), size, this.#size),
              );
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
    this.#store.saveCheckpoint(this.#size, note);
    return note;
  }

  /**
   * Stores a checkpoint this log signed, now carrying more signatures (witness cosignatures), in place of the one
   * stored for its size. The note text must be exactly the stored one's: only signature lines may be added.
   */
  saveCosignedCheckpoint(note: string): void {
    const text = parseNote(note).text;
    const { size } = parseCheckpoint(text);
    const stored = this.#store.checkpoints().find((c) => c.size === size);
    if (stored === undefined || parseNote(stored.note).text !== text) {
      throw new PalisadeError('INPUT_INVALID', `the log signed no checkpoint with this text at size ${size}`);
    }
    this.#store.saveCheckpoint(size, note);
  }

  /** The latest stored checkpoint note, or undefined. */
  latestCheckpoint(): string | undefined {
    return this.#store.checkpoints().at(-1)?.note;
  }

  /**
   * Recomputes the whole tree from the stored entry bytes and checks it against the stored leaf hashes, the stored
   * subtree hashes, the recorded size, every stored (and trusted) checkpoint's signature and root, and consistency
   * between consecutive checkpoints. Names the first entry where history was changed.
   */
  verify(policy: CheckpointPolicy, options: VerifyOptions = {}): LogVerification {
    // Each problem has a rank: 0 for entry rows, the level for stored subtree hashes, then the recorded size,
    // then checkpoints. The most specific (lowest rank, then lowest index) names the first changed entry.
    const problems: { rank: number; index: number; message: string }[] = [];
    let rank = 0;
    const note = (index: number, message: string): void => {
      problems.push({ rank, index, message });
    };
    const tree = new MemoryHashSource();
    const recorded = this.#store.size();
    for (const row of this.#store.scanEntries()) {
      const expected = tree.size;
      if (row.index !== expected) {
        if (row.index > expected) note(expected, `entry ${expected} is missing (next row is ${row.index})`);
        else note(row.index, `entry ${row.index} appears out of order`);
        break;
      }
      if (!bytesEqual(leafHash(row.entry), row.leafHash)) {
        note(row.index, `entry ${row.index} does not match its stored leaf hash (edited)`);
      }
      tree.append(row.entry);
    }
    const n = tree.size;
    rank = 60;
    if (n > recorded)
      note(recorded, `entries from ${recorded} to ${n - 1} lie beyond the recorded size (inserted)`);
    if (n < recorded && problems.length === 0)
      note(n, `entries from ${n} to ${recorded - 1} are missing (deleted)`);
    // Stored full-subtree hashes must equal the recomputed ones; a mismatch names its first leaf.
    for (let level = 1; pow2(level) <= Math.min(n, recorded); level++) {
      rank = level;
      const count = Math.floor(Math.min(n, recorded) / pow2(level));
      for (let i = 0; i < count; i++) {
        const start = i * pow2(level);
        const stored = this.#store.node(level, i);
        if (stored === undefined || !bytesEqual(stored, tree.subtreeHash(start, start + pow2(level)))) {
          const end = start + pow2(level) - 1;
          note(start, `stored subtree hash over entries ${start}–${end} differs from the recomputed one`);
          break;
        }
      }
    }
    rank = 61;
    // Checkpoints: the stored ones and any trusted ones kept elsewhere.
    const notes = [
      ...this.#store.checkpoints().map((c) => ({ note: c.note, where: 'stored' })),
      ...(options.trusted ?? []).map((text) => ({ note: text, where: 'trusted' })),
    ];
    const good: { size: number; root: Uint8Array }[] = [];
    for (const { note: text, where } of notes) {
      let checkpoint: { size: number; rootHash: Uint8Array };
      try {
        checkpoint = verifyCheckpoint(text, policy);
      } catch (error) {
        note(n, `${where} checkpoint does not verify: ${(error as Error).message}`);
        continue;
      }
      if (checkpoint.size > n) {
        note(
          n,
          `${where} checkpoint of size ${checkpoint.size} is ahead of the ${n} entries (rolled back or deleted)`,
        );
        continue;
      }
      const root = checkpoint.size === 0 ? treeHash(tree, 0) : tree.subtreeHash(0, checkpoint.size);
      if (!bytesEqual(root, checkpoint.rootHash)) {
        const after = Math.max(0, ...good.filter((g) => g.size <= checkpoint.size).map((g) => g.size));
        note(
          after,
          `${where} checkpoint of size ${checkpoint.size} does not match entries ${after}–${checkpoint.size - 1}`,
        );
        continue;
      }
      // Consistency with the previous good checkpoint, proved from the recomputed tree.
      const previous = good.filter((g) => g.size > 0 && g.size <= checkpoint.size).at(-1);
      if (previous !== undefined && previous.size < checkpoint.size) {
        const proof = consistencyProof(tree, previous.size, checkpoint.size);
        const failure = checkConsistency(previous.size, checkpoint.size, previous.root, root, proof);
        if (failure !== undefined)
          note(previous.size, `checkpoints ${previous.size} and ${checkpoint.size}: ${failure}`);
      }
      good.push({ size: checkpoint.size, root });
      good.sort((a, b) => a.size - b.size);
    }
    problems.sort((a, b) => a.rank - b.rank || a.index - b.index);
    const first = problems[0];
    return {
      ok: first === undefined,
      size: n,
      ...(first === undefined ? {} : { firstBadIndex: first.index }),
      problems: problems.map((p) => p.message),
    };
  }
}
