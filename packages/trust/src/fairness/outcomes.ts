import { PalisadeError } from '@palisade/core';
import { type Column, cellText } from '../data/table.ts';

const POSITIVE_BY_PAIR: readonly (readonly [string, string])[] = [
  ['0', '1'],
  ['false', 'true'],
  ['no', 'yes'],
  ['n', 'y'],
  ['-1', '1'],
];

function labelsOf(column: Column, rows: Int32Array): Set<string> {
  const seen = new Set<string>();
  for (const i of rows) {
    seen.add(cellText(column, i) as string);
    if (seen.size > 2) break;
  }
  return seen;
}

/** The positive class of a binary column: the one named, or the obvious one of 0/1, false/true, no/yes. */
export function positiveLabel(column: Column, rows: Int32Array, given: string | undefined): string {
  const seen = labelsOf(column, rows);
  if (given !== undefined) return given;
  const labels = [...seen];
  const lower = labels.map((s) => s.toLowerCase());
  for (const [negative, positive] of POSITIVE_BY_PAIR) {
    if (lower.every((l) => l === negative || l === positive)) {
      const at = lower.indexOf(positive);
      return at >= 0 ? (labels[at] as string) : positive;
    }
  }
  throw new PalisadeError(
    'USAGE',
    `Column "${column.name}" holds ${[...seen]
      .slice(0, 3)
      .map((s) => `"${s}"`)
      .join(', ')}${seen.size > 2 ? '…' : ''}: say which value is the positive outcome (--positive-label).`,
  );
}

/** Whether a numeric prediction column holds scores in [0, 1] rather than 0/1 decisions. */
export function isScore(column: Column, rows: Int32Array): boolean {
  if (column.kind !== 'numeric') return false;
  let fractional = false;
  for (const i of rows) {
    const v = column.values[i] as number;
    if (v < 0 || v > 1) return false;
    if (v !== 0 && v !== 1) fractional = true;
  }
  return fractional;
}

/** 1 where the row's value is the positive label (or a score ≥ threshold), else 0. */
export function binaryOutcomes(
  column: Column,
  rows: Int32Array,
  positive: string,
  threshold?: number,
): Uint8Array {
  if (threshold !== undefined && column.kind === 'numeric') {
    return Uint8Array.from(rows, (i) => ((column.values[i] as number) >= threshold ? 1 : 0));
  }
  return Uint8Array.from(rows, (i) => (cellText(column, i) === positive ? 1 : 0));
}
