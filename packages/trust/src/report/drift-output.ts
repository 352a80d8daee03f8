import type { DriftReport } from '../drift/dataset-drift.ts';
import type { WindowedDrift } from '../drift/windows.ts';
import { formatNumber, textTable } from './format.ts';

/** Drift figures in the shape of the policy engine's evaluation facts (`evaluations.drift`). */
export function driftFacts(
  report: DriftReport,
  windows?: WindowedDrift,
): { status: 'passed' | 'failed'; metrics: Record<string, number> } {
  return {
    status: report.datasetDrift ? 'failed' : 'passed',
    metrics: {
      datasetDrift: report.datasetDrift ? 1 : 0,
      shareOfDriftedColumns: report.shareOfDriftedColumns,
      driftedColumns: report.driftedColumns,
      columns: report.columns.length,
      ...(report.targetDrift !== undefined ? { targetDrift: report.targetDrift ? 1 : 0 } : {}),
      ...(report.predictionDrift !== undefined ? { predictionDrift: report.predictionDrift ? 1 : 0 } : {}),
      ...(windows
        ? {
            windowsWithDatasetDrift: windows.windows.filter((w) => w.datasetDrift).length,
            windowAlerts: windows.windows.reduce((s, w) => s + w.alerts, 0),
          }
        : {}),
    },
  };
}

/** The machine-readable report: every column's test, statistic, p-value and verdict, plus the facts for gates. */
export function driftToJson(
  report: DriftReport,
  sources: { reference: string; current: string },
  windows?: WindowedDrift,
): string {
  const facts = { drift: driftFacts(report, windows) };
  return `${JSON.stringify({ ...sources, ...report, ...(windows ? { windows } : {}), facts }, null, 2)}\n`;
}

/** Per window: its span, rows, drifted columns and the columns above their reference-chunk threshold. */
export function windowsToText(windows: WindowedDrift): string[] {
  const rows = windows.windows.map((w) => [
    String(w.index + 1),
    w.start,
    w.end,
    String(w.rows),
    String(w.driftedColumns),
    w.columns
      .filter((c) => c.alert)
      .map((c) => c.column)
      .join(', ') || '—',
  ]);
  return [
    `Windows of ${windows.windowRows} rows by ${windows.timestamp}; alert = statistic above mean + 3·std of reference chunks.`,
    '',
    ...textTable(['window', 'from', 'to', 'rows', 'drifted', 'alerts'], rows),
    ...(windows.droppedRows > 0 ? [`${windows.droppedRows} rows without a timestamp were left out.`] : []),
    '',
  ];
}

export function driftToText(report: DriftReport, windows?: WindowedDrift): string {
  const rows = report.columns.map((c) => [
    c.column + (c.role ? ` (${c.role})` : ''),
    c.kind,
    c.test,
    formatNumber(c.statistic),
    formatNumber(c.adjustedPValue ?? c.pValue),
    formatNumber(c.threshold, 3),
    c.drift ? 'DRIFT' : 'ok',
  ]);
  const pHeader = report.correction === 'none' ? 'p-value' : `p (${report.correction})`;
  return [
    `Reference ${report.referenceRows} rows, current ${report.currentRows} rows, ${report.columns.length} columns compared.`,
    '',
    ...textTable(['column', 'kind', 'test', 'statistic', pHeader, 'threshold', 'verdict'], rows),
    '',
    ...report.skipped.map((s) => `Skipped ${s.column}: ${s.reason}`),
    `${report.driftedColumns} of ${report.columns.length} columns drifted (share ${formatNumber(report.shareOfDriftedColumns, 3)}, ` +
      `dataset drift at ≥ ${report.driftShare}): ${report.datasetDrift ? 'DATASET DRIFT' : 'no dataset drift'}.`,
    '',
    ...(windows ? windowsToText(windows) : []),
  ].join('\n');
}
