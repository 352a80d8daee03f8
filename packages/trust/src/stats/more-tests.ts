import { chiSquareSf, logGamma } from './gamma.ts';
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
