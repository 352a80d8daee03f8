import { PalisadeError } from '@palisade/core';
import type { Column } from '../data/table.ts';
import { jensenShannon, psi } from '../stats/divergence.ts';
import { fillEmptyShares, sortedHistogram, sturgesEdges } from '../stats/histogram.ts';
import { ksTwoSample } from '../stats/ks.ts';
import { andersonDarling, fisherExact, gTest, hellinger, mannWhitneyLess } from '../stats/more-tests.ts';
import { chiSquareTest, twoProportionZTest } from '../stats/tests.ts';
import { wassersteinNormed } from '../stats/wasserstein.ts';
import { alignCounts, distinctSorted, labelCounts, sortedFinite } from './column-data.ts';
import { type DriftTest, defaultTest, isDrift, TEST_RULES } from './tests.ts';

/** What the report draws for a column: shares per bin (numeric) or per label (categorical, most common first). */
export interface Distribution {
  readonly edges?: readonly number[];
  readonly labels?: readonly string[];
  readonly reference: readonly number[];
  readonly current: readonly number[];
}

export interface ColumnDrift {
  readonly column: string;
  readonly kind: 'numeric' | 'categorical';
  readonly test: DriftTest;
  /** D for KS, χ² for chi-square, z for the z-test, the distance for the others. */
  readonly statistic: number;
  /** Present for the p-value tests (ks, chisquare, z). */
  readonly pValue?: number;
  readonly threshold: number;
  readonly drift: boolean;
  readonly referenceCount: number;
  readonly currentCount: number;
  readonly distribution: Distribution;
}

export interface ColumnDriftOptions {
  /** The test to use instead of Evidently's default choice. */
  readonly test?: DriftTest;
  /** The threshold to use instead of the test's default. */
  readonly threshold?: number;
}

const MAX_LABELS_DRAWN = 20;

function shares(counts: Float64Array, total: number): Float64Array {
  return counts.map((c) => c / total);
}

function labelDistribution(labels: string[], reference: Float64Array, current: Float64Array): Distribution {
  const refTotal = reference.reduce((s, v) => s + v, 0);
  const curTotal = current.reduce((s, v) => s + v, 0);
  const order = labels
    .map((_, i) => i)
    .sort(
      (a, b) =>
        (reference[b] as number) + (current[b] as number) - (reference[a] as number) - (current[a] as number),
    )
    .slice(0, MAX_LABELS_DRAWN);
  return {
    labels: order.map((i) => labels[i] as string),
    reference: order.map((i) => (reference[i] as number) / refTotal),
    current: order.map((i) => (current[i] as number) / curTotal),
  };
}

function numericDistribution(ref: Float64Array, cur: Float64Array, edges: Float64Array): Distribution {
  return {
    edges: [...edges],
    reference: [...shares(sortedHistogram(ref, edges), ref.length)],
    current: [...shares(sortedHistogram(cur, edges), cur.length)],
  };
}

function combinedEdges(ref: Float64Array, cur: Float64Array): Float64Array {
  const min = Math.min(ref[0] as number, cur[0] as number);
  const max = Math.max(ref[ref.length - 1] as number, cur[cur.length - 1] as number);
  return sturgesEdges(min, max, ref.length + cur.length);
}

function requireNumeric(test: DriftTest, column: string, kind: string): void {
  if (kind !== 'numeric') {
    throw new PalisadeError('USAGE', `The ${test} test needs a numeric column; "${column}" is ${kind}.`);
  }
}

interface Computed {
  readonly statistic: number;
  readonly pValue?: number;
  readonly distribution: Distribution;
  readonly referenceCount: number;
  readonly currentCount: number;
}

function numericDrift(name: string, ref: Float64Array, cur: Float64Array, options: ColumnDriftOptions) {
  const test = options.test ?? defaultTest('numeric', ref.length, distinctSorted(ref, cur, 6));
  const counts = { referenceCount: ref.length, currentCount: cur.length };
  const edges = combinedEdges(ref, cur);
  const drawn = numericDistribution(ref, cur, edges);
  const byValue = () => {
    const toCounts = (a: Float64Array) => labelCounts({ name, kind: 'numeric', values: a });
    return alignCounts(toCounts(ref), toCounts(cur));
  };
  let computed: Computed;
  switch (test) {
    case 'ks': {
      const r = ksTwoSample(ref, cur);
      computed = { statistic: r.statistic, pValue: r.pValue, distribution: drawn, ...counts };
      break;
    }
    case 'wasserstein':
      computed = { statistic: wassersteinNormed(ref, cur), distribution: drawn, ...counts };
      break;
    case 'anderson':
    case 'mannw': {
      const r = test === 'mannw' ? mannWhitneyLess(ref, cur) : andersonDarling(ref, cur);
      computed = { statistic: r.statistic, pValue: r.pValue, distribution: drawn, ...counts };
      break;
    }
    case 'psi':
    case 'jensenshannon': {
      let p: Float64Array;
      let q: Float64Array;
      // Evidently bins a numeric column on Sturges edges when its reference has more than 20 distinct values.
      if (distinctSorted(ref, new Float64Array(0), 21) > 20) {
        p = shares(sortedHistogram(ref, edges), ref.length);
        q = shares(sortedHistogram(cur, edges), cur.length);
      } else {
        const a = byValue();
        p = shares(a.reference, ref.length);
        q = shares(a.current, cur.length);
      }
      const statistic = test === 'psi' ? psi(fillEmptyShares(p), fillEmptyShares(q)) : jensenShannon(p, q);
      computed = { statistic, distribution: drawn, ...counts };
      break;
    }
    case 'hellinger': {
      // Evidently bins a numeric column on Sturges edges over its distinct values (not over the data).
      const distinct = distinctSorted(ref, cur, Infinity);
      const hEdges = sturgesEdges(
        Math.min(ref[0] as number, cur[0] as number),
        Math.max(ref[ref.length - 1] as number, cur[cur.length - 1] as number),
        distinct,
      );
      const p = shares(sortedHistogram(ref, hEdges), ref.length);
      const q = shares(sortedHistogram(cur, hEdges), cur.length);
      computed = { statistic: hellinger(p, q), distribution: drawn, ...counts };
      break;
    }
    default: {
      const a = byValue();
      computed = countTest(test, a.reference, a.current, ref.length, cur.length, a.labels);
      computed = { ...computed, distribution: drawn };
    }
  }
  return finish(name, 'numeric', test, computed, options);
}

function countTest(
  test: DriftTest,
  refCounts: Float64Array,
  curCounts: Float64Array,
  nRef: number,
  nCur: number,
  labels: string[],
): Computed {
  const distribution = labelDistribution(labels, refCounts, curCounts);
  const counts = { referenceCount: nRef, currentCount: nCur, distribution };
  switch (test) {
    case 'chisquare': {
      const expected = refCounts.map((c) => c * (nCur / nRef));
      return { ...chiSquareTest(curCounts, expected), ...counts };
    }
    case 'z': {
      if (labels.length <= 1) return { statistic: 0, pValue: 1, ...counts };
      return { ...twoProportionZTest(refCounts[0] as number, nRef, curCounts[0] as number, nCur), ...counts };
    }
    case 'psi':
      return {
        statistic: psi(fillEmptyShares(shares(refCounts, nRef)), fillEmptyShares(shares(curCounts, nCur))),
        ...counts,
      };
    case 'jensenshannon':
      return { statistic: jensenShannon(shares(refCounts, nRef), shares(curCounts, nCur)), ...counts };
    case 'hellinger':
      return { statistic: hellinger(shares(refCounts, nRef), shares(curCounts, nCur)), ...counts };
    case 'g_test': {
      // Evidently compares current counts with reference counts; scaled to the current size so that the test is
      // meaningful when the samples differ in size (identical when they do not).
      const expected = refCounts.map((c) => c * (nCur / nRef));
      return { ...gTest(curCounts, expected), ...counts };
    }
    case 'fisher_exact': {
      if (labels.length > 2) {
        throw new PalisadeError(
          'USAGE',
          `Fisher's exact test needs a column with two labels, not ${labels.length}.`,
        );
      }
      const first = (v: Float64Array) => v[0] as number;
      const second = (v: Float64Array) => (v.length > 1 ? (v[1] as number) : 0);
      return {
        ...fisherExact(second(curCounts), first(curCounts), second(refCounts), first(refCounts)),
        ...counts,
      };
    }
    default:
      throw new PalisadeError('INTERNAL', `countTest cannot run ${test}.`);
  }
}

function finish(
  column: string,
  kind: 'numeric' | 'categorical',
  test: DriftTest,
  computed: Computed,
  options: ColumnDriftOptions,
): ColumnDrift {
  const threshold = options.threshold ?? TEST_RULES[test].threshold;
  const value = TEST_RULES[test].kind === 'p-value' ? (computed.pValue as number) : computed.statistic;
  return { column, kind, test, threshold, drift: isDrift(test, value, threshold), ...computed };
}

/**
 * Drift of one column between reference and current data, as Evidently computes it: missing values dropped, the
 * default test chosen by `defaultTest` unless one is given. A column numeric on one side and categorical on the
 * other is compared as categorical. Returns undefined when either side has no values.
 */
export function columnDrift(
  name: string,
  reference: Column,
  current: Column,
  options: ColumnDriftOptions = {},
): ColumnDrift | undefined {
  if (reference.kind === 'numeric' && current.kind === 'numeric') {
    const ref = sortedFinite(reference.values);
    const cur = sortedFinite(current.values);
    if (ref.length === 0 || cur.length === 0) return undefined;
    return numericDrift(name, ref, cur, options);
  }
  const a = alignCounts(labelCounts(reference), labelCounts(current));
  const nRef = a.reference.reduce((s, v) => s + v, 0);
  const nCur = a.current.reduce((s, v) => s + v, 0);
  if (nRef === 0 || nCur === 0) return undefined;
  const test = options.test ?? defaultTest('categorical', nRef, a.labels.length);
  if (['ks', 'wasserstein', 'mannw', 'anderson'].includes(test)) requireNumeric(test, name, 'categorical');
  return finish(
    name,
    'categorical',
    test,
    countTest(test, a.reference, a.current, nRef, nCur, a.labels),
    options,
  );
}
