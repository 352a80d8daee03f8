/**
 * Wasserstein-1 distance between two ascending samples, optionally weighted (scipy.stats.wasserstein_distance):
 * the integral of |F_u − F_v| over the merged support, in one pass.
 */
export function wasserstein1(
  u: Float64Array,
  v: Float64Array,
  uWeights?: Float64Array,
  vWeights?: Float64Array,
): number {
  if (uWeights || vWeights) return weightedWasserstein1(u, v, uWeights, vWeights);
  // Unweighted: the CDFs step by 1/n and 1/m, so walk both samples as integers and divide once per step.
  const n = u.length;
  const m = v.length;
  let i = 0;
  let j = 0;
  let distance = 0;
  let previous = Math.min(u[0] as number, v[0] as number);
  while (i < n || j < m) {
    const a = i < n ? (u[i] as number) : Infinity;
    const b = j < m ? (v[j] as number) : Infinity;
    const x = Math.min(a, b);
    distance += Math.abs(i / n - j / m) * (x - previous);
    while (i < n && u[i] === x) i++;
    while (j < m && v[j] === x) j++;
    previous = x;
  }
  return distance;
}

function weightedWasserstein1(
  u: Float64Array,
  v: Float64Array,
  uWeights?: Float64Array,
  vWeights?: Float64Array,
): number {
  const uTotal = uWeights ? uWeights.reduce((s, w) => s + w, 0) : u.length;
  const vTotal = vWeights ? vWeights.reduce((s, w) => s + w, 0) : v.length;
  let i = 0;
  let j = 0;
  let uMass = 0;
  let vMass = 0;
  let distance = 0;
  let previous = Math.min(u[0] as number, v[0] as number);
  while (i < u.length || j < v.length) {
    const x = Math.min(
      i < u.length ? (u[i] as number) : Infinity,
      j < v.length ? (v[j] as number) : Infinity,
    );
    distance += Math.abs(uMass / uTotal - vMass / vTotal) * (x - previous);
    for (; i < u.length && u[i] === x; i++) uMass += uWeights ? (uWeights[i] as number) : 1;
    for (; j < v.length && v[j] === x; j++) vMass += vWeights ? (vWeights[j] as number) : 1;
    previous = x;
  }
  return distance;
}

/** numpy.std (population, ddof = 0), two-pass for precision. */
export function populationStd(values: Float64Array): number {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return Math.sqrt(squares / values.length);
}

/** Evidently's `wasserstein` test: W1(reference, current) / max(std(reference), 0.001). */
export function wassersteinNormed(reference: Float64Array, current: Float64Array): number {
  return wasserstein1(reference, current) / Math.max(populationStd(reference), 0.001);
}
