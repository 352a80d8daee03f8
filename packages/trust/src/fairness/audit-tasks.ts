import { type ClassificationMetric, classificationMetrics } from './confusion.ts';

/**
 * How a task turns rows into per-group figures: each group keeps `width` running sums (confusion counts, or
 * sums of errors), so that the full data and every bootstrap resample are aggregated the same way.
 */
export interface AuditTask {
  readonly name: 'classification' | 'regression';
  readonly width: number;
  readonly metrics: readonly string[];
  add(sums: Float64Array, offset: number, row: number): void;
  compute(sums: Float64Array, offset: number): Record<string, number>;
}

export function classificationTask(labels: Uint8Array, predictions: Uint8Array): AuditTask {
  return {
    name: 'classification',
    width: 4,
    metrics: [
      'selectionRate',
      'truePositiveRate',
      'falsePositiveRate',
      'falseNegativeRate',
      'trueNegativeRate',
      'precision',
      'accuracy',
      'baseRate',
    ] satisfies ClassificationMetric[],
    add(sums, offset, row) {
      // Slots: 0 tp, 1 fp, 2 fn, 3 tn.
      const slot =
        (labels[row] as number) === 1
          ? (predictions[row] as number) === 1
            ? 0
            : 2
          : (predictions[row] as number) === 1
            ? 1
            : 3;
      sums[offset + slot] = (sums[offset + slot] as number) + 1;
    },
    compute(sums, offset) {
      return classificationMetrics({
        tp: sums[offset] as number,
        fp: sums[offset + 1] as number,
        fn: sums[offset + 2] as number,
        tn: sums[offset + 3] as number,
      });
    },
  };
}

export function regressionTask(labels: Float64Array, predictions: Float64Array): AuditTask {
  return {
    name: 'regression',
    width: 6,
    metrics: ['meanLabel', 'meanPrediction', 'meanError', 'meanAbsoluteError', 'rootMeanSquaredError'],
    add(sums, offset, row) {
      const y = labels[row] as number;
      const p = predictions[row] as number;
      const e = p - y;
      sums[offset] = (sums[offset] as number) + 1;
      sums[offset + 1] = (sums[offset + 1] as number) + y;
      sums[offset + 2] = (sums[offset + 2] as number) + p;
      sums[offset + 3] = (sums[offset + 3] as number) + e;
      sums[offset + 4] = (sums[offset + 4] as number) + Math.abs(e);
      sums[offset + 5] = (sums[offset + 5] as number) + e * e;
    },
    compute(sums, offset) {
      const n = sums[offset] as number;
      const mean = (k: number) => (n === 0 ? Number.NaN : (sums[offset + k] as number) / n);
      return {
        meanLabel: mean(1),
        meanPrediction: mean(2),
        meanError: mean(3),
        meanAbsoluteError: mean(4),
        rootMeanSquaredError: Math.sqrt(mean(5)),
      };
    },
  };
}
