/** The drift tests Palisade implements, named as in Evidently's registry. */
export const DRIFT_TESTS = [
  'ks',
  'chisquare',
  'z',
  'wasserstein',
  'jensenshannon',
  'psi',
  'hellinger',
  'g_test',
  'fisher_exact',
  'mannw',
  'anderson',
] as const;
export type DriftTest = (typeof DRIFT_TESTS)[number];

interface TestRule {
  /** Evidently's default threshold for the test. */
  readonly threshold: number;
  /** p-value tests compare p to the threshold; distance tests compare the statistic. */
  readonly kind: 'p-value' | 'distance';
  /** Whether drift is declared when the compared value equals the threshold (Evidently's choice per test). */
  readonly inclusive: boolean;
}

export const TEST_RULES: Readonly<Record<DriftTest, TestRule>> = {
  ks: { threshold: 0.05, kind: 'p-value', inclusive: true },
  chisquare: { threshold: 0.05, kind: 'p-value', inclusive: false },
  z: { threshold: 0.05, kind: 'p-value', inclusive: false },
  wasserstein: { threshold: 0.1, kind: 'distance', inclusive: true },
  jensenshannon: { threshold: 0.1, kind: 'distance', inclusive: true },
  psi: { threshold: 0.1, kind: 'distance', inclusive: true },
  hellinger: { threshold: 0.1, kind: 'distance', inclusive: true },
  g_test: { threshold: 0.1, kind: 'p-value', inclusive: false },
  fisher_exact: { threshold: 0.1, kind: 'p-value', inclusive: false },
  mannw: { threshold: 0.05, kind: 'p-value', inclusive: false },
  anderson: { threshold: 0.1, kind: 'p-value', inclusive: false },
};

/** Whether a test's value (p-value or distance) means drift at `threshold`. */
export function isDrift(test: DriftTest, value: number, threshold: number): boolean {
  const rule = TEST_RULES[test];
  if (rule.kind === 'p-value') return rule.inclusive ? value <= threshold : value < threshold;
  return rule.inclusive ? value >= threshold : value > threshold;
}

/**
 * Evidently's default test (`_get_default_stattest`): by reference size (≤ 1000 rows or more), column kind and
 * the number of distinct values over reference ∪ current.
 */
export function defaultTest(
  kind: 'numeric' | 'categorical',
  referenceRows: number,
  uniqueValues: number,
): DriftTest {
  if (referenceRows <= 1000) {
    if (kind === 'numeric' && uniqueValues > 5) return 'ks';
    return uniqueValues > 2 ? 'chisquare' : 'z';
  }
  return kind === 'numeric' && uniqueValues > 5 ? 'wasserstein' : 'jensenshannon';
}
