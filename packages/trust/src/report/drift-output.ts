import type { DriftReport } from '../drift/dataset-drift.ts';
import { formatNumber, textTable } from './format.ts';

/** Drift figures in the shape of the policy engine's evaluation facts (`evaluations.drift`). */
export function driftFacts(report: DriftReport): {
  status: 'passed' | 'failed';
  metrics: Record<string, number>;
} {
  return {
    status: report.datasetDrift ? 'failed' : 'passed',
    metrics: {
      datasetDrift: report.datasetDrift ? 1 : 0,
      shareOfDriftedColumns: report.shareOfDriftedColumns,
      driftedColumns: report.driftedColumns,
      columns: report.columns.length,
      ...(report.targetDrift !== undefined ? { targetDrift: report.targetDrift ? 1 : 0 } : {}),
      ...(report.predictionDrift !== undefined ? { predictionDrift: report.predictionDrift ? 1 : 0 } : {}),
    },
  };
}

/** The machine-readable report: every column's test, statistic, p-value and verdict, plus the facts for gates. */
export function driftToJson(report: DriftReport, sources: { reference: string; current: string }): string {
  return `${JSON.stringify({ ...sources, ...report, facts: { drift: driftFacts(report) } }, null, 2)}\n`;
}

export function driftToText(report: DriftReport): string {
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
  ].join('\n');
}
