import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CryptoRandom, SeededTestRandom } from './random.ts';
import { fromNumber, rational, toNumber } from './rational.ts';
import { bernoulliExp, discreteGaussian, discreteLaplace } from './samplers.ts';

// Distribution tests with a seeded generator (the samplers take any RandomSource), so they are reproducible; the
// thresholds are chi-square critical values at p = 0.001, and each test also shows that a wrong scale is rejected.

const N = 20_000;

function histogram(samples: readonly bigint[], cap: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const s of samples) {
    const v = Math.max(-cap, Math.min(cap, Number(s)));
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

/** Chi-square statistic of `samples` against `pmf`, with |x| ≥ cap pooled into two tail bins. */
function chiSquare(
  samples: readonly bigint[],
  pmf: (x: number) => number,
  cap: number,
): { stat: number; bins: number } {
  const counts = histogram(samples, cap);
  let tail = 0;
  for (let x = cap; x < cap * 20; x++) tail += pmf(x);
  let stat = 0;
  let bins = 0;
  for (let x = -cap; x <= cap; x++) {
    const expected = N * (Math.abs(x) === cap ? tail : pmf(x));
    const observed = counts.get(x) ?? 0;
    stat += (observed - expected) ** 2 / expected;
    bins++;
  }
  return { stat, bins };
}

/** Chi-square critical values at p = 0.001 (Wilson–Hilferty approximation). */
function critical(df: number): number {
  const z = 3.09;
  return df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
}

function laplacePmf(b: number) {
  const r = Math.exp(-1 / b);
  return (x: number) => ((1 - r) / (1 + r)) * r ** Math.abs(x);
}

function gaussianPmf(sigma: number) {
  let z = 0;
  for (let x = -50 * sigma; x <= 50 * sigma; x++) z += Math.exp(-(x * x) / (2 * sigma * sigma));
  return (x: number) => Math.exp(-(x * x) / (2 * sigma * sigma)) / z;
}

test('Bernoulli(exp(-γ)) is exact in mean for γ below and above 1', () => {
  const random = new SeededTestRandom('bernoulli-exp');
  for (const gamma of [0.3, 2.7]) {
    let ones = 0;
    for (let i = 0; i < N; i++) if (bernoulliExp(fromNumber(gamma), random)) ones++;
    const p = Math.exp(-gamma);
    const sd = Math.sqrt((p * (1 - p)) / N);
    assert.ok(Math.abs(ones / N - p) < 4 * sd, `γ=${gamma}: ${ones / N} vs ${p}`);
  }
});

test('discrete Laplace: variance, tail and chi-square fit match the exact law; a 20% larger scale is rejected', () => {
  const random = new SeededTestRandom('laplace');
  const b = 4;
  const samples = Array.from({ length: N }, () => discreteLaplace(rational(4n), random));
  const r = Math.exp(-1 / b);
  const variance = (2 * r) / (1 - r) ** 2;
  const observed = samples.reduce((s, x) => s + Number(x) ** 2, 0) / N;
  assert.ok(Math.abs(observed / variance - 1) < 0.05, `variance ${observed} vs ${variance}`);
  const tail = samples.filter((x) => x >= 16n || x <= -16n).length / N; // P(|X| ≥ 16) = 2 r^16 / (1 + r)
  const expectedTail = (2 * r ** 16) / (1 + r);
  assert.ok(
    Math.abs(tail - expectedTail) < 4 * Math.sqrt(expectedTail / N),
    `tail ${tail} vs ${expectedTail}`,
  );
  const fit = chiSquare(samples, laplacePmf(b), 14);
  assert.ok(fit.stat < critical(fit.bins - 1), `chi-square ${fit.stat}`);
  const wrong = chiSquare(samples, laplacePmf(b * 1.2), 14);
  assert.ok(wrong.stat > critical(wrong.bins - 1), 'the test has power against a wrong scale');
});

test('discrete Laplace with a rational scale (7/3) and a fresh crypto source keeps its variance', () => {
  const random = new CryptoRandom();
  const b = 7 / 3;
  const samples = Array.from({ length: N }, () => discreteLaplace(rational(7n, 3n), random));
  const r = Math.exp(-1 / b);
  const variance = (2 * r) / (1 - r) ** 2;
  const observed = samples.reduce((s, x) => s + Number(x) ** 2, 0) / N;
  // Four standard errors of a sample variance (kurtosis of the Laplace law is 6).
  assert.ok(
    Math.abs(observed - variance) < 4 * variance * Math.sqrt(5 / N),
    `variance ${observed} vs ${variance}`,
  );
});

test('discrete Gaussian: variance, tail and chi-square fit; a 20% larger sigma is rejected', () => {
  const random = new SeededTestRandom('gaussian');
  const sigma = 3;
  const samples = Array.from({ length: N }, () => discreteGaussian(rational(9n), random));
  const observed = samples.reduce((s, x) => s + Number(x) ** 2, 0) / N;
  assert.ok(Math.abs(observed / 9 - 1) < 0.05, `variance ${observed}`);
  const pmf = gaussianPmf(sigma);
  let expectedTail = 0;
  for (let x = 9; x < 100; x++) expectedTail += 2 * pmf(x);
  const tail = samples.filter((x) => x >= 9n || x <= -9n).length / N;
  assert.ok(
    Math.abs(tail - expectedTail) < 4 * Math.sqrt(expectedTail / N) + 1e-4,
    `tail ${tail} vs ${expectedTail}`,
  );
  const fit = chiSquare(samples, pmf, 10);
  assert.ok(fit.stat < critical(fit.bins - 1), `chi-square ${fit.stat}`);
  const wrong = chiSquare(samples, gaussianPmf(sigma * 1.2), 10);
  assert.ok(wrong.stat > critical(wrong.bins - 1));
  assert.equal(toNumber(fromNumber(0.1)), 0.1);
});
