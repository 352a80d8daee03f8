/**
 * Losses on logits, computed in JS (the cotangent fed to the gradient graph): cross-entropy, whose gradient
 * vanishes on saturated rows, and the margin loss that AutoAttack and Square Attack prefer.
 */

export type LossName = 'ce' | 'margin';

/**
 * ∂(sum of cross-entropy)/∂logits = softmax(z) − onehot(y), computed as the frameworks do it (PyTorch's
 * log-softmax backward, in float32): on a saturated row p_y rounds to exactly 1 and its component to 0. This is
 * what makes FGSM/PGD reproduce the reference numbers; use the margin loss for the strongest attack.
 */
export function crossEntropyCotangent(
  logits: Float32Array,
  labels: Int32Array,
  classes: number,
): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(logits.length);
  for (let r = 0; r < labels.length; r++) {
    const base = r * classes;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[base + c] as number);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum = f(sum + f(Math.exp(f((logits[base + c] as number) - max))));
    const logSum = f(Math.log(sum));
    for (let c = 0; c < classes; c++) {
      const logSoftmax = f(f((logits[base + c] as number) - max) - logSum);
      out[base + c] = f(Math.exp(logSoftmax)) - (c === labels[r] ? 1 : 0);
    }
  }
  return out;
}

/** z_y − max_{j≠y} z_j per row: negative exactly when the row is misclassified. */
export function margins(logits: Float32Array, labels: Int32Array, classes: number): Float64Array {
  const out = new Float64Array(labels.length);
  for (let r = 0; r < labels.length; r++) {
    const base = r * classes;
    const y = labels[r] as number;
    let other = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) if (c !== y) other = Math.max(other, logits[base + c] as number);
    out[r] = (logits[base + y] as number) - other;
  }
  return out;
}

/** ∂(−margin)/∂logits summed over rows: −1 on the true class, +1 on the strongest other class. */
export function marginCotangent(logits: Float32Array, labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < labels.length; r++) {
    const base = r * classes;
    const y = labels[r] as number;
    let best = -1;
    for (let c = 0; c < classes; c++)
      if (c !== y && (best < 0 || (logits[base + c] as number) > (logits[base + best] as number))) best = c;
    // The attack ascends −margin = max_{j≠y} z_j − z_y.
    out[base + y] = -1;
    out[base + best] = 1;
  }
  return out;
}

export function argmaxRows(logits: Float32Array, rows: number, classes: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if ((logits[r * classes + c] as number) > (logits[r * classes + best] as number)) best = c;
    out[r] = best;
  }
  return out;
}
