import { logGamma } from './gamma.ts';

/**
 * The exact one-sample Kolmogorov–Smirnov distribution D_n (scipy.stats.kstwo), which scipy's asymptotic
 * two-sample p-value evaluates at n = round(n1·n2/(n1+n2)). The same regions as scipy choose the same method:
 * closed forms at the ends (Ruben–Gambino), the one-sided Smirnov sum in the upper tail, the Durbin matrix
 * (Marsaglia–Tsang–Wang) where it is affordable, and the Pelz–Good expansion for large n.
 */
export function kolmogorovSf(n: number, x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let cdf = 1;
    for (let i = 1; i <= n; i++) cdf *= (i / n) * (2 * t - 1);
    return 1 - cdf;
  }
  if (t >= n - 1) return 2 * (1 - x) ** n;
  if (x >= 0.5) return clip(2 * smirnovSf(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 4) return clip(1 - durbinCdf(n, x));
    return clip(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip(2 * smirnovSf(n, x));
  if (nx2 >= 18) return 0;
  if (n <= 100_000 && n * x ** 1.5 <= 1.4) return clip(1 - durbinCdf(n, x));
  return clip(pelzGoodSf(n, x));
}

function clip(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/**
 * One-sided P(D⁺_n ≥ x) by the Birnbaum–Tingey sum x·Σ_j C(n, j)(1 − x − j/n)^{n−j}(x + j/n)^{j−1}. Each term is
 * a binomial probability at p = x + j/n divided by p, evaluated with Loader's saddle-point form so that large n
 * keeps full precision (the terms are all positive, so the sum keeps it too).
 */
export function smirnovSf(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const last = Math.floor(n * (1 - x));
  let sum = Math.exp(n * Math.log1p(-x)) / x;
  for (let j = 1; j <= last; j++) {
    const p = x + j / n;
    const q = 1 - x - j / n;
    if (q <= 0) break;
    sum += binomialPmf(j, n, p, q) / p;
  }
  return x * sum;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(n + 1) − (n + ½)·ln n + n − ½·ln 2π, the error of Stirling's formula. */
function stirlingError(n: number): number {
  if (n > 15) {
    const n2 = n * n;
    return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / 1188 / n2) / n2) / n2) / n2) / n;
  }
  return logGamma(n + 1) - (n + 0.5) * Math.log(n) + n - HALF_LOG_2PI;
}

/** x·ln(x/m) + m − x without cancellation when x is close to m. */
function deviance(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    const v = (x - m) / (x + m);
    let s = (x - m) * v;
    let e = 2 * x * v;
    const v2 = v * v;
    for (let j = 1; j < 1000; j++) {
      e *= v2;
      const next = s + e / (2 * j + 1);
      if (next === s) return s;
      s = next;
    }
    return s;
  }
  return x * Math.log(x / m) + m - x;
}

/** C(n, k)·p^k·q^(n−k) for 0 < k < n (Loader 2000). */
function binomialPmf(k: number, n: number, p: number, q: number): number {
  const lc =
    stirlingError(n) - stirlingError(k) - stirlingError(n - k) - deviance(k, n * p) - deviance(n - k, n * q);
  return Math.exp(lc) * Math.sqrt(n / (2 * Math.PI * k * (n - k)));
}

/** P(D_n < d) by Marsaglia, Tsang and Wang (2003): the (k, k) entry of Hⁿ, with a decimal exponent kept aside. */
export function durbinCdf(n: number, d: number): number {
  const k = Math.floor(n * d) + 1;
  const m = 2 * k - 1;
  const h = k - n * d;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) H[i * m + j] = i - j + 1 >= 0 ? 1 : 0;
  for (let i = 0; i < m; i++) {
    H[i * m] = (H[i * m] as number) - h ** (i + 1);
    H[(m - 1) * m + i] = (H[(m - 1) * m + i] as number) - h ** (m - i);
  }
  H[(m - 1) * m] = (H[(m - 1) * m] as number) + (2 * h - 1 > 0 ? (2 * h - 1) ** m : 0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let v = H[i * m + j] as number;
      for (let g = 1; g <= i - j + 1; g++) v /= g;
      H[i * m + j] = v;
    }
  }
  const { matrix, exponent } = matrixPower(H, m, n);
  let s = matrix[(k - 1) * m + (k - 1)] as number;
  let e = exponent;
  for (let i = 1; i <= n; i++) {
    s = (s * i) / n;
    if (s < 1e-140) {
      s *= 1e140;
      e -= 140;
    }
  }
  return s * 10 ** e;
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l] as number;
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j] = (c[i * m + j] as number) + ail * (b[l * m + j] as number);
    }
  }
  return c;
}

function matrixPower(H: Float64Array, m: number, n: number): { matrix: Float64Array; exponent: number } {
  if (n === 1) return { matrix: H, exponent: 0 };
  const half = matrixPower(H, m, Math.floor(n / 2));
  let matrix = multiply(half.matrix, half.matrix, m);
  let exponent = 2 * half.exponent;
  if (n % 2 === 1) matrix = multiply(H, matrix, m);
  const centre = matrix[Math.floor(m / 2) * m + Math.floor(m / 2)] as number;
  if (centre > 1e140) {
    for (let i = 0; i < matrix.length; i++) matrix[i] = (matrix[i] as number) * 1e-140;
    exponent += 140;
  }
  return { matrix, exponent };
}

const PI2 = Math.PI ** 2;
const PI4 = PI2 ** 2;
const PI6 = PI4 * PI2;
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * 1 − P(D_n ≤ x) by the Pelz–Good (1976) expansion K0 + K1/√n + K2/n + K3/n^{3/2} of the Li-Chien–Korolyuk
 * approximation, in its Jacobi-theta form that converges fast for small z = x√n.
 */
export function pelzGoodSf(n: number, x: number): number {
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 1;
  const q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z6 * z2;
  const K = [0, 0, 0, 0];
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qPower = q ** (8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = (K[i] as number) * qPower + (coeffs[i] as number);
  }
  const scale = [z, 6 * z4, 72 * z6 * z, 6480 * z4 * z6];
  for (let i = 0; i < 4; i++) K[i] = ((K[i] as number) * q * SQRT_2PI) / (scale[i] as number);
  const q2 = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxK; k > 0; k--) {
    const k2 = k * k;
    const qPower = q2 ** k2;
    const kPi = Math.PI * k;
    k2extra += k2 * qPower;
    k3extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qPower;
  }
  K[2] = (K[2] as number) + (k2extra * PI2 * SQRT_2PI) / (-36 * z2 * z);
  K[3] = (K[3] as number) + (k3extra * PI2 * SQRT_2PI) / (216 * z6);
  let cdf = 0;
  for (let i = 0; i < 4; i++) cdf += (K[i] as number) / n ** (i / 2);
  return 1 - cdf;
}
