import type { PredictModel } from './model.ts';

/** Rows per model call: large enough to amortise the call, small enough to bound memory. */
const MAX_BATCH_ROWS = 32_768;

/**
 * The interventional value of each coalition: v(S) = mean over background rows b of f(x_S, b_rest)[output], where
 * `masks[k]` marks the features taken from x. Features outside `active` always come from x (they do not vary).
 */
export async function coalitionValues(
  model: PredictModel,
  x: Float64Array,
  background: Float64Array,
  backgroundRows: number,
  masks: readonly Uint8Array[],
  active: readonly number[],
  output: number,
): Promise<Float64Array> {
  const m = model.inputs;
  const values = new Float64Array(masks.length);
  const perBatch = Math.max(1, Math.floor(MAX_BATCH_ROWS / backgroundRows));
  const fixed = Array.from({ length: m }, (_, i) => i).filter((i) => !active.includes(i));
  for (let start = 0; start < masks.length; start += perBatch) {
    const end = Math.min(masks.length, start + perBatch);
    const count = (end - start) * backgroundRows;
    const rows = new Float64Array(count * m);
    for (let k = start; k < end; k++) {
      const mask = masks[k] as Uint8Array;
      for (let b = 0; b < backgroundRows; b++) {
        const at = ((k - start) * backgroundRows + b) * m;
        rows.set(background.subarray(b * m, (b + 1) * m), at);
        for (const i of fixed) rows[at + i] = x[i] as number;
        for (let j = 0; j < active.length; j++) {
          const feature = active[j] as number;
          if (mask[j]) rows[at + feature] = x[feature] as number;
        }
      }
    }
    const out = await model.predict(rows, count);
    for (let k = start; k < end; k++) {
      let sum = 0;
      for (let b = 0; b < backgroundRows; b++)
        sum += out[((k - start) * backgroundRows + b) * model.outputs + output] as number;
      values[k] = sum / backgroundRows;
    }
  }
  return values;
}

/** The features of x that differ from at least one background row: only they can have a non-zero Shapley value. */
export function varyingFeatures(x: Float64Array, background: Float64Array, backgroundRows: number): number[] {
  const m = x.length;
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let b = 0; b < backgroundRows; b++) {
      if (background[b * m + i] !== x[i]) {
        out.push(i);
        break;
      }
    }
  }
  return out;
}

/** ln C(n, k). */
export function logBinomial(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}
