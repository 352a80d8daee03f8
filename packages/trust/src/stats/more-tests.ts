import { chiSquareSf, logGamma, normalTwoSidedP } from './gamma.ts';
import type { TestResult } from './tests.ts';

/** G-test (log-likelihood ratio, scipy's power_divergence with lambda_='log-likelihood'), k − 1 degrees of freedom. */
export function gTest(observed: Float64Array, expected: Float64Array): TestResult {
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const o = observed[i] as number;
    if (o > 0) statistic += 2 * o * Math.log(o / (expected[i] as number));
  }
  return { statistic, pValue: chiSquareSf(statistic, observed.length - 1) };
}

/** Hellinger distance between two discrete distributions (shares): sqrt(1 − Σ sqrt(p·q)), clipped to [0, 1]. */
export function hellinger(p: Float64Array, q: Float64Array): number {
  let bc = 0;
  for (let i = 0; i < p.length; i++) bc += Math.sqrt((p[i] as number) * (q[i] as number));
  return Math.sqrt(1 - Math.min(1, Math.max(0, bc)));
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * Fisher's exact test on the 2×2 table [[a, b], [c, d]], two-sided as scipy.stats.fisher_exact: the probability,
 * under the hypergeometric law with the table’s margins, of every table no more likely than the observed one
 * (ties within 1e-10 relative count as equally likely).
 */
export function fisherExact(a: number, b: number, c: number, d: number): TestResult {
  const row = a + b;
  const column = a + c;
  const n = a + b + c + d;
  const logPmf = (x: number) => logChoose(column, x) + logChoose(n - column, row - x) - logChoose(n, row);
  const observed = logPmf(a);
  let p = 0;
  for (let x = Math.max(0, row + column - n); x <= Math.min(row, column); x++) {
    const lp = logPmf(x);
    if (lp <= observed + 1e-10) p += Math.exp(lp);
  }
  const oddsRatio = b * c === 0 ? (a * d === 0 ? Number.NaN : Infinity) : (a * d) / (b * c);
  return { statistic: oddsRatio, pValue: Math.min(1, p) };
}

/** P(U ≥ u) for the Mann–Whitney U of samples of sizes m and n without ties, by counting arrangements. */
function mannWhitneyExactSf(u: number, m: number, n: number): number {
  // counts[j][v]: orderings of i first-sample and j second-sample values in which first-sample values beat v
  // pairs, for i = 0, 1, … m in turn. With no first-sample value every ordering has U = 0.
  let counts: Float64Array[] = Array.from({ length: n + 1 }, () => {
    const row = new Float64Array(m * n + 1);
    row[0] = 1;
    return row;
  });
  for (let i = 1; i <= m; i++) {
    const next = counts.map(() => new Float64Array(m * n + 1));
    for (let j = 0; j <= n; j++) {
      for (let v = 0; v <= m * n; v++) {
        // The largest value is from the first sample (it beats j values) or from the second (beats none).
        let c = v - j >= 0 ? ((counts[j] as Float64Array)[v - j] as number) : 0;
        if (j > 0) c += (next[j - 1] as Float64Array)[v] as number;
        (next[j] as Float64Array)[v] = c;
      }
    }
    counts = next;
  }
  const last = counts[n] as Float64Array;
  let total = 0;
  let tail = 0;
  for (let v = 0; v <= m * n; v++) {
    total += last[v] as number;
    if (v >= u) tail += last[v] as number;
  }
  return tail / total;
}

/**
 * Mann–Whitney U test of ascending samples x (reference) and y (current) with alternative "less", as
 * scipy.stats.mannwhitneyu(x, y, alternative='less') — the form Evidently 0.7's `mannw` runs: exact when a sample
 * has at most 8 values and there are no ties, else the normal approximation with tie correction and continuity.
 */
export function mannWhitneyLess(x: Float64Array, y: Float64Array): TestResult {
  const m = x.length;
  const n = y.length;
  let i = 0;
  let j = 0;
  let rank = 0;
  let rankSumX = 0;
  let tieTerm = 0;
  while (i < m || j < n) {
    const v = Math.min(i < m ? (x[i] as number) : Infinity, j < n ? (y[j] as number) : Infinity);
    let inX = 0;
    let inY = 0;
    while (i < m && x[i] === v) {
      i++;
      inX++;
    }
    while (j < n && y[j] === v) {
      j++;
      inY++;
    }
    const t = inX + inY;
    rankSumX += inX * (rank + (t + 1) / 2);
    rank += t;
    tieTerm += t ** 3 - t;
  }
  const u1 = rankSumX - (m * (m + 1)) / 2;
  const u2 = m * n - u1;
  // scipy counts exactly in this case; so do we unless the count table would be huge (then the approximation).
  if ((m <= 8 || n <= 8) && tieTerm === 0 && (m + 1) * (n + 1) * (m * n + 1) <= 2e8) {
    return { statistic: u1, pValue: Math.min(1, mannWhitneyExactSf(u2, m, n)) };
  }
  const total = m + n;
  const s = Math.sqrt(((m * n) / 12) * (total + 1 - tieTerm / (total * (total - 1))));
  const z = (u2 - (m * n) / 2 - 0.5) / s;
  const sf = z >= 0 ? normalTwoSidedP(z) / 2 : 1 - normalTwoSidedP(-z) / 2;
  return { statistic: u1, pValue: Math.min(1, Math.max(0, sf)) };
}

/** Scholz & Stephens (1987), Table 2: critical values b0 + b1/√m + b2/m at these significance levels. */
const AD_B0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
const AD_B1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
const AD_B2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];
const AD_SIGNIFICANCE = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];

/** Least-squares quadratic through (x, y) (numpy.polyfit(x, y, 2)), as [a, b, c] for a·x² + b·x + c. */
function quadraticFit(x: readonly number[], y: readonly number[]): [number, number, number] {
  const s = [0, 0, 0, 0, 0];
  const t = [0, 0, 0];
  x.forEach((xi, i) => {
    for (let p = 0; p <= 4; p++) s[p] = (s[p] as number) + xi ** p;
    for (let p = 0; p <= 2; p++) t[p] = (t[p] as number) + xi ** p * (y[i] as number);
  });
  // Normal equations for (c, b, a), solved by Cramer's rule (3 × 3).
  const m = [
    [s[0], s[1], s[2]],
    [s[1], s[2], s[3]],
    [s[2], s[3], s[4]],
  ] as number[][];
  const det = (q: number[][]) =>
    (q[0]?.[0] as number) *
      ((q[1]?.[1] as number) * (q[2]?.[2] as number) - (q[1]?.[2] as number) * (q[2]?.[1] as number)) -
    (q[0]?.[1] as number) *
      ((q[1]?.[0] as number) * (q[2]?.[2] as number) - (q[1]?.[2] as number) * (q[2]?.[0] as number)) +
    (q[0]?.[2] as number) *
      ((q[1]?.[0] as number) * (q[2]?.[1] as number) - (q[1]?.[1] as number) * (q[2]?.[0] as number));
  const d = det(m);
  const solve = (column: number) =>
    det(m.map((row, r) => row.map((v, c) => (c === column ? (t[r] as number) : v)))) / d;
  return [solve(2), solve(1), solve(0)];
}

/**
 * The k-sample Anderson–Darling test for two ascending samples, as scipy.stats.anderson_ksamp (midrank version,
 * Scholz & Stephens 1987): the standardized statistic, and the p-value interpolated from the critical-value table,
 * capped to [0.001, 0.25] as scipy caps it. Evidently's `anderson` uses this p-value.
 */
export function andersonDarling(x: Float64Array, y: Float64Array): TestResult {
  const samples = [x, y];
  const sizes = [x.length, y.length];
  const N = x.length + y.length;
  const k = 2;
  // Distinct values of the pooled sample with their multiplicities and, per sample, counts at or below.
  const distinct: number[] = [];
  const multiplicity: number[] = [];
  const perSample: number[][] = [[], []];
  const index = [0, 0];
  while ((index[0] as number) < x.length || (index[1] as number) < y.length) {
    const v = Math.min(
      (index[0] as number) < x.length ? (x[index[0] as number] as number) : Infinity,
      (index[1] as number) < y.length ? (y[index[1] as number] as number) : Infinity,
    );
    let count = 0;
    samples.forEach((s, i) => {
      let c = 0;
      while ((index[i] as number) < s.length && s[index[i] as number] === v) {
        index[i] = (index[i] as number) + 1;
        c++;
      }
      (perSample[i] as number[]).push(c);
      count += c;
    });
    distinct.push(v);
    multiplicity.push(count);
  }
  let a2 = 0;
  for (let i = 0; i < k; i++) {
    const n = sizes[i] as number;
    let below = 0; // values of the pooled sample strictly below z_j
    let mine = 0; // values of sample i at or below z_j
    let inner = 0;
    distinct.forEach((_, j) => {
      const l = multiplicity[j] as number;
      const f = (perSample[i] as number[])[j] as number;
      mine += f;
      const M = mine - f / 2;
      const B = below + l / 2;
      inner += ((l / N) * (N * M - B * n) ** 2) / (B * (N - B) - (N * l) / 4);
      below += l;
    });
    a2 += inner / n;
  }
  a2 *= (N - 1) / N;
  const H = sizes.reduce((s, n) => s + 1 / n, 0);
  let hsCs = 0;
  let g = 0;
  for (let i = N - 1; i >= 2; i--) {
    hsCs += 1 / i;
    g += hsCs / (N - i + 1);
  }
  const h = hsCs + 1;
  const a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H;
  const b = (2 * g - 4) * k ** 2 + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
  const c = (6 * h + 2 * g - 2) * k ** 2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h;
  const d = (2 * h + 6) * k ** 2 - 4 * h * k;
  const sigma2 = (a * N ** 3 + b * N ** 2 + c * N + d) / ((N - 1) * (N - 2) * (N - 3));
  const m = k - 1;
  const statistic = (a2 - m) / Math.sqrt(sigma2);
  const critical = AD_B0.map((b0, i) => b0 + (AD_B1[i] as number) / Math.sqrt(m) + (AD_B2[i] as number) / m);
  if (statistic < Math.min(...critical)) return { statistic, pValue: 0.25 };
  if (statistic > Math.max(...critical)) return { statistic, pValue: 0.001 };
  const [qa, qb, qc] = quadraticFit(critical, AD_SIGNIFICANCE.map(Math.log));
  return { statistic, pValue: Math.exp(qa * statistic ** 2 + qb * statistic + qc) };
}
