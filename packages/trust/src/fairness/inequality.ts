/**
 * AIF360's individual-fairness indices over benefits b_i = ŷ_i − y_i + 1 (1 for a correct decision, 2 for a
 * false positive, 0 for a false negative).
 */
export function benefits(labels: Uint8Array, predictions: Uint8Array): Float64Array {
  return Float64Array.from(predictions, (p, i) => p - (labels[i] as number) + 1);
}

/** Generalized entropy index GE(α) = Σ((b_i/μ)^α − 1) / (n·α·(α − 1)); α = 1 is the Theil index, α = 0 the MLD. */
export function generalizedEntropyIndex(b: Float64Array, alpha = 2): number {
  const n = b.length;
  const mu = b.reduce((s, v) => s + v, 0) / n;
  let sum = 0;
  if (alpha === 1) {
    for (const v of b) if (v > 0) sum += (v / mu) * Math.log(v / mu);
    return sum / n;
  }
  if (alpha === 0) {
    for (const v of b) sum += Math.log(v / mu);
    return -sum / n;
  }
  for (const v of b) sum += (v / mu) ** alpha - 1;
  return sum / (n * alpha * (alpha - 1));
}

/** Theil index, GE(1), with 0·ln 0 = 0. */
export function theilIndex(b: Float64Array): number {
  return generalizedEntropyIndex(b, 1);
}
