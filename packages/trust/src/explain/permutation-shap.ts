import { permutation, seededRandom } from '../stats/random.ts';
import { coalitionValues, varyingFeatures } from './coalitions.ts';
import type { Explanation, ShapleyInput } from './shapley.ts';

export interface PermutationShapOptions {
  /** Model evaluations (coalitions) to spend (SHAP's PermutationExplainer: max_evals = 500). */
  readonly maxEvals?: number;
  readonly seed?: number;
}

/**
 * SHAP's PermutationExplainer: for each random feature order, switch the features on one by one (from the
 * background to x) and then off again in the same order — the antithetic pair — and credit each feature with the
 * change it causes; 2·M + 1 coalitions per order, max_evals // (2·M + 1) orders (at least one). The attributions add
 * up to f(x) − E[f] for every order, and pairwise interactions are split exactly.
 */
export async function permutationShap(
  input: ShapleyInput,
  options: PermutationShapOptions = {},
): Promise<Explanation> {
  const output = input.output ?? 0;
  const active = varyingFeatures(input.x, input.background, input.backgroundRows);
  const m = active.length;
  const values = new Float64Array(input.model.inputs);
  const random = seededRandom(options.seed ?? 0);
  const orders = m === 0 ? 1 : Math.max(1, Math.floor((options.maxEvals ?? 500) / (2 * m + 1)));
  const masks: Uint8Array[] = [];
  const sequences: Int32Array[] = [];
  for (let o = 0; o < orders; o++) {
    const order = permutation(m, random);
    sequences.push(order);
    const mask = new Uint8Array(m);
    masks.push(mask.slice());
    for (const i of order) {
      mask[i] = 1;
      masks.push(mask.slice());
    }
    for (const i of order) {
      mask[i] = 0;
      masks.push(mask.slice());
    }
  }
  const v = await coalitionValues(
    input.model,
    input.x,
    input.background,
    input.backgroundRows,
    masks,
    active,
    output,
  );
  const step = 2 * m + 1;
  sequences.forEach((order, o) => {
    const base = o * step;
    order.forEach((i, k) => {
      const on = (v[base + k + 1] as number) - (v[base + k] as number);
      const off = (v[base + m + k] as number) - (v[base + m + k + 1] as number);
      const feature = active[i] as number;
      values[feature] = (values[feature] as number) + (on + off) / (2 * orders);
    });
  });
  return {
    baseValue: v[0] as number,
    prediction: v[m] as number,
    values,
    method: 'permutation',
    coalitions: masks.length,
  };
}
