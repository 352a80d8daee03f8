import type { ExplainReport } from '../explain/explain.ts';
import { formatNumber, textTable } from './format.ts';

/** Features ranked by mean |SHAP| (then by permutation importance), most important first. */
export function rankedFeatures(report: ExplainReport): number[] {
  return report.features
    .map((_, j) => j)
    .sort((a, b) => (report.meanAbsShap[b] as number) - (report.meanAbsShap[a] as number));
}

/** How the Shapley values were computed, in words. */
export function methodLabel(report: ExplainReport): string {
  if (report.method === 'exact') return 'exact Shapley values';
  if (report.method === 'permutation') return `permutation SHAP (max_evals ${report.samples})`;
  return `Kernel SHAP (budget ${report.samples} coalitions)`;
}

export function explainToJson(report: ExplainReport, sources: { model: string; data: string }): string {
  return `${JSON.stringify({ ...sources, ...report }, null, 2)}\n`;
}

const TOP = 15;

export function explainToText(report: ExplainReport): string {
  const order = rankedFeatures(report).slice(0, TOP);
  const importance = report.permutationImportance;
  const header = ['feature', 'mean |SHAP|', ...(importance ? [`permutation (${importance.scoring})`] : [])];
  const rows = order.map((j) => [
    report.features[j] as string,
    formatNumber(report.meanAbsShap[j]),
    ...(importance
      ? [`${formatNumber(importance.importances[j]?.mean)} ± ${formatNumber(importance.importances[j]?.std)}`]
      : []),
  ]);
  const lines = [
    `Explanations of ${report.rows.length} rows: ${methodLabel(report)} against ${report.backgroundRows} background rows.`,
    ...(importance ? [`Baseline ${importance.scoring}: ${formatNumber(importance.baseline)}.`] : []),
    '',
    ...textTable(header, rows),
    ...(report.features.length > TOP
      ? [`… and ${report.features.length - TOP} more features (see --format json).`]
      : []),
    '',
  ];
  for (const row of report.rows) {
    const top = row.values
      .map((v, j) => [v, j] as const)
      .sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]))
      .slice(0, 3)
      .map(([v, j]) => `${report.features[j]} ${v >= 0 ? '+' : ''}${formatNumber(v)}`);
    lines.push(
      `row ${row.row + 1}: output ${row.output} = ${formatNumber(row.prediction)} (base ${formatNumber(row.baseValue)}): ${top.join(', ')}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
