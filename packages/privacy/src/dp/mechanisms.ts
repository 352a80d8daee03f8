import { PalisadeError } from '@palisade/core';
import type { RandomSource } from './random.ts';
import { ceilDyadic, fromNumber, type Rational, rational, toNumber } from './rational.ts';
import { discreteGaussian, discreteLaplace } from './samplers.ts';

export const MECHANISMS = ['laplace', 'gaussian'] as const;
export type MechanismName = (typeof MECHANISMS)[number];

/** A privacy cost: pure ε-DP (δ = 0, Laplace) or approximate (ε, δ)-DP (Gaussian). */
export interface PrivacyCost {
  readonly epsilon: number;
  readonly delta: number;
}

export function checkCost(mechanism: MechanismName, cost: PrivacyCost): void {
  if (!(cost.epsilon > 0 && Number.isFinite(cost.epsilon)))
    throw new PalisadeError('USAGE', `epsilon must be a positive number, not ${cost.epsilon}.`);
  if (mechanism === 'laplace' && cost.delta !== 0)
    throw new PalisadeError(
      'USAGE',
      'The Laplace mechanism is pure ε-DP: leave delta at 0, or use the Gaussian mechanism.',
    );
  if (mechanism === 'gaussian' && !(cost.delta > 0 && cost.delta < 1))
    throw new PalisadeError(
      'USAGE',
      'The Gaussian mechanism needs 0 < delta < 1 (typically 1e-6 … 1e-9, well below 1/n).',
    );
}

/** Laplace scale b = Δ₁/ε, exactly (ε is taken as the exact rational value of the double given). */
export function laplaceScale(l1: bigint, epsilon: number): Rational {
  const e = fromNumber(epsilon);
  return rational(l1 * e.den, e.num);
}

/**
 * Gaussian variance through zero-concentrated DP: the discrete Gaussian with σ² = Δ₂²/(2ρ) is ρ-zCDP (Canonne et
 * al. 2020, Thm 4), and ρ-zCDP implies (ρ + 2√(ρ ln(1/δ)), δ)-DP (Bun & Steinke 2016). We solve for the largest ρ
 * within the requested (ε, δ) and round σ² up, which only adds privacy.
 */
export function gaussianVariance(l2: bigint, cost: PrivacyCost): Rational {
  const log = Math.log(1 / cost.delta);
  const sqrtRho = Math.sqrt(log + cost.epsilon) - Math.sqrt(log);
  const rho = sqrtRho * sqrtRho * (1 - 1e-9);
  return ceilDyadic((Number(l2) * Number(l2)) / (2 * rho));
}

export interface NoisyValue {
  readonly value: bigint;
  /** b for Laplace, σ for Gaussian, in the units of the value. */
  readonly scale: number;
}

/** Adds noise calibrated to the sensitivity (in the value's integer units) and the privacy cost. */
export function addNoise(
  value: bigint,
  mechanism: MechanismName,
  sensitivity: { readonly l1: bigint; readonly l2: bigint },
  cost: PrivacyCost,
  random: RandomSource,
): NoisyValue {
  checkCost(mechanism, cost);
  if (mechanism === 'laplace') {
    const b = laplaceScale(sensitivity.l1, cost.epsilon);
    return { value: value + discreteLaplace(b, random), scale: toNumber(b) };
  }
  const s2 = gaussianVariance(sensitivity.l2, cost);
  return { value: value + discreteGaussian(s2, random), scale: Math.sqrt(toNumber(s2)) };
}
