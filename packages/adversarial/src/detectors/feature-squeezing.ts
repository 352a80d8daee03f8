import { PalisadeError } from '@palisade/core';
import type { OnnxClassifier } from '../model/onnx-classifier.ts';

/**
 * Feature squeezing (Xu et al., 2018) as a run-time adversarial-input score: the model's prediction on an input
 * is compared with its predictions on "squeezed" copies (reduced colour depth, a small median filter); a large
 * L1 distance between the softmax outputs suggests a crafted input. It is a monitoring signal calibrated per
 * model and data, not a defence: adaptive attacks evade it.
 */

export interface SqueezingOptions {
  /** Bits kept per value by the depth squeezer (inputs are assumed in [clipMin, clipMax]). */
  readonly bitDepth: number;
  /** Side of the median filter for image inputs (C×H×W rows); 0 disables it. */
  readonly medianWindow: number;
  readonly clipMin: number;
  readonly clipMax: number;
}

export const DEFAULT_SQUEEZING: SqueezingOptions = { bitDepth: 2, medianWindow: 2, clipMin: 0, clipMax: 1 };

function softmaxRows(logits: Float32Array, classes: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r * classes < logits.length; r++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c] as number);
    let sum = 0;
    for (let c = 0; c < classes; c++)
      sum += out[r * classes + c] = Math.exp((logits[r * classes + c] as number) - max);
    for (let c = 0; c < classes; c++) out[r * classes + c] = (out[r * classes + c] as number) / sum;
  }
  return out;
}

export function reduceDepth(x: Float32Array, o: SqueezingOptions): Float32Array {
  const levels = 2 ** o.bitDepth - 1;
  const span = o.clipMax - o.clipMin;
  return x.map((v) => o.clipMin + (Math.round(((v - o.clipMin) / span) * levels) / levels) * span);
}

/** A k×k median filter per channel; the window starts at each pixel and is cut at the border. */
export function medianFilter(x: Float32Array, shape: readonly number[], k: number): Float32Array {
  const [, height, width] = shape as [number, number, number];
  const out = new Float32Array(x.length);
  const plane = height * width;
  const window: number[] = [];
  for (let base = 0; base < x.length; base += plane)
    for (let h = 0; h < height; h++)
      for (let w = 0; w < width; w++) {
        window.length = 0;
        for (let dh = 0; dh < k && h + dh < height; dh++)
          for (let dw = 0; dw < k && w + dw < width; dw++)
            window.push(x[base + (h + dh) * width + w + dw] as number);
        window.sort((a, b) => a - b);
        const mid = window.length >> 1;
        out[base + h * width + w] =
          window.length % 2
            ? (window[mid] as number)
            : ((window[mid - 1] as number) + (window[mid] as number)) / 2;
      }
  return out;
}

export class FeatureSqueezingDetector {
  readonly #model: OnnxClassifier;
  readonly #o: SqueezingOptions;
  threshold: number | undefined;

  constructor(model: OnnxClassifier, options: Partial<SqueezingOptions> = {}) {
    this.#model = model;
    this.#o = { ...DEFAULT_SQUEEZING, ...options };
  }

  /** One score per row: the largest L1 distance between the prediction and a squeezed prediction. */
  async scores(x: Float32Array): Promise<Float64Array> {
    const m = this.#model;
    const rows = x.length / m.rowSize;
    const classes = m.classes;
    const base = softmaxRows(await m.logits({ data: x, count: rows }), classes);
    const squeezed = [reduceDepth(x, this.#o)];
    if (this.#o.medianWindow > 1 && m.rowShape.length === 3)
      squeezed.push(medianFilter(x, m.rowShape, this.#o.medianWindow));
    const out = new Float64Array(rows);
    for (const variant of squeezed) {
      const p = softmaxRows(await m.logits({ data: variant, count: rows }), classes);
      for (let r = 0; r < rows; r++) {
        let l1 = 0;
        for (let c = 0; c < classes; c++)
          l1 += Math.abs((base[r * classes + c] as number) - (p[r * classes + c] as number));
        out[r] = Math.max(out[r] as number, l1);
      }
    }
    return out;
  }

  /** Sets the threshold so that about `falsePositiveRate` of these clean rows would be flagged. */
  async calibrate(clean: Float32Array, falsePositiveRate = 0.05): Promise<number> {
    const s = [...(await this.scores(clean))].sort((a, b) => a - b);
    if (s.length === 0) throw new PalisadeError('INPUT_INVALID', 'calibration needs clean rows');
    this.threshold = s[Math.min(s.length - 1, Math.floor((1 - falsePositiveRate) * s.length))] as number;
    return this.threshold;
  }

  async detect(x: Float32Array): Promise<{ scores: Float64Array; flagged: boolean[] }> {
    if (this.threshold === undefined)
      throw new PalisadeError('USAGE', 'calibrate the detector on clean data first');
    const scores = await this.scores(x);
    return { scores, flagged: [...scores].map((s) => s > (this.threshold as number)) };
  }
}

/** Area under the ROC curve of scores for negatives (clean) and positives (adversarial). */
export function rocAuc(negatives: ArrayLike<number>, positives: ArrayLike<number>): number {
  let wins = 0;
  for (let i = 0; i < positives.length; i++)
    for (let j = 0; j < negatives.length; j++) {
      const p = positives[i] as number;
      const n = negatives[j] as number;
      wins += p > n ? 1 : p === n ? 0.5 : 0;
    }
  return wins / (positives.length * negatives.length);
}
