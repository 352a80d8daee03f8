import { PalisadeError } from '@palisade/core';
import { permutation, seededRandom } from '../stats/random.ts';
import type { PredictModel } from './model.ts';

export const SCORINGS = ['accuracy', 'r2', 'neg_mean_squared_error'] as const;
export type Scoring = (typeof SCORINGS)[number];

export interface PermutationImportance {
  readonly scoring: Scoring;
  readonly baseline: number;
  /** Per feature: mean and (population) standard deviation of baseline − permuted score over the repeats. */
  readonly importances: readonly {
    readonly mean: number;
    readonly std: number;
    readonly repeats: readonly number[];
  }[];
}

export interface PermutationOptions {
  readonly scoring?: Scoring;
  readonly repeats?: number;
  readonly seed?: number;
}

/** Accuracy: the arg-max output (or output ≥ 0.5 for a single output) against integer class labels. */
function accuracy(out: Float64Array, outputs: number, labels: Float64Array): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let predicted: number;
    if (outputs === 1) predicted = (out[r] as number) >= 0.5 ? 1 : 0;
    else {
      predicted = 0;
      for (let k = 1; k < outputs; k++)
        if ((out[r * outputs + k] as number) > (out[r * outputs + predicted] as number)) predicted = k;
    }
    if (predicted === labels[r]) correct++;
  }
  return correct / labels.length;
}

function score(scoring: Scoring, out: Float64Array, outputs: number, labels: Float64Array): number {
  if (scoring === 'accuracy') return accuracy(out, outputs, labels);
  let mean = 0;
  for (const y of labels) mean += y;
  mean /= labels.length;
  let residual = 0;
  let totalSquares = 0;
  for (let r = 0; r < labels.length; r++) {
    residual += ((labels[r] as number) - (out[r * outputs] as number)) ** 2;
    totalSquares += ((labels[r] as number) - mean) ** 2;
  }
  return scoring === 'r2' ? 1 - residual / totalSquares : -residual / labels.length;
}

/**
 * Permutation importance as scikit-learn's `permutation_importance`: the drop in score when one feature's column
 * is shuffled, repeated (default 5) with a seeded permutation, reported as mean and standard deviation.
 */
export async function permutationImportance(
  model: PredictModel,
  rows: Float64Array,
  count: number,
  labels: Float64Array,
  options: PermutationOptions = {},
): Promise<PermutationImportance> {
  const scoring = options.scoring ?? (model.outputs > 1 ? 'accuracy' : 'r2');
  if (scoring === 'accuracy' && labels.some((y) => !Number.isInteger(y) || y < 0)) {
    throw new PalisadeError(
      'USAGE',
      'Accuracy needs class indices (0, 1, …) as labels; use --scoring r2 for a regression.',
    );
  }
  const m = model.inputs;
  const repeats = options.repeats ?? 5;
  const random = seededRandom(options.seed ?? 0);
  const baseline = score(scoring, await model.predict(rows, count), model.outputs, labels);
  const shuffled = new Float64Array(rows);
  const importances = [];
  for (let feature = 0; feature < m; feature++) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const order = permutation(count, random);
      for (let i = 0; i < count; i++)
        shuffled[i * m + feature] = rows[(order[i] as number) * m + feature] as number;
      drops.push(baseline - score(scoring, await model.predict(shuffled, count), model.outputs, labels));
    }
    for (let i = 0; i < count; i++) shuffled[i * m + feature] = rows[i * m + feature] as number;
    const mean = drops.reduce((a, b) => a + b, 0) / repeats;
    const std = Math.sqrt(drops.reduce((a, b) => a + (b - mean) ** 2, 0) / repeats);
    importances.push({ mean, std, repeats: drops });
  }
  return { scoring, baseline, importances };
}
