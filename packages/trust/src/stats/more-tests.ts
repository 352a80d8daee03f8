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
