import type { ExplainReport } from '../explain/explain.ts';
import { methodLabel, rankedFeatures } from './explain-output.ts';
import { formatNumber } from './format.ts';
import { htmlPage } from './html.ts';
import { barChart, escapeHtml } from './svg.ts';

const TOP = 20;

/** The explanations as a self-contained page: global importance bars and each row's largest contributions. */
export function explainToHtml(report: ExplainReport, sources: { model: string; data: string }): string {
  const order = rankedFeatures(report).slice(0, TOP);
  const shap = barChart(
    'mean |SHAP value| per feature',
    order.map((j) => ({ label: report.features[j] as string, value: report.meanAbsShap[j] as number })),
  );
  const importance = report.permutationImportance;
  const permutation = importance
    ? barChart(
        `permutation importance (drop in ${importance.scoring}; baseline ${formatNumber(importance.baseline)})`,
        order.map((j) => {
          const r = importance.importances[j] as { mean: number; std: number };
          return {
            label: report.features[j] as string,
            value: r.mean,
            low: r.mean - r.std,
            high: r.mean + r.std,
          };
        }),
      )
    : '';
  const rows = report.rows.map((row) => {
    const top = row.values
      .map((v, j) => [v, j] as const)
      .sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]))
      .slice(0, 10);
    return barChart(
      `row ${row.row + 1}: output ${row.output} = ${formatNumber(row.prediction)} (base ${formatNumber(row.baseValue)})`,
      top.map(([v, j]) => ({ label: report.features[j] as string, value: v })),
    );
  });
  const body = [
    '<h1>Model explanations</h1>',
    `<p class="meta">${escapeHtml(sources.model)} on ${escapeHtml(sources.data)} · ${escapeHtml(methodLabel(report))} · ${report.backgroundRows} background rows</p>`,
    '<h2>Global importance</h2>',
    `<div class="charts">${shap}${permutation}</div>`,
    '<h2>Per-row explanations</h2>',
    `<div class="charts">${rows.join('')}</div>`,
  ];
  return htmlPage('Palisade model explanations', body.join('\n'));
}
