import { PalisadeError } from '@palisade/core';
import { nodeHash } from '../merkle/hash.ts';
import type { StoredNode } from './store.ts';

/** frontier[level] = the last full subtree at that level that still waits for its right sibling. */
export type Frontier = (Uint8Array | undefined)[];

/** The stored nodes (level, index) that make up the right frontier of a tree of `size` leaves. */
export function frontierKeys(size: number): { level: number; index: number }[] {
  const keys: { level: number; index: number }[] = [];
  for (let level = 0; 2 ** level <= size; level++) {
    const count = Math.floor(size / 2 ** level);
    if (count % 2 === 1) keys.push({ level, index: count - 1 });
  }
  return keys;
}

/**
 * Appends leaf hashes at index `first` to a tree given by its frontier, without reading any store: returns the
 * full-subtree hashes (level ≥ 1) the new leaves complete, and the new frontier.
 */
export function extendFrontier(
  frontier: Frontier,
  first: number,
  leafHashes: readonly Uint8Array[],
): { nodes: StoredNode[]; frontier: Frontier } {
  const next = [...frontier];
  const nodes: StoredNode[] = [];
  let index = first;
  for (const hash of leafHashes) {
    let level = 0;
    let position = index;
    let current = hash;
    for (;;) {
      if (level > 0) nodes.push({ level, index: position, hash: current });
      if (position % 2 === 0) {
        next[level] = current;
        break;
      }
      const left = next[level];
      if (left === undefined) throw new PalisadeError('INTERNAL', 'log frontier lost a node');
      next[level] = undefined;
      current = nodeHash(left, current);
      level++;
      position = (position - 1) / 2;
    }
    index++;
  }
  return { nodes, frontier: next };
}
