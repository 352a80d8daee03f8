import type { RandomSource } from './random.ts';
import { floor, type Rational, rational, sub } from './rational.ts';

/**
 * Exact samplers of Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020),
 * Algorithms 1–3: only integer arithmetic on exact rationals and uniform integers, so no floating-point artefact
 * can leak the true value (Mironov 2012).
 */

export function bernoulli(p: Rational, random: RandomSource): boolean {
  return random.below(p.den) < p.num;
}

/** Bernoulli(exp(−γ)) for rational γ ≥ 0 (Algorithm 1). */
export function bernoulliExp(gamma: Rational, random: RandomSource): boolean {
  if (gamma.num < 0n) throw new RangeError('gamma must be non-negative');
  let g = gamma;
  while (g.num > g.den) {
    if (!bernoulliExpUnit(rational(1n), random)) return false;
    g = sub(g, rational(1n));
  }
  return bernoulliExpUnit(g, random);
}

/** Bernoulli(exp(−γ)) for γ in [0, 1]: K is the first k with A_k = 0; return K odd. */
function bernoulliExpUnit(gamma: Rational, random: RandomSource): boolean {
  let k = 1n;
  while (bernoulli(rational(gamma.num, gamma.den * k), random)) k++;
  return k % 2n === 1n;
}

/** Discrete Laplace: P(x) ∝ exp(−|x|/scale), scale = t/s for positive integers s, t (Algorithm 2). */
export function discreteLaplace(scale: Rational, random: RandomSource): bigint {
  const t = scale.num;
  const s = scale.den;
  if (t <= 0n) throw new RangeError('scale must be positive');
  for (;;) {
    const u = random.below(t);
    if (!bernoulliExp(rational(u, t), random)) continue;
    let v = 0n;
    while (bernoulliExp(rational(1n), random)) v++;
    const x = u + t * v;
    const y = x / s;
    const negative = bernoulli(rational(1n, 2n), random);
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

/** Discrete Gaussian: P(x) ∝ exp(−x²/2σ²) for rational σ² > 0 (Algorithm 3). */
export function discreteGaussian(sigma2: Rational, random: RandomSource): bigint {
  if (sigma2.num <= 0n) throw new RangeError('variance must be positive');
  // t = ⌊σ⌋ + 1, with ⌊σ⌋ computed exactly as the integer square root of ⌊σ²⌋ adjusted upward.
  let root = isqrt(floor(sigma2));
  while ((root + 1n) * (root + 1n) * sigma2.den <= sigma2.num) root++;
  const t = root + 1n;
  for (;;) {
    const y = discreteLaplace(rational(t), random);
    const abs = y < 0n ? -y : y;
    // γ = (|y| − σ²/t)² / (2σ²) as one exact fraction.
    const a = abs * t * sigma2.den - sigma2.num; // (|y| − σ²/t) · t · den
    const num = a * a;
    const den = t * t * sigma2.den * sigma2.den * 2n;
    const gamma = rational(num * sigma2.den, den * sigma2.num);
    if (bernoulliExp(gamma, random)) return y;
  }
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}
