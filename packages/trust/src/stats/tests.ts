import { chiSquareSf, normalTwoSidedP } from './gamma.ts';

export interface TestResult {
  readonly statistic: number;
  readonly pValue: number;
}

/** Pearson's χ² goodness of fit (scipy.stats.chisquare) with k − 1 degrees of freedom. */
export function chiSquareTest(observed: Float64Array, expected: Float64Array): TestResult {
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i] as number;
    statistic += ((observed[i] as number) - e) ** 2 / e;
  }
  return { statistic, pValue: chiSquareSf(statistic, observed.length - 1) };
}

/**
 * Pooled two-proportion z-test, two-sided (Evidently's `z`): the share of `successes` in each sample compared
 * under the pooled proportion.
 */
export function twoProportionZTest(
  successes1: number,
  n1: number,
  successes2: number,
  n2: number,
): TestResult {
  const p1 = successes1 / n1;
  const p2 = successes2 / n2;
  const pooled = (successes1 + successes2) / (n1 + n2);
  const statistic = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { statistic, pValue: normalTwoSidedP(statistic) };
}
