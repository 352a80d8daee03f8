import { FEATURE_COUNT, features } from './features.ts';

/**
 * Logistic regression over the hashed features, trained offline by `scripts/train-prompt-guard.ts` on the
 * committed training set and shipped as a sparse JSON file (no download at run time). Training is
 * deterministic (fixed order, fixed epochs), so the shipped weights can be checked against a retrain.
 */

export interface GuardModel {
  readonly version: 1;
  readonly bias: number;
  /** Sparse weights: [featureIndex, weight] pairs. */
  readonly weights: readonly (readonly [number, number])[];
}

export interface LabelledText {
  readonly text: string;
  readonly label: 0 | 1;
}

/** The probability that `text` is a prompt-injection attempt. */
export function score(model: GuardModel, text: string): number {
  const w = denseWeights(model);
  let z = model.bias;
  for (const [i, v] of features(text)) z += (w[i] as number) * v;
  return 1 / (1 + Math.exp(-z));
}

const dense = new WeakMap<GuardModel, Float64Array>();
function denseWeights(model: GuardModel): Float64Array {
  let w = dense.get(model);
  if (!w) {
    w = new Float64Array(FEATURE_COUNT);
    for (const [i, v] of model.weights) if (i >= 0 && i < FEATURE_COUNT) w[i] = v;
    dense.set(model, w);
  }
  return w;
}

/** Plain SGD on the log loss with L2 regularisation, in the order given, for a fixed number of epochs. */
export function train(examples: readonly LabelledText[], epochs = 30, rate = 0.5, l2 = 1e-4): GuardModel {
  const w = new Float64Array(FEATURE_COUNT);
  let bias = 0;
  const xs = examples.map((e) => features(e.text));
  for (let epoch = 0; epoch < epochs; epoch++) {
    const step = rate / (1 + epoch * 0.1);
    xs.forEach((x, k) => {
      let z = bias;
      for (const [i, v] of x) z += (w[i] as number) * v;
      const error = 1 / (1 + Math.exp(-z)) - (examples[k] as LabelledText).label;
      for (const [i, v] of x) w[i] = (w[i] as number) - step * (error * v + l2 * (w[i] as number));
      bias -= step * error;
    });
  }
  const weights: [number, number][] = [];
  w.forEach((v, i) => {
    const rounded = Math.round(v * 1e4) / 1e4;
    if (rounded !== 0) weights.push([i, rounded]);
  });
  return { version: 1, bias: Math.round(bias * 1e4) / 1e4, weights };
}
