import { PalisadeError } from '@palisade/core';
import type { LogStore, StoredEntry, StoredLeaf, StoredNode } from './store.ts';

/**
 * A read-only LogStore over rows read from another store exactly as they were stored, so the same `verify` runs on
 * a log kept elsewhere (PostgreSQL) without trusting that store's own answers.
 */
export class SnapshotLogStore implements LogStore {
  readonly #size: number;
  readonly #entries: readonly StoredEntry[];
  readonly #leaves = new Map<number, Uint8Array>();
  readonly #nodes = new Map<string, Uint8Array>();
  readonly #checkpoints: { size: number; note: string }[];

  constructor(
    size: number,
    entries: readonly StoredEntry[],
    nodes: readonly StoredNode[],
    checkpoints: readonly { size: number; note: string }[],
  ) {
    this.#size = size;
    this.#entries = entries;
    for (const row of entries) if (!this.#leaves.has(row.index)) this.#leaves.set(row.index, row.leafHash);
    for (const node of nodes) this.#nodes.set(`${node.level}/${node.index}`, node.hash);
    this.#checkpoints = [...checkpoints].sort((a, b) => a.size - b.size);
  }

  size(): number {
    return this.#size;
  }

  append(_fromSize: number, _leaves: readonly StoredLeaf[], _nodes: readonly StoredNode[]): void {
    throw new PalisadeError('INTERNAL', 'a log snapshot is read-only');
  }

  node(level: number, index: number): Uint8Array | undefined {
    return level === 0 ? this.#leaves.get(index) : this.#nodes.get(`${level}/${index}`);
  }

  scanEntries(): Iterable<StoredEntry> {
    return this.#entries;
  }

  readEntries(start: number, end: number): Iterable<StoredEntry> {
    return this.#entries.filter((row) => row.index >= start && row.index < end);
  }

  saveCheckpoint(_size: number, _note: string): void {
    throw new PalisadeError('INTERNAL', 'a log snapshot is read-only');
  }

  checkpoints(): { size: number; note: string }[] {
    return [...this.#checkpoints];
  }
}
