/** Population stability index Σ (q − p)·ln(q / p) over matching shares (Evidently's `psi`). */
export function psi(reference: Float64Array, current: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i] as number;
    const q = current[i] as number;
    sum += (p - q) * Math.log(p / q);
  }
  return sum;
}

function relativeEntropy(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** Jensen–Shannon distance (scipy.spatial.distance.jensenshannon): both vectors normalised first; base e unless given. */
export function jensenShannon(p: Float64Array, q: Float64Array, base?: number): number {
  const ps = p.reduce((s, v) => s + v, 0);
  const qs = q.reduce((s, v) => s + v, 0);
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const a = (p[i] as number) / ps;
    const b = (q[i] as number) / qs;
    const m = (a + b) / 2;
    left += relativeEntropy(a, m);
    right += relativeEntropy(b, m);
  }
  let js = left + right;
  if (base !== undefined) js /= Math.log(base);
  return Math.sqrt(js / 2);
}
