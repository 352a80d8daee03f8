import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { jensenShannon, psi } from './divergence.ts';
import { chiSquareSf } from './gamma.ts';
import { fillEmptyShares, histogram, sturgesEdges } from './histogram.ts';
import { kolmogorovSf } from './kolmogorov.ts';
import { ksTwoSample } from './ks.ts';
import { sortFloat64 } from './radix-sort.ts';
import { chiSquareTest, twoProportionZTest } from './tests.ts';
import { wasserstein1, wassersteinNormed } from './wasserstein.ts';

const STATS = resolve(import.meta.dirname, '../../../../../shared/vectors/ml/stats');
const load = (name: string) => JSON.parse(readFileSync(resolve(STATS, name), 'utf8'));
const samples: Record<string, number[]> = load('samples.json');
const tiny: Record<string, number[]> = load('samples_tiny.json');
const oracles = load('stat_oracles.json');
const extra = load('extra-cases.json');
const PAIRS = { '8v8': ['a8', 'b8'], '100v120': ['n1', 'n2'], '2000v3000': ['m1', 'm2'] } as const;

const sorted = (a: readonly number[]) => Float64Array.from(a).sort();

function close(actual: number, expected: number, relative: number, what: string): void {
  const error = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(error <= relative, `${what}: ${actual} vs ${expected} (relative error ${error})`);
}

test('KS two-sample: statistic and exact p-value as scipy ks_2samp (auto = exact up to 10,000)', () => {
  for (const [key, [a, b]] of Object.entries(PAIRS)) {
    const [d, p] = oracles.ks_2samp[key].exact as [number, number];
    const r = ksTwoSample(sorted(samples[a] as number[]), sorted(samples[b] as number[]));
    assert.equal(r.method, 'exact');
    close(r.statistic, d, 1e-15, `${key} D`);
    close(r.pValue, p, 1e-13, `${key} p`);
  }
});

test('KS exact p-value keeps its precision in the far tail (p ≈ 1e-14)', () => {
  const r = ksTwoSample(sorted(tiny.a as number[]), sorted(tiny.b as number[]));
  close(r.statistic, extra.ks_2samp_tiny.statistic, 1e-15, 'D');
  close(r.pValue, extra.ks_2samp_tiny.pvalue_exact, 1e-12, 'p');
});

test('KS asymptotic p-value: kstwo.sf(D, round(nm/(n+m))) as scipy method="asymp"', () => {
  for (const [key, [a, b]] of Object.entries(PAIRS)) {
    const [d, p] = oracles.ks_2samp[key].asymp as [number, number];
    const n = (samples[a] as number[]).length;
    const m = (samples[b] as number[]).length;
    const en = Math.round((n * m) / (n + m));
    close(kolmogorovSf(en, d), p, 1e-12, `${key} asymptotic p`);
  }
  close(
    kolmogorovSf(round(300, 400), extra.ks_2samp_tiny.statistic),
    extra.ks_2samp_tiny.pvalue_asymp_kstwo,
    1e-9,
    'tiny',
  );
  // Large samples above 10,000 values switch to the asymptotic path.
  const big = Float64Array.from({ length: 12_000 }, (_, i) => i / 12_000).sort();
  const shifted = big.map((v) => v + 0.02);
  assert.equal(ksTwoSample(big, shifted).method, 'asymp');
});

function round(n: number, m: number): number {
  return Math.round((n * m) / (n + m));
}

test('χ² survival function to 1e-12 relative, including the 2.7e-7 tail', () => {
  for (const [key, expected] of Object.entries(oracles.chi2_sf as Record<string, number>)) {
    const [x, df] = key.split(',').map(Number) as [number, number];
    close(chiSquareSf(x, df), expected, 1e-12, `chi2.sf(${key})`);
  }
});

test("Evidently's chi-square case: expected = reference counts scaled to the current size", () => {
  const c = extra.chisquare_evidently;
  const ref = Float64Array.from(c.reference_counts as number[]);
  const cur = Float64Array.from(c.current_counts as number[]);
  const nRef = ref.reduce((s, v) => s + v, 0);
  const nCur = cur.reduce((s, v) => s + v, 0);
  close(
    chiSquareTest(
      cur,
      ref.map((v) => (v * nCur) / nRef),
    ).pValue,
    c.pvalue,
    1e-12,
    'p',
  );
  const doubled = ref.map((v) => 2 * v);
  close(
    chiSquareTest(
      cur,
      doubled.map((v) => (v * nCur) / (2 * nRef)),
    ).pValue,
    c.pvalue,
    1e-12,
    'doubled',
  );
});

test('z-test for two proportions: identical samples give p = 1; p = 2(1 − Φ(|z|))', () => {
  assert.equal(twoProportionZTest(10, 20, 10, 20).pValue, 1);
  // scipy: 2 * norm.sf(abs(z)) for 30/100 vs 45/100.
  close(twoProportionZTest(30, 100, 45, 100).pValue, 0.02845973691631055, 1e-13, 'z-test p');
});

test('Wasserstein-1 as scipy, weighted and unweighted; Evidently normed form', () => {
  for (const c of extra.wasserstein_1) {
    const w = wasserstein1(
      Float64Array.from(c.u),
      Float64Array.from(c.v),
      c.u_weights ? Float64Array.from(c.u_weights) : undefined,
      c.v_weights ? Float64Array.from(c.v_weights) : undefined,
    );
    close(w, c.expected, 1e-15, 'W1 small');
  }
  for (const [key, [a, b]] of Object.entries(PAIRS)) {
    const w = wasserstein1(sorted(samples[a] as number[]), sorted(samples[b] as number[]));
    close(w, oracles.wasserstein[key], 1e-12, `W1 ${key}`);
  }
  for (const key of ['100v120', '2000v3000'] as const) {
    const [a, b] = PAIRS[key];
    const w = wassersteinNormed(sorted(samples[a] as number[]), sorted(samples[b] as number[]));
    close(w, oracles.wasserstein_norm_evidently[key], 1e-12, `normed ${key}`);
  }
});

test('PSI and Jensen–Shannon with Sturges bins on the combined data (Evidently) match scipy/numpy', () => {
  for (const key of ['100v120', '2000v3000'] as const) {
    const [a, b] = PAIRS[key];
    const ref = sorted(samples[a] as number[]);
    const cur = sorted(samples[b] as number[]);
    const edges = sturgesEdges(
      Math.min(ref[0] as number, cur[0] as number),
      Math.max(ref.at(-1) as number, cur.at(-1) as number),
      ref.length + cur.length,
    );
    const expected = oracles.evidently_equiv[key];
    assert.equal(edges.length - 1, expected.n_bins_sturges);
    const p = histogram(ref, edges).map((c) => c / ref.length);
    const q = histogram(cur, edges).map((c) => c / cur.length);
    close(psi(fillEmptyShares(p), fillEmptyShares(q)), expected.psi, 1e-12, `PSI ${key}`);
    close(jensenShannon(p, q), expected.jensenshannon_base_e, 1e-12, `JS ${key}`);
  }
  for (const c of extra.jensen_shannon_distance) {
    const base = c.base === 'e' ? undefined : c.base;
    close(
      jensenShannon(Float64Array.from(c.p), Float64Array.from(c.q), base),
      c.expected,
      1e-14,
      'JS simple',
    );
  }
});

test('radix sort orders doubles exactly as Float64Array.prototype.sort, signed zeros and extremes included', () => {
  const values = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 40) - 20));
  values.set([0, -0, -1e308, 1e308, 5e-324, -5e-324, -1, 1], 100);
  const expected = values.slice().sort();
  const actual = sortFloat64(values);
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Object.is(actual[i], expected[i]), `index ${i}`);
});
