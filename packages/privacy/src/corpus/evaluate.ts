import type { Detector } from '../detect/detector.ts';
import type { LabelledSample } from './generate.ts';

export interface EntityScore {
  readonly entity: string;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly precision: number;
  readonly recall: number;
}

/** Span-level scoring: a detection counts when it overlaps a labelled span of the same entity type. */
export function evaluate(detector: Detector, samples: readonly LabelledSample[]): EntityScore[] {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const get = (entity: string) => {
    let c = counts.get(entity);
    if (!c) {
      c = { tp: 0, fp: 0, fn: 0 };
      counts.set(entity, c);
    }
    return c;
  };
  for (const sample of samples) {
    const found = detector.detect(sample.text);
    const matched = new Set<number>();
    for (const d of found) {
      const hit = sample.labels.findIndex(
        (l, i) => !matched.has(i) && l.entity === d.entity && d.start < l.end && l.start < d.end,
      );
      if (hit >= 0) {
        matched.add(hit);
        get(d.entity).tp++;
      } else get(d.entity).fp++;
    }
    sample.labels.forEach((l, i) => {
      if (!matched.has(i)) get(l.entity).fn++;
    });
  }
  return [...counts.entries()]
    .map(([entity, c]) => ({
      entity,
      truePositives: c.tp,
      falsePositives: c.fp,
      falseNegatives: c.fn,
      precision: c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp),
      recall: c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn),
    }))
    .sort((a, b) => a.entity.localeCompare(b.entity));
}

export function formatScores(scores: readonly EntityScore[]): string {
  const rows = scores.map(
    (s) =>
      `| ${s.entity.padEnd(26)} | ${String(s.truePositives).padStart(3)} | ${String(s.falsePositives).padStart(3)} | ${String(s.falseNegatives).padStart(3)} | ${s.precision.toFixed(3)} | ${s.recall.toFixed(3)} |`,
  );
  return [
    '| entity                     |  TP |  FP |  FN | precision | recall |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
