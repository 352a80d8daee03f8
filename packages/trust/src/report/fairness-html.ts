import type { FairnessReport } from '../fairness/audit.ts';
import { ADVERSE_IMPACT_RATIO } from '../fairness/summary.ts';
import { formatNumber } from './format.ts';
import { htmlPage, htmlTable, verdict } from './html.ts';
import { barChart, escapeHtml } from './svg.ts';

const CHARTED: Record<string, readonly string[]> = {
  classification: ['selectionRate', 'truePositiveRate', 'falsePositiveRate'],
  regression: ['meanError', 'meanAbsoluteError'],
};

/** The fairness audit as a self-contained page: per feature, the summaries and per-group bars with intervals. */
export function fairnessToHtml(report: FairnessReport, source: string): string {
  const sections = report.features.map((feature) => {
    const summary = htmlTable(
      ['measure', 'value', 'interval'],
      Object.entries(feature.summary).map(([key, value]) => {
        const ci = feature.intervals?.[key];
        return [key, value, ci ? `${formatNumber(ci[0], 3)} – ${formatNumber(ci[1], 3)}` : ''];
      }),
    );
    const charts = (CHARTED[report.task] ?? []).map((metric) =>
      barChart(
        metric,
        feature.groups.map((g) => ({
          label: `${g.group} (n=${g.count}${feature.smallGroups.includes(g.group) ? ', small' : ''})`,
          value: g.metrics[metric] as number,
          ...(g.intervals?.[metric] ? { low: g.intervals[metric][0], high: g.intervals[metric][1] } : {}),
        })),
      ),
    );
    const selection = feature.groups.map((g) => g.metrics.selectionRate as number);
    const highest = Math.max(...selection.filter(Number.isFinite));
    const impact =
      report.task === 'classification'
        ? barChart(
            'selection rate relative to the highest group (four-fifths rule)',
            feature.groups.map((g) => {
              const ratio = (g.metrics.selectionRate as number) / highest;
              return { label: g.group, value: ratio, highlight: ratio < ADVERSE_IMPACT_RATIO };
            }),
            { reference: ADVERSE_IMPACT_RATIO, referenceLabel: '0.8' },
          )
        : '';
    const flag =
      feature.adverseImpact === undefined
        ? ''
        : verdict(
            feature.adverseImpact,
            feature.adverseImpact ? 'Adverse impact (< 0.8)' : 'Four-fifths rule met',
          );
    return [
      `<h2>${escapeHtml(feature.feature)} ${flag}</h2>`,
      feature.smallGroups.length > 0
        ? `<p class="meta">Groups with fewer rows than the minimum (marked “small”; their rates are unreliable): ${escapeHtml(feature.smallGroups.join('; '))}.</p>`
        : '',
      summary,
      `<div class="charts">${[...charts, impact].join('')}</div>`,
    ].join('\n');
  });
  const body = [
    '<h1>Fairness audit</h1>',
    `<p class="meta">${escapeHtml(source)} · ${report.task} · ${report.rows} rows${report.positiveLabel !== undefined ? ` · positive outcome “${escapeHtml(report.positiveLabel)}”` : ''}${report.bootstrap ? ` · ${report.bootstrap.samples} bootstrap resamples, ${report.bootstrap.confidence * 100} % intervals` : ''}</p>`,
    report.generalizedEntropyIndex !== undefined
      ? `<p>Generalized entropy index (α = 2): ${formatNumber(report.generalizedEntropyIndex)} · Theil index: ${formatNumber(report.theilIndex)}</p>`
      : '',
    ...sections,
    ...report.warnings.map((w) => `<p class="meta">Warning: ${escapeHtml(w)}</p>`),
  ];
  return htmlPage('Palisade fairness audit', body.join('\n'));
}
