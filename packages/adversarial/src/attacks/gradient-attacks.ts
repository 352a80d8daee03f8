import type { OnnxClassifier } from '../model/onnx-classifier.ts';
import type { SeededRandom } from '../random.ts';
import { type LossName, marginCotangent, margins } from './loss.ts';

/**
 * White-box evasion: FGSM (one step of size ε) and PGD (iterated steps projected back onto the ε-ball, with
 * optional random starts and restarts), under the L∞ or L2 norm, inputs clipped to the valid range. The
 * gradient comes from the model's VJP graph; the loss is chosen by the caller (cross-entropy as in ART and
 * the PyTorch reference, or the margin loss, which does not saturate).
 */

export type Norm = 'linf' | 'l2';

export interface GradientAttackOptions {
  readonly epsilon: number;
  readonly norm: Norm;
  readonly steps: number;
  readonly stepSize: number;
  readonly restarts: number;
  readonly randomStart: boolean;
  readonly loss: LossName;
  readonly clipMin: number;
  readonly clipMax: number;
}

/** One row's perturbation step, in place: L∞ takes the sign, L2 the normalised gradient. */
function step(
  x: Float32Array,
  g: Float32Array,
  from: number,
  size: number,
  norm: Norm,
  stepSize: number,
): void {
  if (norm === 'linf') {
    for (let i = from; i < from + size; i++) {
      const v = g[i] as number;
      // sign(0) = 0: a zero gradient entry is left alone (tf.sign-style underflow to 0 is avoided upstream by
      // computing the cotangent in float64).
      x[i] = (x[i] as number) + stepSize * ((v > 0 ? 1 : 0) - (v < 0 ? 1 : 0));
    }
    return;
  }
  let n = 0;
  for (let i = from; i < from + size; i++) n += (g[i] as number) ** 2;
  n = Math.sqrt(n);
  if (n === 0) return;
  for (let i = from; i < from + size; i++) x[i] = (x[i] as number) + (stepSize * (g[i] as number)) / n;
}

/** Projects row `x` back onto the ε-ball around `origin` and into [clipMin, clipMax]. */
function project(
  x: Float32Array,
  origin: Float32Array,
  from: number,
  size: number,
  o: GradientAttackOptions,
): void {
  if (o.norm === 'linf') {
    for (let i = from; i < from + size; i++) {
      const lo = Math.max(o.clipMin, (origin[i] as number) - o.epsilon);
      const hi = Math.min(o.clipMax, (origin[i] as number) + o.epsilon);
      x[i] = Math.min(hi, Math.max(lo, x[i] as number));
    }
    return;
  }
  let n = 0;
  for (let i = from; i < from + size; i++) n += ((x[i] as number) - (origin[i] as number)) ** 2;
  n = Math.sqrt(n);
  const scale = n > o.epsilon ? o.epsilon / n : 1;
  for (let i = from; i < from + size; i++) {
    const v = (origin[i] as number) + ((x[i] as number) - (origin[i] as number)) * scale;
    x[i] = Math.min(o.clipMax, Math.max(o.clipMin, v));
  }
}

function randomStart(
  x: Float32Array,
  origin: Float32Array,
  size: number,
  o: GradientAttackOptions,
  rng: SeededRandom,
) {
  for (let r = 0; r * size < x.length; r++) {
    const from = r * size;
    if (o.norm === 'linf')
      for (let i = from; i < from + size; i++)
        x[i] = (origin[i] as number) + (2 * rng.next() - 1) * o.epsilon;
    else {
      // A uniform point in the L2 ball: a Gaussian direction, radius ε·u^(1/d).
      const d = new Float64Array(size);
      let n = 0;
      for (let i = 0; i < size; i++) {
        d[i] = rng.normal();
        n += (d[i] as number) ** 2;
      }
      const radius = (o.epsilon * rng.next() ** (1 / size)) / Math.sqrt(n);
      for (let i = 0; i < size; i++) x[from + i] = (origin[from + i] as number) + (d[i] as number) * radius;
    }
    project(x, origin, from, size, o);
  }
}

/**
 * Attacks one batch; returns the adversarial rows (the most damaging restart per row: lowest margin) and their
 * final margins (negative = fooled).
 */
export async function gradientAttack(
  model: OnnxClassifier,
  origin: Float32Array,
  labels: Int32Array,
  o: GradientAttackOptions,
  rng: SeededRandom,
): Promise<{ adversarial: Float32Array; margins: Float64Array }> {
  const rows = labels.length;
  const size = model.rowSize;
  const best = Float32Array.from(origin);
  const bestMargins = new Float64Array(rows).fill(Number.POSITIVE_INFINITY);
  for (let restart = 0; restart < Math.max(1, o.restarts); restart++) {
    const x = Float32Array.from(origin);
    if (o.randomStart) randomStart(x, origin, size, o, rng);
    for (let s = 0; s < o.steps; s++) {
      const batch = { data: x, count: rows };
      // Cross-entropy is computed in the graph (one run); another loss needs the logits at x first.
      const { gradient } =
        o.loss === 'ce'
          ? await model.crossEntropyGradient(batch, labels)
          : await model.gradient(batch, marginCotangent(await model.logits(batch), labels, model.classes));
      for (let r = 0; r < rows; r++) {
        step(x, gradient, r * size, size, o.norm, o.stepSize);
        project(x, origin, r * size, size, o);
      }
    }
    const final = margins(await model.logits({ data: x, count: rows }), labels, model.classes);
    for (let r = 0; r < rows; r++)
      if ((final[r] as number) < (bestMargins[r] as number)) {
        bestMargins[r] = final[r] as number;
        best.set(x.subarray(r * size, (r + 1) * size), r * size);
      }
  }
  return { adversarial: best, margins: bestMargins };
}
