/**
 * The Shapiro–Wilk W statistic of normality with Royston's (1992) approximation of the coefficients, as in
 * R's and SciPy's swilk for 3 ≤ n ≤ 5000. W near 1: the sample looks normal; small W: it does not.
 */

/** Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation with one Newton step). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const horner = (k: number[], x: number) => k.reduce((acc, v) => acc * x + v, 0);
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = horner(c, q) / (horner(d, q) * q + 1);
  } else if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -horner(c, q) / (horner(d, q) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (horner(a, r) * q) / (horner(b, r) * r + 1);
  }
  // One Newton–Halley step against the exact CDF brings the error to ~1e-15.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** The complementary error function (a Chebyshev fit with relative error < 1.2e-7; the quantile's Newton step needs no more). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Σ k_i x^i. */
const poly = (k: readonly number[], x: number) => k.reduce((acc, v, i) => acc + v * x ** i, 0);

/** W for a sample of 3 to 5000 values; NaN when the sample is constant or out of range. */
export function shapiroWilk(sample: ArrayLike<number>): number {
  const n = sample.length;
  if (n < 3 || n > 5000) return Number.NaN;
  const x = Float64Array.from(sample).sort();
  const range = (x[n - 1] as number) - (x[0] as number);
  if (range <= 0) return Number.NaN;
  const a = new Float64Array(n);
  if (n === 3) {
    a[0] = -Math.SQRT1_2;
    a[2] = Math.SQRT1_2;
  } else {
    const m = Float64Array.from({ length: n }, (_, i) => normalQuantile((i + 1 - 0.375) / (n + 0.25)));
    const mm = m.reduce((s, v) => s + v * v, 0);
    const u = 1 / Math.sqrt(n);
    const mn = m[n - 1] as number;
    const mn1 = m[n - 2] as number;
    const an = mn / Math.sqrt(mm) + poly([0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056], u);
    if (n > 5) {
      const an1 = mn1 / Math.sqrt(mm) + poly([0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633], u);
      const eps = (mm - 2 * mn * mn - 2 * mn1 * mn1) / (1 - 2 * an * an - 2 * an1 * an1);
      for (let i = 2; i < n - 2; i++) a[i] = (m[i] as number) / Math.sqrt(eps);
      a[n - 2] = an1;
      a[1] = -an1;
    } else {
      const eps = (mm - 2 * mn * mn) / (1 - 2 * an * an);
      for (let i = 1; i < n - 1; i++) a[i] = (m[i] as number) / Math.sqrt(eps);
    }
    a[n - 1] = an;
    a[0] = -an;
  }
  let mean = 0;
  for (const v of x) mean += v;
  mean /= n;
  let ss = 0;
  let num = 0;
  for (let i = 0; i < n; i++) {
    ss += ((x[i] as number) - mean) ** 2;
    num += (a[i] as number) * (x[i] as number);
  }
  return Math.min(1, (num * num) / ss);
}
