import type { Column } from '../data/table.ts';
import { sortFloat64 } from '../stats/radix-sort.ts';

/** A numeric column's present values, ascending (missing and infinite values dropped, as Evidently does). */
export function sortedFinite(values: Float64Array): Float64Array {
  let count = 0;
  for (const v of values) if (Number.isFinite(v)) count++;
  if (count === values.length) return sortFloat64(values);
  const out = new Float64Array(count);
  let k = 0;
  for (const v of values) if (Number.isFinite(v)) out[k++] = v;
  return sortFloat64(out);
}

/** Distinct values over two ascending samples, counting no further than `cap` (the selection rule needs ≤ 6). */
export function distinctSorted(a: Float64Array, b: Float64Array, cap: number): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while ((i < a.length || j < b.length) && count < cap) {
    const x = Math.min(
      i < a.length ? (a[i] as number) : Infinity,
      j < b.length ? (b[j] as number) : Infinity,
    );
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    count++;
  }
  return count;
}

/** Counts of each present label (numbers by their printed value), in first-seen order. */
export function labelCounts(column: Column): Map<string, number> {
  const counts = new Map<string, number>();
  if (column.kind === 'categorical') {
    const byCode = new Float64Array(column.categories.length);
    for (const code of column.codes) if (code >= 0) byCode[code] = (byCode[code] as number) + 1;
    column.categories.forEach((label, code) => {
      const n = byCode[code] as number;
      if (n > 0) counts.set(label, n);
    });
    return counts;
  }
  for (const v of column.values) {
    if (!Number.isFinite(v)) continue;
    const label = String(v);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return counts;
}

/** Two label-count maps as aligned vectors over the union of their labels (reference labels first). */
export function alignCounts(
  reference: Map<string, number>,
  current: Map<string, number>,
): { labels: string[]; reference: Float64Array; current: Float64Array } {
  const labels = [...new Set([...reference.keys(), ...current.keys()])];
  return {
    labels,
    reference: Float64Array.from(labels, (l) => reference.get(l) ?? 0),
    current: Float64Array.from(labels, (l) => current.get(l) ?? 0),
  };
}
