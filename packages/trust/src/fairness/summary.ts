import type { AuditTask } from './audit-tasks.ts';
import { type Disparity, disparity } from './disparity.ts';

/** The 80 % rule: disparate impact below this is adverse (EEOC four-fifths rule, AIF360). */
export const ADVERSE_IMPACT_RATIO = 0.8;

export interface FeatureFigures {
  readonly groups: readonly Record<string, number>[];
  readonly disparities: Readonly<Record<string, Disparity>>;
  /** Fairlearn's and AIF360's one-number summaries (classification), or the mean-error gaps (regression). */
  readonly summary: Readonly<Record<string, number>>;
}

function selectionRate(sums: Float64Array, offset: number): { selected: number; n: number } {
  const tp = sums[offset] as number;
  const fp = sums[offset + 1] as number;
  return { selected: tp + fp, n: tp + fp + (sums[offset + 2] as number) + (sums[offset + 3] as number) };
}

/**
 * The figures of one sensitive feature (or intersection) from per-group running sums: group metrics,
 * MetricFrame aggregates per metric, and the summaries. With a privileged group, disparate impact and
 * statistical parity compare the privileged rows with all the others, as AIF360 does; without one, disparate
 * impact is the lowest selection rate over the highest.
 */
export function featureFigures(
  task: AuditTask,
  sums: Float64Array,
  groupCount: number,
  overall: Record<string, number>,
  privileged: number | undefined,
): FeatureFigures {
  const groups = Array.from({ length: groupCount }, (_, g) => task.compute(sums, g * task.width));
  const disparities: Record<string, Disparity> = {};
  for (const metric of task.metrics) {
    disparities[metric] = disparity(
      overall[metric] as number,
      groups.map((m) => m[metric] as number),
    );
  }
  const d = (metric: string) => disparities[metric] as Disparity;
  if (task.name === 'regression') {
    return {
      groups,
      disparities,
      summary: {
        meanErrorDifference: d('meanError').difference,
        meanAbsoluteErrorDifference: d('meanAbsoluteError').difference,
        meanAbsoluteErrorRatio: d('meanAbsoluteError').ratio,
      },
    };
  }
  const summary: Record<string, number> = {
    demographicParityDifference: d('selectionRate').difference,
    demographicParityRatio: d('selectionRate').ratio,
    equalizedOddsDifference: Math.max(d('truePositiveRate').difference, d('falsePositiveRate').difference),
    equalizedOddsRatio: Math.min(d('truePositiveRate').ratio, d('falsePositiveRate').ratio),
    equalOpportunityDifference: d('truePositiveRate').difference,
    equalOpportunityRatio: d('truePositiveRate').ratio,
    disparateImpact: d('selectionRate').ratio,
  };
  if (privileged !== undefined) {
    const priv = selectionRate(sums, privileged * task.width);
    let selected = 0;
    let n = 0;
    for (let g = 0; g < groupCount; g++) {
      if (g === privileged) continue;
      const s = selectionRate(sums, g * task.width);
      selected += s.selected;
      n += s.n;
    }
    const privRate = priv.selected / priv.n;
    const unprivRate = selected / n;
    summary.disparateImpact = unprivRate / privRate;
    summary.statisticalParityDifference = unprivRate - privRate;
  }
  return { groups, disparities, summary };
}
