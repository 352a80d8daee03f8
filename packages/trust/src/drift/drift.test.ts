import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { toShared } from '../data/shared.ts';
import type { CategoricalColumn, Column, NumericColumn, Table } from '../data/table.ts';
import { seededRandom } from '../stats/random.ts';
import { columnDrift } from './column-drift.ts';
import { adjustPValues } from './correction.ts';
import { driftReport } from './dataset-drift.ts';
import { driftReportParallel } from './parallel.ts';
import { defaultTest } from './tests.ts';
import { driftWindows } from './windows.ts';

const STATS = resolve(import.meta.dirname, '../../../../../shared/vectors/ml/stats');
const samples: Record<string, number[]> = JSON.parse(readFileSync(resolve(STATS, 'samples.json'), 'utf8'));
const oracles = JSON.parse(readFileSync(resolve(STATS, 'stat_oracles.json'), 'utf8'));
const extra = JSON.parse(readFileSync(resolve(STATS, 'extra-cases.json'), 'utf8'));

const numeric = (name: string, values: readonly number[]): NumericColumn => ({
  name,
  kind: 'numeric',
  values: Float64Array.from(values),
});

function categorical(name: string, labels: readonly (string | undefined)[]): CategoricalColumn {
  const categories = [...new Set(labels.filter((l) => l !== undefined))] as string[];
  return {
    name,
    kind: 'categorical',
    categories,
    codes: Int32Array.from(labels, (l) => (l === undefined ? -1 : categories.indexOf(l))),
  };
}

function table(...columns: Column[]): Table {
  const first = columns[0] as Column;
  const rowCount = first.kind === 'numeric' ? first.values.length : first.codes.length;
  return { rowCount, columns, skipped: [] };
}

function expand(values: readonly (string | number)[], counts: readonly number[]): string[] {
  return values.flatMap((v, i) => Array<string>(counts[i] as number).fill(String(v)));
}

test("Evidently's default test selection by reference size, kind and distinct values", () => {
  assert.equal(defaultTest('numeric', 1000, 6), 'ks');
  assert.equal(defaultTest('numeric', 1000, 5), 'chisquare');
  assert.equal(defaultTest('numeric', 1000, 2), 'z');
  assert.equal(defaultTest('categorical', 10, 3), 'chisquare');
  assert.equal(defaultTest('categorical', 10, 2), 'z');
  assert.equal(defaultTest('numeric', 1001, 6), 'wasserstein');
  assert.equal(defaultTest('numeric', 1001, 5), 'jensenshannon');
  assert.equal(defaultTest('categorical', 5000, 40), 'jensenshannon');
});

test('small numeric columns get KS with the exact p-value; drift when p ≤ 0.05', () => {
  const r = columnDrift('x', numeric('x', samples.n1 as number[]), numeric('x', samples.n2 as number[]));
  assert.equal(r?.test, 'ks');
  assert.ok(Math.abs((r?.pValue as number) - oracles.ks_2samp['100v120'].exact[1]) < 1e-15);
  assert.equal(r?.drift, true);
  const a8 = columnDrift('x', numeric('x', samples.a8 as number[]), numeric('x', samples.b8 as number[]));
  assert.equal(a8?.drift, false);
});

test('large numeric columns get Wasserstein normed; PSI and JS on request use Sturges bins', () => {
  const ref = numeric('m', samples.m1 as number[]);
  const cur = numeric('m', samples.m2 as number[]);
  const w = columnDrift('m', ref, cur);
  assert.equal(w?.test, 'wasserstein');
  assert.ok(Math.abs((w?.statistic as number) - oracles.wasserstein_norm_evidently['2000v3000']) < 1e-13);
  assert.equal(w?.drift, false);
  const p = columnDrift('m', ref, cur, { test: 'psi' });
  assert.ok(Math.abs((p?.statistic as number) - oracles.evidently_equiv['2000v3000'].psi) < 1e-14);
  const js = columnDrift('m', ref, cur, { test: 'jensenshannon' });
  assert.ok(
    Math.abs((js?.statistic as number) - oracles.evidently_equiv['2000v3000'].jensenshannon_base_e) < 1e-14,
  );
  assert.equal(js?.distribution.edges?.length, 15);
});

test("Evidently's chi-square and z-test cases through a column, missing values dropped", () => {
  const c = extra.chisquare_evidently;
  const ref = categorical('c', [...expand(c.reference_values, c.reference_counts), undefined]);
  const cur = categorical('c', expand(c.current_values, c.current_counts));
  const r = columnDrift('c', ref, cur);
  assert.equal(r?.test, 'chisquare');
  assert.ok(Math.abs((r?.pValue as number) - c.pvalue_evidently_test) < c.tolerance_evidently_test);
  assert.equal(r?.referenceCount, 88);
  const ab = Array.from({ length: 20 }, (_, i) => (i % 2 ? 'b' : 'a'));
  const z = columnDrift('z', categorical('z', ab), categorical('z', ab));
  assert.equal(z?.test, 'z');
  assert.equal(z?.pValue, 1);
  assert.equal(z?.drift, false);
});

test('dataset drift: share of drifted columns ≥ 0.5; skipped columns are reported; corrections adjust p', () => {
  const ref = table(
    numeric('shifted', samples.n1 as number[]),
    numeric(
      'same',
      (samples.n1 as number[]).map((v) => v * 2),
    ),
    numeric('empty', Array(100).fill(Number.NaN)),
  );
  const cur = table(
    numeric(
      'shifted',
      (samples.n2 as number[]).slice(0, 100).map((v) => v + 1),
    ),
    numeric(
      'same',
      (samples.n1 as number[]).map((v) => v * 2),
    ),
    numeric('empty', Array(100).fill(1)),
  );
  const progress: string[] = [];
  const report = driftReport(ref, cur, {
    target: 'shifted',
    onColumn: (done, total, c) => progress.push(`${done}/${total} ${c}`),
  });
  assert.deepEqual(progress, ['1/3 shifted', '2/3 same', '3/3 empty']);
  assert.deepEqual(
    report.columns.map((c) => [c.column, c.drift]),
    [
      ['shifted', true],
      ['same', false],
    ],
  );
  assert.equal(report.shareOfDriftedColumns, 0.5);
  assert.equal(report.datasetDrift, true);
  assert.equal(report.targetDrift, true);
  assert.equal(report.columns[0]?.role, 'target');
  assert.deepEqual(report.skipped, [
    { column: 'empty', reason: 'no values in the reference or the current data' },
  ]);
  const corrected = driftReport(ref, cur, { correction: 'bonferroni', driftShare: 0.6 });
  assert.equal(
    corrected.columns[0]?.adjustedPValue,
    Math.min(1, (corrected.columns[0]?.pValue as number) * 2),
  );
  assert.equal(corrected.datasetDrift, false);
  assert.throws(() => driftReport(ref, cur, { columns: ['nope'] }), { code: 'USAGE' });
});

test('Benjamini–Hochberg and Bonferroni adjusted p-values', () => {
  assert.deepEqual(adjustPValues([0.01, 0.04, 0.03, 0.5], 'bonferroni'), [0.04, 0.16, 0.12, 1]);
  const bh = adjustPValues([0.01, 0.04, 0.03, 0.5], 'fdr');
  const expected = [0.04, 0.16 / 3, 0.16 / 3, 0.5];
  for (const [i, p] of bh.entries()) assert.ok(Math.abs(p - (expected[i] as number)) < 1e-15);
});

function normals(n: number, seed: number, shift = 0): number[] {
  const random = seededRandom(seed);
  return Array.from(
    { length: n },
    () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()) + shift,
  );
}

test('windows over time: the current data is ordered by its timestamp, and the shifted windows alert', () => {
  const reference = table(
    numeric('x', normals(2000, 1)),
    numeric(
      't',
      Array.from({ length: 2000 }, (_, i) => i),
    ),
  );
  // The last 300 moments drift by +1.5; rows are stored in reverse time order to check the ordering.
  const times = Array.from({ length: 1000 }, (_, i) => 5000 + (999 - i));
  const x = normals(1000, 2).map((v, i) => ((times[i] as number) >= 5700 ? v + 1.5 : v));
  const current = table(numeric('x', x), numeric('t', times));
  const report = driftReport(reference, current, { exclude: ['t'] });
  const windows = driftWindows(reference, current, report, { timestamp: 't' });
  assert.equal(windows.windowRows, 100);
  assert.equal(windows.windows.length, 10);
  assert.equal(windows.windows[0]?.start, '5000');
  assert.equal(windows.windows[9]?.end, '5999');
  const threshold = windows.thresholds[0];
  assert.equal(threshold?.column, 'x');
  assert.ok(
    Math.abs(
      (threshold?.upperThreshold as number) -
        ((threshold?.referenceMean as number) + 3 * (threshold?.referenceStd as number)),
    ) < 1e-15,
  );
  assert.deepEqual(
    windows.windows.map((w) => w.columns[0]?.alert),
    [false, false, false, false, false, false, false, true, true, true],
  );
  // Evidently's fixed threshold (W1 normed ≥ 0.1) also fires on some unshifted 100-row windows: the noise the
  // reference-chunk threshold is there to absorb. The shifted windows drift by both rules.
  assert.deepEqual(
    windows.windows.slice(7).map((w) => w.datasetDrift),
    [true, true, true],
  );
  assert.throws(() => driftWindows(reference, current, report, { timestamp: 'nope' }), { code: 'USAGE' });
});

test('the parallel report (worker threads) is the sequential report, errors included', async () => {
  // Numeric columns on shared memory (as readTable stores them), the categorical one a plain copy: both paths.
  const sharedNumeric = (name: string, values: number[]): NumericColumn => {
    const column = numeric(name, values);
    return { ...column, values: toShared(column.values, values.length) };
  };
  const reference = table(
    sharedNumeric('a', normals(1500, 3)),
    sharedNumeric('b', normals(1500, 4, 0.2)),
    categorical(
      'c',
      normals(1500, 5).map((v) => (v > 0.5 ? 'x' : v > -0.5 ? 'y' : 'z')),
    ),
  );
  const current = table(
    numeric('a', normals(900, 6)),
    numeric('b', normals(900, 7)),
    categorical(
      'c',
      normals(900, 8, 0.3).map((v) => (v > 0.5 ? 'x' : v > -0.5 ? 'y' : 'z')),
    ),
  );
  const sequential = driftReport(reference, current, { correction: 'fdr' });
  const parallel = await driftReportParallel(
    reference,
    current,
    { correction: 'fdr' },
    { threads: 2, minValues: 0 },
  );
  assert.deepEqual(parallel, sequential);
  await assert.rejects(
    driftReportParallel(reference, current, { tests: { c: 'ks' } }, { threads: 2, minValues: 0 }),
    { code: 'USAGE', message: /needs a numeric column/ },
  );
});

test("Evidently's test-suite cases for its other registered tests: G-test, Fisher's exact, Hellinger, Mann-Whitney, Anderson-Darling", () => {
  const suite = extra.evidently_test_suite;
  const g = suite.g_test;
  const gResult = columnDrift(
    'g',
    categorical('g', expand(g.reference_values, g.reference_counts)),
    categorical('g', expand(g.current_values, g.current_counts)),
    { test: 'g_test', threshold: g.threshold },
  );
  assert.ok(
    Math.abs((gResult?.pValue as number) - g.expected_pvalue) < g.tolerance,
    `G-test p ${gResult?.pValue}`,
  );
  assert.equal(gResult?.drift, g.drift);
  const repeated = (text: string): string[] => {
    const match = /^\[(.*)\] repeated (\d+) times$/.exec(
      text.replaceAll("'", '').replace(/^\[/, '['),
    ) as RegExpExecArray;
    const items = (match[1] as string).split(',').map((s) => s.trim());
    return Array.from({ length: Number(match[2]) }, () => items).flat();
  };
  for (const c of suite.fisher_exact) {
    const ref = Array.isArray(c.reference) ? c.reference : repeated(c.reference);
    const cur = Array.isArray(c.current) ? c.current : repeated(c.current);
    const r = columnDrift('f', categorical('f', ref), categorical('f', cur), {
      test: 'fisher_exact',
      threshold: c.threshold,
    });
    assert.ok(
      Math.abs((r?.pValue as number) - c.expected_pvalue) < c.tolerance,
      `Fisher p ${r?.pValue} vs ${c.expected_pvalue}`,
    );
    assert.equal(r?.drift, c.drift);
  }
  const h = extra.chisquare_evidently;
  const hResult = columnDrift(
    'h',
    categorical('h', expand(h.reference_values, h.reference_counts)),
    categorical('h', expand(h.current_values, h.current_counts)),
    { test: 'hellinger' },
  );
  assert.ok(Math.abs((hResult?.statistic as number) - h.hellinger_distance) < h.hellinger_tolerance);
  const mw = columnDrift(
    'm',
    numeric('m', expand(h.reference_values, h.reference_counts).map(Number)),
    numeric('m', expand(h.current_values, h.current_counts).map(Number)),
    { test: 'mannw' },
  );
  assert.ok(Math.abs((mw?.pValue as number) - h.mann_whitney_pvalue) < h.mann_whitney_tolerance);
  assert.equal(mw?.drift, false);
  // scipy 1.10.1 mannwhitneyu(alternative='less'): exact without ties (0.10101…), asymptotic on n1 vs n2.
  const small = columnDrift(
    's',
    numeric('s', [1.5, 3.2, 0.4, 7.7, 2.2]),
    numeric('s', [2.8, 9.1, 4.4, 6.0, 5.5, 8.8, 0.9]),
    {
      test: 'mannw',
    },
  );
  assert.ok(Math.abs((small?.pValue as number) - 0.10101010101010102) < 1e-15);
  const large = columnDrift('l', numeric('l', samples.n1 as number[]), numeric('l', samples.n2 as number[]), {
    test: 'mannw',
  });
  assert.ok(Math.abs((large?.pValue as number) - 0.015796857775035564) < 1e-15);
  const ad = suite.anderson_darling;
  const adResult = columnDrift('a', numeric('a', ad.reference), numeric('a', ad.current), {
    test: 'anderson',
    threshold: ad.threshold,
  });
  assert.ok(Math.abs((adResult?.pValue as number) - ad.expected_pvalue) < ad.tolerance);
  assert.equal(adResult?.drift, ad.drift);
  // scipy 1.10.1 anderson_ksamp on n1 vs n2 (midrank): statistic 3.093169484773364, p 0.017912221038755123.
  const adLarge = columnDrift(
    'a',
    numeric('a', samples.n1 as number[]),
    numeric('a', samples.n2 as number[]),
    {
      test: 'anderson',
    },
  );
  assert.ok(Math.abs((adLarge?.statistic as number) - 3.093169484773364) < 1e-12);
  assert.ok(Math.abs((adLarge?.pValue as number) - 0.017912221038755123) < 1e-12);
  // Numeric Hellinger: Sturges bins over the distinct values, as Evidently; 0.2203516750434106 is its formula
  // recomputed with numpy 1.24.2 on n1 vs n2.
  const hNumeric = columnDrift(
    'x',
    numeric('x', samples.n1 as number[]),
    numeric('x', samples.n2 as number[]),
    {
      test: 'hellinger',
    },
  );
  assert.ok(Math.abs((hNumeric?.statistic as number) - 0.2203516750434106) < 1e-14);
  assert.throws(
    () =>
      columnDrift('c', categorical('c', ['a', 'b', 'c']), categorical('c', ['a']), { test: 'fisher_exact' }),
    { code: 'USAGE' },
  );
});
