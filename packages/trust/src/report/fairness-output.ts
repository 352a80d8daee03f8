import type { FairnessReport } from '../fairness/audit.ts';
import { formatNumber, textTable } from './format.ts';

/** Worst case over features, in the shape of the policy engine's evaluation facts (`evaluations.fairness`). */
export function fairnessFacts(report: FairnessReport): {
  status: 'passed' | 'failed';
  metrics: Record<string, number>;
} {
  const metrics: Record<string, number> = {};
  const worst = (key: string, pick: (a: number, b: number) => number) => {
    const values = report.features
      .map((f) => f.summary[key])
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length > 0) metrics[key] = values.reduce((a, b) => pick(a, b));
  };
  for (const key of [
    'demographicParityDifference',
    'equalizedOddsDifference',
    'equalOpportunityDifference',
    'meanErrorDifference',
    'meanAbsoluteErrorDifference',
  ]) {
    worst(key, Math.max);
  }
  for (const key of [
    'demographicParityRatio',
    'equalizedOddsRatio',
    'equalOpportunityRatio',
    'disparateImpact',
    'meanAbsoluteErrorRatio',
  ]) {
    worst(key, Math.min);
  }
  if (report.generalizedEntropyIndex !== undefined)
    metrics.generalizedEntropyIndex = report.generalizedEntropyIndex;
  if (report.theilIndex !== undefined) metrics.theilIndex = report.theilIndex;
  metrics.smallGroups = report.features.reduce((s, f) => s + f.smallGroups.length, 0);
  const adverse = report.features.some((f) => f.adverseImpact === true);
  return { status: adverse ? 'failed' : 'passed', metrics };
}

/** The machine-readable audit: each feature carries its summaries (demographicParityDifference, …) at top level. */
export function fairnessToJson(report: FairnessReport, source: string): string {
  const features = report.features.map(({ feature, columns, summary, ...rest }) => ({
    feature,
    columns,
    ...summary,
    ...rest,
  }));
  return `${JSON.stringify({ source, ...report, features, facts: { fairness: fairnessFacts(report) } }, null, 2)}\n`;
}

const SHOWN: Record<string, readonly string[]> = {
  classification: ['selectionRate', 'truePositiveRate', 'falsePositiveRate', 'precision', 'accuracy'],
  regression: ['meanLabel', 'meanPrediction', 'meanError', 'meanAbsoluteError'],
};

export function fairnessToText(report: FairnessReport): string {
  const shown = SHOWN[report.task] as readonly string[];
  const lines = [
    `Fairness audit (${report.task}) of ${report.rows} rows` +
      (report.positiveLabel !== undefined ? `, positive outcome "${report.positiveLabel}"` : '') +
      (report.threshold !== undefined ? `, scores ≥ ${report.threshold}` : '') +
      '.',
    '',
  ];
  for (const feature of report.features) {
    lines.push(`${feature.feature}:`);
    const rows = [
      [
        '(overall)',
        String(report.overall.count),
        ...shown.map((m) => formatNumber(report.overall.metrics[m], 3)),
      ],
      ...feature.groups.map((g) => {
        const interval = g.intervals?.[shown[0] as string];
        return [
          g.group + (feature.privilegedGroup === g.group ? ' (privileged)' : ''),
          String(g.count) + (feature.smallGroups.includes(g.group) ? ' !' : ''),
          ...shown.map((m, i) => {
            const value = formatNumber(g.metrics[m], 3);
            return i === 0 && interval
              ? `${value} [${formatNumber(interval[0], 3)}, ${formatNumber(interval[1], 3)}]`
              : value;
          }),
        ];
      }),
    ];
    lines.push(...textTable(['group', 'n', ...shown], rows).map((l) => `  ${l}`));
    for (const [key, value] of Object.entries(feature.summary)) {
      const interval = feature.intervals?.[key];
      const ci = interval ? ` [${formatNumber(interval[0], 3)}, ${formatNumber(interval[1], 3)}]` : '';
      const flag = key === 'disparateImpact' && feature.adverseImpact ? '  ADVERSE IMPACT (< 0.8)' : '';
      lines.push(`  ${key}: ${formatNumber(value, 4)}${ci}${flag}`);
    }
    lines.push('');
  }
  if (report.generalizedEntropyIndex !== undefined) {
    lines.push(
      `Generalized entropy index (α = 2): ${formatNumber(report.generalizedEntropyIndex)}; Theil index: ${formatNumber(report.theilIndex)}`,
    );
  }
  for (const warning of report.warnings) lines.push(`Warning: ${warning}`);
  lines.push('');
  return lines.join('\n');
}
