/** Confusion counts of a binary classifier on one group of rows. */
export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export const CLASSIFICATION_METRICS = [
  'selectionRate',
  'truePositiveRate',
  'falsePositiveRate',
  'falseNegativeRate',
  'trueNegativeRate',
  'precision',
  'accuracy',
  'baseRate',
] as const;
export type ClassificationMetric = (typeof CLASSIFICATION_METRICS)[number];

export function emptyConfusion(): Confusion {
  return { tp: 0, fp: 0, fn: 0, tn: 0 };
}

/** A rate whose denominator is zero is undefined (NaN), and is left out of minima and maxima, as pandas does. */
function rate(numerator: number, denominator: number): number {
  return denominator === 0 ? Number.NaN : numerator / denominator;
}

/** The Fairlearn metrics of one group, from its confusion counts. */
export function classificationMetrics(c: Confusion): Record<ClassificationMetric, number> {
  const n = c.tp + c.fp + c.fn + c.tn;
  return {
    selectionRate: rate(c.tp + c.fp, n),
    truePositiveRate: rate(c.tp, c.tp + c.fn),
    falsePositiveRate: rate(c.fp, c.fp + c.tn),
    falseNegativeRate: rate(c.fn, c.tp + c.fn),
    trueNegativeRate: rate(c.tn, c.fp + c.tn),
    precision: rate(c.tp, c.tp + c.fp),
    accuracy: rate(c.tp + c.tn, n),
    baseRate: rate(c.tp + c.fn, n),
  };
}
