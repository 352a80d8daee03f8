import { kolmogorovSf } from './kolmogorov.ts';

/** Above this sample size scipy's `ks_2samp(method='auto')` switches from the exact to the asymptotic p-value. */
export const KS_EXACT_MAX_N = 10_000;

export interface KsResult {
  readonly statistic: number;
  readonly pValue: number;
  readonly method: 'exact' | 'asymp';
}

/** sup |F_a − F_b| over two ascending samples, ties handled as scipy does (ECDFs evaluated right-continuous). */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < n && a[i] === x) i++;
    while (j < m && b[j] === x) j++;
    const diff = Math.abs(i / n - j / m);
    if (diff > d) d = diff;
  }
  return d;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * P(D ≥ d) for samples of sizes m and n under the null hypothesis, exactly: the probability that a uniformly
 * random monotone lattice path from (0, 0) to (m, n) leaves the band |i/m − j/n| < d. The mass that leaves is
 * summed as it leaves (all terms positive), so tiny p-values keep their relative precision — unlike 1 − P(inside).
 * `h` is d on the lattice, d·lcm(m, n), as scipy rounds it.
 */
export function ksExactSf(m: number, n: number, h: number): number {
  if (h <= 0) return 1;
  const g = gcd(m, n);
  const limit = h * g;
  const inside = (i: number, j: number) => Math.abs(i * n - j * m) < limit;
  let row = new Float64Array(n + 2);
  let next = new Float64Array(n + 2);
  row[0] = 1;
  let outside = 0;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i <= m; i++) {
    const nextLo = Math.max(0, Math.floor(((i + 1) * n - limit) / m));
    const nextHi = Math.min(n, Math.ceil(((i + 1) * n + limit) / m));
    next.fill(0, nextLo, nextHi + 2);
    for (let j = lo; j <= hi; j++) {
      const mass = row[j] as number;
      if (mass === 0) continue;
      const left = m - i + (n - j);
      if (left === 0) continue;
      if (i < m) {
        const p = (mass * (m - i)) / left;
        if (inside(i + 1, j)) next[j] = (next[j] as number) + p;
        else outside += p;
      }
      if (j < n) {
        const p = (mass * (n - j)) / left;
        if (inside(i, j + 1)) {
          row[j + 1] = (row[j + 1] as number) + p;
          if (j + 1 > hi) hi = j + 1;
        } else {
          outside += p;
        }
      }
    }
    [row, next] = [next, row];
    lo = nextLo;
    hi = Math.max(nextLo, Math.min(nextHi, n));
  }
  return Math.min(1, outside);
}

/** numpy.round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Two-sample two-sided Kolmogorov–Smirnov test on ascending samples, as `scipy.stats.ks_2samp(a, b)`: exact
 * p-value when both samples have at most 10,000 values, otherwise kstwo.sf(D, round(n·m/(n+m))).
 */
export function ksTwoSample(a: Float64Array, b: Float64Array): KsResult {
  const m = a.length;
  const n = b.length;
  const d = ksStatistic(a, b);
  if (Math.max(m, n) <= KS_EXACT_MAX_N) {
    const lcm = (m / gcd(m, n)) * n;
    const h = roundHalfEven(d * lcm);
    return { statistic: h / lcm, pValue: ksExactSf(m, n, h), method: 'exact' };
  }
  return { statistic: d, pValue: kolmogorovSf(roundHalfEven((m * n) / (m + n)), d), method: 'asymp' };
}
