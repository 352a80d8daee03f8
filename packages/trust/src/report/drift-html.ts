import type { DriftReport } from '../drift/dataset-drift.ts';
import type { WindowedDrift } from '../drift/windows.ts';
import { formatNumber } from './format.ts';
import { htmlPage, htmlTable, verdict } from './html.ts';
import { distributionChart, escapeHtml } from './svg.ts';

const MAX_CHARTS = 200;

function binLabels(edges: readonly number[]): string[] {
  return edges.slice(0, -1).map((e, i) => `${formatNumber(e, 3)} – ${formatNumber(edges[i + 1], 3)}`);
}

/** The drift report as a self-contained page: verdict, the per-column table, and a histogram per column. */
export function driftToHtml(
  report: DriftReport,
  sources: { reference: string; current: string },
  windows?: WindowedDrift,
): string {
  const rows = report.columns.map((c) => [
    c.column + (c.role ? ` (${c.role})` : ''),
    c.kind,
    c.test,
    c.statistic,
    c.adjustedPValue ?? c.pValue ?? '—',
    c.threshold,
    c.drift ? 'DRIFT' : 'ok',
  ]);
  const charts = report.columns.slice(0, MAX_CHARTS).map((c) => {
    const d = c.distribution;
    const labels = d.edges ? binLabels(d.edges) : [...(d.labels ?? [])];
    const title = `${c.column}: ${c.test} ${formatNumber(c.pValue ?? c.statistic)}${c.drift ? ' — drift' : ''}`;
    return distributionChart(title, labels, d.reference, d.current);
  });
  const body = [
    '<h1>Data drift</h1>',
    `<p class="meta">Reference ${escapeHtml(sources.reference)} (${report.referenceRows} rows) · current ${escapeHtml(sources.current)} (${report.currentRows} rows)</p>`,
    `<p>${verdict(report.datasetDrift, report.datasetDrift ? 'Dataset drift' : 'No dataset drift')} ${report.driftedColumns} of ${report.columns.length} columns drifted (share ${formatNumber(report.shareOfDriftedColumns, 3)}; dataset drift at ≥ ${report.driftShare}${report.correction === 'none' ? '' : `; p-values corrected: ${escapeHtml(report.correction)}`}).</p>`,
    '<h2>Columns</h2>',
    htmlTable(['column', 'kind', 'test', 'statistic', 'p-value', 'threshold', 'verdict'], rows),
    ...(report.skipped.length > 0
      ? [
          '<h2>Skipped</h2>',
          htmlTable(
            ['column', 'reason'],
            report.skipped.map((s) => [s.column, s.reason]),
          ),
        ]
      : []),
    ...(windows
      ? [
          `<h2>Over time (windows of ${windows.windowRows} rows by ${escapeHtml(windows.timestamp)})</h2>`,
          htmlTable(
            [
              'window',
              'from',
              'to',
              'rows',
              'drifted columns',
              'alerts (above mean + 3·std of reference chunks)',
            ],
            windows.windows.map((w) => [
              String(w.index + 1),
              w.start,
              w.end,
              String(w.rows),
              String(w.driftedColumns),
              w.columns
                .filter((c) => c.alert)
                .map((c) => c.column)
                .join(', ') || '—',
            ]),
          ),
        ]
      : []),
    '<h2>Distributions</h2>',
    '<p class="legend"><span class="swatch" style="background:#9aa3b2"></span>reference<span style="background:#3b6fd6"></span>current</p>',
    `<div class="charts">${charts.join('')}</div>`,
  ];
  return htmlPage('Palisade drift report', body.join('\n'));
}
