import type { OnnxClassifier } from '../model/onnx-classifier.ts';
import type { SeededRandom } from '../random.ts';
import { margins } from './loss.ts';

/**
 * Square Attack, L∞ (Andriushchenko et al., 2020): a score-based black-box attack that needs only the model's
 * outputs. It starts from vertical stripes of ±ε and then, query by query, redraws a random square window
 * (per channel ±ε) and keeps the change when the margin loss drops; the window shrinks on a fixed schedule.
 * Rows stop as soon as they are misclassified, so easy rows cost a few queries.
 */

export interface SquareOptions {
  readonly epsilon: number;
  /** Queries per row, including the initial one. */
  readonly maxQueries: number;
  /** Initial fraction of pixels changed per query (ART's default 0.8; 0.05–0.3 on small images). */
  readonly pInit: number;
  readonly clipMin: number;
  readonly clipMax: number;
}

/** The window-size schedule of the paper, stated for 10,000 iterations and rescaled to the budget. */
export function squareFraction(pInit: number, iteration: number, budget: number): number {
  const it = Math.floor((iteration / budget) * 10_000);
  const steps: [number, number][] = [
    [8000, 512],
    [6000, 256],
    [4000, 128],
    [2000, 64],
    [1000, 32],
    [500, 16],
    [200, 8],
    [50, 4],
    [10, 2],
  ];
  for (const [from, divisor] of steps) if (it > from) return pInit / divisor;
  return pInit;
}

/** Channels, height and width of one row: images are C×H×W; anything else is a 1×1×N strip. */
function layout(rowShape: readonly number[]): [number, number, number] {
  if (rowShape.length === 3) return rowShape as [number, number, number];
  if (rowShape.length === 2) return [1, rowShape[0] as number, rowShape[1] as number];
  return [1, 1, rowShape.reduce((a, b) => a * b, 1)];
}

export async function squareAttack(
  model: OnnxClassifier,
  origin: Float32Array,
  labels: Int32Array,
  o: SquareOptions,
  rng: SeededRandom,
): Promise<{ adversarial: Float32Array; margins: Float64Array; queries: Int32Array }> {
  const rows = labels.length;
  const size = model.rowSize;
  const [channels, height, width] = layout(model.rowShape);
  const clip = (v: number) => Math.min(o.clipMax, Math.max(o.clipMin, v));
  const x = new Float32Array(origin.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < channels; c++)
      for (let w = 0; w < width; w++) {
        const sign = rng.sign();
        for (let h = 0; h < height; h++) {
          const i = r * size + (c * height + h) * width + w;
          x[i] = clip((origin[i] as number) + sign * o.epsilon);
        }
      }
  const best = margins(await model.logits({ data: x, count: rows }), labels, model.classes);
  const queries = new Int32Array(rows).fill(1);
  let active = [...Array(rows).keys()].filter((r) => (best[r] as number) > 0);
  const flat = height === 1;
  for (let iteration = 1; iteration < o.maxQueries && active.length > 0; iteration++) {
    const p = squareFraction(o.pInit, iteration, o.maxQueries);
    // A square of about p·H·W pixels; on a 1-D strip, a segment of p·N values.
    const side = flat
      ? Math.max(1, Math.min(width, Math.round(p * width)))
      : Math.max(1, Math.min(height, width, Math.round(Math.sqrt(p * height * width))));
    const sideH = flat ? 1 : side;
    const candidates = new Float32Array(active.length * size);
    active.forEach((r, k) => {
      const row = candidates.subarray(k * size, (k + 1) * size);
      row.set(x.subarray(r * size, (r + 1) * size));
      const top = rng.int(height - sideH + 1);
      const left = rng.int(width - side + 1);
      for (let c = 0; c < channels; c++) {
        const sign = rng.sign();
        for (let h = top; h < top + sideH; h++)
          for (let w = left; w < left + side; w++) {
            const i = (c * height + h) * width + w;
            row[i] = clip((origin[r * size + i] as number) + sign * o.epsilon);
          }
      }
    });
    const trial = margins(
      await model.logits({ data: candidates, count: active.length }),
      Int32Array.from(active, (r) => labels[r] as number),
      model.classes,
    );
    active.forEach((r, k) => {
      queries[r] = (queries[r] as number) + 1;
      if ((trial[k] as number) < (best[r] as number)) {
        best[r] = trial[k] as number;
        x.set(candidates.subarray(k * size, (k + 1) * size), r * size);
      }
    });
    active = active.filter((r) => (best[r] as number) > 0);
  }
  return { adversarial: x, margins: best, queries };
}
