import type { OnnxClassifier } from '../model/onnx-classifier.ts';
import type { SeededRandom } from '../random.ts';
import { argmaxRows } from './loss.ts';

/**
 * HopSkipJump (Chen, Jordan and Wainwright, 2020), untargeted, L2: a decision-based black-box attack that needs
 * only the predicted label. From a misclassified starting point it walks along the decision boundary towards
 * the input: estimate the boundary's normal by Monte-Carlo sampling of labels around the boundary point, step
 * along it (geometric step search), and return to the boundary by binary search. The result is, per row, the
 * smallest L2 perturbation found; a row is robust at ε when none within ε was found.
 */

export interface HopSkipJumpOptions {
  readonly iterations: number;
  readonly initialEvaluations: number;
  readonly maxEvaluations: number;
  readonly clipMin: number;
  readonly clipMax: number;
}

export const DEFAULT_HSJ: HopSkipJumpOptions = {
  iterations: 20,
  initialEvaluations: 100,
  maxEvaluations: 1000,
  clipMin: 0,
  clipMax: 1,
};

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  return Math.sqrt(s);
}

/** Decides, per candidate row, whether the model misclassifies it (one batched inference). */
async function adversarial(model: OnnxClassifier, rows: Float32Array[], label: number): Promise<boolean[]> {
  const batch = new Float32Array(rows.length * model.rowSize);
  rows.forEach((r, i) => {
    batch.set(r, i * model.rowSize);
  });
  const predicted = argmaxRows(
    await model.logits({ data: batch, count: rows.length }),
    rows.length,
    model.classes,
  );
  return [...predicted].map((p) => p !== label);
}

/** Binary search on the segment from `x` (correct) to `outside` (adversarial) for the boundary, to `tolerance`. */
async function toBoundary(
  model: OnnxClassifier,
  x: Float32Array,
  outside: Float32Array,
  label: number,
  tolerance: number,
): Promise<Float32Array> {
  let low = 0;
  let high = 1;
  const blend = (t: number) => x.map((v, i) => v + t * ((outside[i] as number) - v));
  while (high - low > tolerance) {
    const mid = (low + high) / 2;
    if ((await adversarial(model, [blend(mid)], label))[0]) high = mid;
    else low = mid;
  }
  return blend(high);
}

/** The smallest adversarial L2 distance found for one row (Infinity when none was found). */
async function attackRow(
  model: OnnxClassifier,
  x: Float32Array,
  label: number,
  o: HopSkipJumpOptions,
  rng: SeededRandom,
): Promise<number> {
  const d = x.length;
  const clip = (v: number) => Math.min(o.clipMax, Math.max(o.clipMin, v));
  // A starting point on the other side of the boundary: uniform noise, tried in batches.
  let start: Float32Array | undefined;
  for (let tries = 0; tries < 10 && !start; tries++) {
    const candidates = Array.from({ length: o.initialEvaluations }, () =>
      Float32Array.from({ length: d }, () => o.clipMin + rng.next() * (o.clipMax - o.clipMin)),
    );
    const hits = await adversarial(model, candidates, label);
    start = candidates[hits.indexOf(true)];
  }
  if (!start) return Number.POSITIVE_INFINITY;
  const theta = 1 / (d * Math.sqrt(d));
  let boundary = await toBoundary(model, x, start, label, theta);
  let distance = norm(boundary.map((v, i) => v - (x[i] as number)));
  for (let t = 1; t <= o.iterations; t++) {
    // Estimate the boundary normal from labels of random points around the boundary point.
    const delta = Math.max(Math.sqrt(d) * theta * distance, 1e-6);
    const samples = Math.min(Math.round(o.initialEvaluations * Math.sqrt(t)), o.maxEvaluations);
    const directions = Array.from({ length: samples }, () => {
      const u = Float64Array.from({ length: d }, () => rng.normal());
      const n = norm(u);
      return u.map((v) => v / n);
    });
    const probes = directions.map((u) => boundary.map((v, i) => clip(v + delta * (u[i] as number))));
    const signs = (await adversarial(model, probes, label)).map((a) => (a ? 1 : -1));
    const mean = signs.reduce((s: number, v) => s + v, 0) / samples;
    const gradient = new Float64Array(d);
    directions.forEach((u, k) => {
      // Baseline subtraction (the paper's variance reduction); plain signs when all agree.
      const weight = Math.abs(mean) === 1 ? (signs[k] as number) : (signs[k] as number) - mean;
      for (let i = 0; i < d; i++) gradient[i] = (gradient[i] as number) + weight * (u[i] as number);
    });
    const g = norm(gradient);
    if (g === 0) break;
    // Geometric step search along the estimated normal, then back to the boundary.
    let step = distance / Math.sqrt(t);
    let next: Float32Array | undefined;
    for (let halvings = 0; halvings < 20; halvings++) {
      const candidate = boundary.map((v, i) => clip(v + (step * (gradient[i] as number)) / g));
      if ((await adversarial(model, [candidate], label))[0]) {
        next = candidate;
        break;
      }
      step /= 2;
    }
    if (!next) break;
    boundary = await toBoundary(model, x, next, label, theta);
    distance = Math.min(distance, norm(boundary.map((v, i) => v - (x[i] as number))));
  }
  return distance;
}

/** Minimal L2 adversarial distances per row (0 for rows already misclassified). */
export async function hopSkipJump(
  model: OnnxClassifier,
  origin: Float32Array,
  labels: Int32Array,
  o: HopSkipJumpOptions,
  rng: SeededRandom,
): Promise<Float64Array> {
  const size = model.rowSize;
  const predicted = argmaxRows(
    await model.logits({ data: origin, count: labels.length }),
    labels.length,
    model.classes,
  );
  const out = new Float64Array(labels.length);
  for (let r = 0; r < labels.length; r++) {
    if (predicted[r] !== labels[r]) continue;
    out[r] = await attackRow(model, origin.slice(r * size, (r + 1) * size), labels[r] as number, o, rng);
  }
  return out;
}
