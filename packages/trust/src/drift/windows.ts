import { PalisadeError } from '@palisade/core';
import { columnRows } from '../data/subset.ts';
import { type Column, cellText, findColumn, type Table } from '../data/table.ts';
import { columnDrift } from './column-drift.ts';
import type { DriftReport } from './dataset-drift.ts';

export interface WindowOptions {
  /** The column that orders rows in time: numbers (e.g. epoch seconds) or ISO 8601 dates. */
  readonly timestamp: string;
  /** How many windows the current data is cut into (NannyML's default chunker: about 10). */
  readonly chunks?: number;
}

export interface ColumnThreshold {
  readonly column: string;
  /** Mean and population standard deviation of the statistic over reference chunks of the window size. */
  readonly referenceMean: number;
  readonly referenceStd: number;
  /** mean + 3·std (NannyML's StandardDeviationThreshold; no lower bound). */
  readonly upperThreshold: number;
}

export interface WindowColumn {
  readonly column: string;
  readonly statistic: number;
  readonly pValue?: number;
  /** The test's own verdict (as in the whole-data report). */
  readonly drift: boolean;
  /** The statistic is above the reference chunks' mean + 3·std. */
  readonly alert: boolean;
}

export interface DriftWindow {
  readonly index: number;
  readonly start: string;
  readonly end: string;
  readonly rows: number;
  readonly columns: readonly WindowColumn[];
  readonly driftedColumns: number;
  readonly datasetDrift: boolean;
  readonly alerts: number;
}

export interface WindowedDrift {
  readonly timestamp: string;
  readonly windowRows: number;
  /** Current rows without a usable timestamp, left out of the windows. */
  readonly droppedRows: number;
  readonly thresholds: readonly ColumnThreshold[];
  readonly windows: readonly DriftWindow[];
}

/** Each row's time as a number (milliseconds for dates), or NaN when missing. */
function times(table: Table, name: string): Float64Array {
  const column = findColumn(table, name);
  if (!column) throw new PalisadeError('USAGE', `The timestamp column "${name}" is not in the data.`);
  if (column.kind === 'numeric') return column.values;
  return Float64Array.from({ length: table.rowCount }, (_, i) => {
    const text = cellText(column, i);
    if (text === undefined) return Number.NaN;
    const t = Date.parse(text);
    if (Number.isNaN(t)) {
      throw new PalisadeError(
        'INPUT_INVALID',
        `Row ${i + 1} of "${name}" is not a date or a number: "${text}".`,
      );
    }
    return t;
  });
}

function label(column: Column, t: number): string {
  return column.kind === 'numeric' ? String(t) : new Date(t).toISOString();
}

function orderedRows(table: Table, name: string | undefined): Int32Array {
  const all = Int32Array.from({ length: table.rowCount }, (_, i) => i);
  if (name === undefined || !findColumn(table, name)) return all;
  const t = times(table, name);
  return all.filter((i) => !Number.isNaN(t[i] as number)).sort((a, b) => (t[a] as number) - (t[b] as number));
}

/**
 * Drift over time, NannyML-style: the current data, ordered by its timestamp, is cut into windows of equal size,
 * and each window is compared with the whole reference using the test each column got in the whole-data report.
 * A column alerts in a window when its statistic exceeds mean + 3·std of the same statistic over reference chunks
 * of the window size (each compared with the whole reference); the test's own threshold still gives `drift`.
 */
export function driftWindows(
  reference: Table,
  current: Table,
  report: DriftReport,
  options: WindowOptions,
): WindowedDrift {
  const chunks = options.chunks ?? 10;
  if (!Number.isInteger(chunks) || chunks < 1)
    throw new PalisadeError('USAGE', 'The number of windows must be a whole number ≥ 1.');
  const stampColumn = findColumn(current, options.timestamp);
  if (!stampColumn)
    throw new PalisadeError(
      'USAGE',
      `The timestamp column "${options.timestamp}" is not in the current data.`,
    );
  const stamps = times(current, options.timestamp);
  const rows = orderedRows(current, options.timestamp);
  if (rows.length < chunks)
    throw new PalisadeError('INPUT_INVALID', `${rows.length} timed rows cannot make ${chunks} windows.`);
  const size = Math.ceil(rows.length / chunks);
  const columns = report.columns.filter((c) => c.column !== options.timestamp);
  const referenceOrder = orderedRows(reference, options.timestamp);
  const thresholds: ColumnThreshold[] = [];
  for (const c of columns) {
    const refColumn = findColumn(reference, c.column) as Column;
    const values: number[] = [];
    for (let start = 0; start + size <= referenceOrder.length; start += size) {
      const chunk = columnRows(refColumn, referenceOrder.subarray(start, start + size));
      const r = columnDrift(c.column, refColumn, chunk, { test: c.test, threshold: c.threshold });
      if (r) values.push(r.statistic);
    }
    if (values.length < 2) continue;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    thresholds.push({
      column: c.column,
      referenceMean: mean,
      referenceStd: std,
      upperThreshold: mean + 3 * std,
    });
  }
  const windows: DriftWindow[] = [];
  for (let start = 0, index = 0; start < rows.length; start += size, index++) {
    const window = rows.subarray(start, Math.min(rows.length, start + size));
    const results: WindowColumn[] = [];
    for (const c of columns) {
      const r = columnDrift(
        c.column,
        findColumn(reference, c.column) as Column,
        columnRows(findColumn(current, c.column) as Column, window),
        { test: c.test, threshold: c.threshold },
      );
      if (!r) continue;
      const limit = thresholds.find((t) => t.column === c.column)?.upperThreshold;
      results.push({
        column: c.column,
        statistic: r.statistic,
        ...(r.pValue !== undefined ? { pValue: r.pValue } : {}),
        drift: r.drift,
        alert: limit !== undefined && r.statistic > limit,
      });
    }
    const drifted = results.filter((r) => r.drift).length;
    windows.push({
      index,
      start: label(stampColumn, stamps[window[0] as number] as number),
      end: label(stampColumn, stamps[window[window.length - 1] as number] as number),
      rows: window.length,
      columns: results,
      driftedColumns: drifted,
      datasetDrift: results.length > 0 && drifted / results.length >= report.driftShare,
      alerts: results.filter((r) => r.alert).length,
    });
  }
  return {
    timestamp: options.timestamp,
    windowRows: size,
    droppedRows: current.rowCount - rows.length,
    thresholds,
    windows,
  };
}
