/**
 * A model seen from outside: rows of `inputs` numbers in, `outputs` numbers per row out (class scores, or one
 * regression value). Explainers only ever call `predict`, in batches.
 */
export interface PredictModel {
  readonly inputs: number;
  readonly outputs: number;
  /** `count` rows, row-major, → `count × outputs` values, row-major. */
  predict(rows: Float64Array, count: number): Promise<Float64Array>;
}

/** A model from a plain function of one row (tests, and models written in JavaScript). */
export function functionModel(
  inputs: number,
  outputs: number,
  f: (row: Float64Array) => number[] | number,
): PredictModel {
  return {
    inputs,
    outputs,
    async predict(rows, count) {
      const out = new Float64Array(count * outputs);
      for (let r = 0; r < count; r++) {
        const y = f(rows.subarray(r * inputs, (r + 1) * inputs));
        if (typeof y === 'number') out[r * outputs] = y;
        else out.set(y, r * outputs);
      }
      return out;
    },
  };
}
