import { PalisadeError } from '@palisade/core';
import { seededRandom } from '../stats/random.ts';
import { coalitionValues, logBinomial, varyingFeatures } from './coalitions.ts';
import type { PredictModel } from './model.ts';

/** Exact enumeration costs 2^M coalitions × background rows: allowed up to this many varying features. */
export const MAX_EXACT_FEATURES = 16;

export interface Explanation {
  /** E[f(background)] for the explained output: the value the attributions start from. */
  readonly baseValue: number;
  /** f(x) for the explained output; baseValue + Σ values = prediction. */
  readonly prediction: number;
  /** One attribution per input feature. */
  readonly values: Float64Array;
  readonly method: 'exact' | 'kernel' | 'permutation';
  /** Coalitions evaluated (each costs one model call per background row). */
  readonly coalitions: number;
}

export interface ShapleyInput {
  readonly model: PredictModel;
  readonly x: Float64Array;
  /** Background rows, row-major, `backgroundRows × model.inputs`. */
  readonly background: Float64Array;
  readonly backgroundRows: number;
  /** Which output to explain (default 0). */
  readonly output?: number;
}

function maskOf(bits: number, m: number): Uint8Array {
  return Uint8Array.from({ length: m }, (_, i) => (bits >>> i) & 1);
}

async function ends(input: ShapleyInput, active: readonly number[], output: number) {
  const m = active.length;
  const [empty, full] = await coalitionValues(
    input.model,
    input.x,
    input.background,
    input.backgroundRows,
    [new Uint8Array(m), new Uint8Array(m).fill(1)],
    active,
    output,
  );
  return { baseValue: empty as number, prediction: full as number };
}

/**
 * Exact interventional Shapley values by enumerating every coalition of the varying features:
 * φ_i = Σ_{S ∌ i} |S|!(M − |S| − 1)!/M! · (v(S ∪ {i}) − v(S)).
 */
export async function exactShapley(input: ShapleyInput): Promise<Explanation> {
  const output = input.output ?? 0;
  const active = varyingFeatures(input.x, input.background, input.backgroundRows);
  const m = active.length;
  if (m > MAX_EXACT_FEATURES) {
    throw new PalisadeError(
      'LIMIT_EXCEEDED',
      `Exact Shapley values over ${m} features need 2^${m} coalitions; use Kernel SHAP.`,
    );
  }
  const masks = Array.from({ length: 2 ** m }, (_, bits) => maskOf(bits, m));
  const v = await coalitionValues(
    input.model,
    input.x,
    input.background,
    input.backgroundRows,
    masks,
    active,
    output,
  );
  const values = new Float64Array(input.model.inputs);
  const weight = (s: number) => Math.exp(-logBinomial(m - 1, s)) / m;
  active.forEach((feature, i) => {
    let phi = 0;
    for (let bits = 0; bits < 2 ** m; bits++) {
      if ((bits >>> i) & 1) continue;
      let size = 0;
      for (let b = bits; b; b &= b - 1) size++;
      phi += weight(size) * ((v[bits | (1 << i)] as number) - (v[bits] as number));
    }
    values[feature] = phi;
  });
  return {
    baseValue: v[0] as number,
    prediction: v[2 ** m - 1] as number,
    values,
    method: 'exact',
    coalitions: 2 ** m,
  };
}

export interface KernelOptions {
  /** Coalitions to evaluate (SHAP's nsamples='auto': 2·M + 2048). */
  readonly samples?: number;
  readonly seed?: number;
}

interface Design {
  readonly masks: Uint8Array[];
  readonly weights: number[];
}

function combinations(m: number, size: number, visit: (chosen: number[]) => void): void {
  const chosen: number[] = [];
  const walk = (from: number) => {
    if (chosen.length === size) {
      visit(chosen);
      return;
    }
    for (let i = from; i <= m - (size - chosen.length); i++) {
      chosen.push(i);
      walk(i + 1);
      chosen.pop();
    }
  };
  walk(0);
}

/**
 * SHAP's KernelExplainer sampling: whole coalition sizes (with their complements) are enumerated from the
 * outside in while the budget covers them at their Shapley-kernel weight; the rest of the budget samples the
 * remaining sizes in proportion to their weight, each sample paired with its complement, and repeats add weight.
 */
function kernelDesign(m: number, budget: number, random: () => number): Design {
  const masks: Uint8Array[] = [];
  const weights: number[] = [];
  const sizes = Math.ceil((m - 1) / 2);
  const paired = Math.floor((m - 1) / 2);
  const kernel = Array.from(
    { length: sizes },
    (_, k) => ((m - 1) / ((k + 1) * (m - k - 1))) * (k < paired ? 2 : 1),
  );
  const total = kernel.reduce((a, b) => a + b, 0);
  const weightOfSize = kernel.map((w) => w / total);
  let left = budget;
  let remaining = [...weightOfSize];
  let fullSizes = 0;
  for (let size = 1; size <= sizes; size++) {
    const isPaired = size <= paired;
    const subsets = Math.exp(logBinomial(m, size)) * (isPaired ? 2 : 1);
    if ((left * (remaining[size - 1] as number)) / subsets < 1 - 1e-8) break;
    fullSizes++;
    left -= Math.round(subsets);
    const share = remaining[size - 1] as number;
    if (share < 1) remaining = remaining.map((w) => w / (1 - share));
    const w = (weightOfSize[size - 1] as number) / Math.exp(logBinomial(m, size)) / (isPaired ? 2 : 1);
    combinations(m, size, (chosen) => {
      const mask = new Uint8Array(m);
      for (const i of chosen) mask[i] = 1;
      masks.push(mask);
      weights.push(w);
      if (isPaired) {
        masks.push(mask.map((b) => 1 - b));
        weights.push(w);
      }
    });
  }
  if (fullSizes === sizes || left <= 0) return { masks, weights };
  const fixed = masks.length;
  const rest = weightOfSize.slice(fullSizes).map((w, k) => (fullSizes + k < paired ? w / 2 : w));
  const restTotal = rest.reduce((a, b) => a + b, 0);
  const seen = new Map<string, number>();
  for (let draws = 0; left > 0 && draws < 4 * budget; draws++) {
    let u = random() * restTotal;
    let k = 0;
    while (k < rest.length - 1 && u >= (rest[k] as number)) u -= rest[k++] as number;
    const size = k + fullSizes + 1;
    const order = Array.from({ length: m }, (_, i) => i);
    for (let i = m - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const mask = new Uint8Array(m);
    for (const i of order.slice(0, size)) mask[i] = 1;
    const key = mask.join('');
    const known = seen.get(key);
    if (known === undefined) {
      seen.set(key, masks.length);
      masks.push(mask);
      weights.push(1);
      left--;
      if (left > 0 && size <= paired) {
        masks.push(mask.map((b) => 1 - b));
        weights.push(1);
        left--;
      }
    } else {
      weights[known] = (weights[known] as number) + 1;
      if (size <= paired && known + 1 < weights.length)
        weights[known + 1] = (weights[known + 1] as number) + 1;
    }
  }
  const leftWeight = weightOfSize.slice(fullSizes).reduce((a, b) => a + b, 0);
  const sampled = weights.slice(fixed).reduce((a, b) => a + b, 0);
  for (let k = fixed; k < weights.length; k++) weights[k] = ((weights[k] as number) * leftWeight) / sampled;
  return { masks, weights };
}

/** Solves A·x = b (n × n, row-major) by Gaussian elimination with partial pivoting. */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(a[r * n + col] as number) > Math.abs(a[pivot * n + col] as number)) pivot = r;
    if (Math.abs(a[pivot * n + col] as number) < 1e-300) {
      throw new PalisadeError(
        'INTERNAL',
        'Kernel SHAP: the weighted design is singular; raise the sample budget.',
      );
    }
    if (pivot !== col) {
      for (let c = 0; c < n; c++)
        [a[col * n + c], a[pivot * n + c]] = [a[pivot * n + c] as number, a[col * n + c] as number];
      [b[col], b[pivot]] = [b[pivot] as number, b[col] as number];
    }
    for (let r = col + 1; r < n; r++) {
      const f = (a[r * n + col] as number) / (a[col * n + col] as number);
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r * n + c] = (a[r * n + c] as number) - f * (a[col * n + c] as number);
      b[r] = (b[r] as number) - f * (b[col] as number);
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r] as number;
    for (let c = r + 1; c < n; c++) s -= (a[r * n + c] as number) * (x[c] as number);
    x[r] = s / (a[r * n + r] as number);
  }
  return x;
}

/**
 * Kernel SHAP (Lundberg & Lee 2017, as SHAP's KernelExplainer without L1 feature selection): a weighted linear
 * fit of coalition values with the Shapley kernel, constrained so that the attributions add up to
 * f(x) − E[f(background)]. With a budget that covers every coalition (M ≤ 11 at the default) it is exact.
 */
export async function kernelShap(input: ShapleyInput, options: KernelOptions = {}): Promise<Explanation> {
  const output = input.output ?? 0;
  const active = varyingFeatures(input.x, input.background, input.backgroundRows);
  const m = active.length;
  const values = new Float64Array(input.model.inputs);
  const { baseValue, prediction } = await ends(input, active, output);
  if (m === 0) return { baseValue, prediction, values, method: 'kernel', coalitions: 2 };
  if (m === 1) {
    values[active[0] as number] = prediction - baseValue;
    return { baseValue, prediction, values, method: 'kernel', coalitions: 2 };
  }
  const budget = options.samples ?? 2 * m + 2048;
  const design = kernelDesign(m, budget, seededRandom(options.seed ?? 0));
  const v = await coalitionValues(
    input.model,
    input.x,
    input.background,
    input.backgroundRows,
    design.masks,
    active,
    output,
  );
  // Eliminate the last feature with the efficiency constraint: φ_last = (f(x) − base) − Σ others.
  const n = m - 1;
  const total = prediction - baseValue;
  const xtwx = new Float64Array(n * n);
  const xtwy = new Float64Array(n);
  design.masks.forEach((mask, k) => {
    const w = design.weights[k] as number;
    const last = mask[n] as number;
    const y = (v[k] as number) - baseValue - last * total;
    for (let i = 0; i < n; i++) {
      const zi = (mask[i] as number) - last;
      if (zi === 0) continue;
      xtwy[i] = (xtwy[i] as number) + w * zi * y;
      for (let j = 0; j < n; j++) {
        const zj = (mask[j] as number) - last;
        if (zj !== 0) xtwx[i * n + j] = (xtwx[i * n + j] as number) + w * zi * zj;
      }
    }
  });
  const phi = solve(xtwx, xtwy, n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    values[active[i] as number] = phi[i] as number;
    sum += phi[i] as number;
  }
  values[active[n] as number] = total - sum;
  return { baseValue, prediction, values, method: 'kernel', coalitions: design.masks.length + 2 };
}
