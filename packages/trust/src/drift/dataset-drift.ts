import { PalisadeError } from '@palisade/core';
import { type Column, findColumn, type Table } from '../data/table.ts';
import { type ColumnDrift, type ColumnDriftOptions, columnDrift } from './column-drift.ts';
import { adjustPValues, type Correction } from './correction.ts';
import { type DriftTest, isDrift, TEST_RULES } from './tests.ts';

export interface DriftOptions {
  /** Columns to compare (default: every column present in both tables). */
  readonly columns?: readonly string[];
  readonly exclude?: readonly string[];
  /** One test for every column, instead of Evidently's default choice per column. */
  readonly test?: DriftTest;
  /** Tests per column name; wins over `test`. */
  readonly tests?: Readonly<Record<string, DriftTest>>;
  /** Threshold for every column instead of each test's default. */
  readonly threshold?: number;
  /** Share of drifted columns at which the dataset counts as drifted (Evidently: 0.5). */
  readonly driftShare?: number;
  /** Multiple-testing correction applied to the p-value tests (default none, as Evidently). */
  readonly correction?: Correction;
  readonly target?: string;
  readonly prediction?: string;
  /** Called after each column is tested (progress for long runs). */
  readonly onColumn?: (done: number, total: number, column: string) => void;
}

export interface ColumnDriftEntry extends ColumnDrift {
  readonly role?: 'target' | 'prediction';
  /** The p-value after the multiple-testing correction, when one is applied. */
  readonly adjustedPValue?: number;
}

export interface DriftReport {
  readonly referenceRows: number;
  readonly currentRows: number;
  readonly columns: readonly ColumnDriftEntry[];
  readonly skipped: readonly { readonly column: string; readonly reason: string }[];
  readonly driftedColumns: number;
  readonly shareOfDriftedColumns: number;
  readonly driftShare: number;
  readonly correction: Correction;
  readonly datasetDrift: boolean;
  readonly targetDrift?: boolean;
  readonly predictionDrift?: boolean;
}

function present(table: Table, name: string): Column {
  const column = findColumn(table, name);
  if (!column)
    throw new PalisadeError('USAGE', `Column "${name}" is not in both the reference and the current data.`);
  return column;
}

function columnNames(reference: Table, current: Table, options: DriftOptions): string[] {
  if (options.columns) {
    for (const name of options.columns) {
      if (!findColumn(reference, name) || !findColumn(current, name)) {
        throw new PalisadeError(
          'USAGE',
          `Column "${name}" is not in both the reference and the current data.`,
        );
      }
    }
    return [...options.columns];
  }
  const exclude = new Set(options.exclude ?? []);
  return reference.columns.map((c) => c.name).filter((n) => !exclude.has(n) && findColumn(current, n));
}

/** One column to compare, with the test options it gets. */
export interface DriftTask {
  readonly name: string;
  readonly options: ColumnDriftOptions;
}

/** Which columns a drift report compares (and which it leaves out, and why), before any statistics. */
export function planDrift(
  reference: Table,
  current: Table,
  options: DriftOptions = {},
): { tasks: DriftTask[]; skipped: { column: string; reason: string }[] } {
  for (const role of [options.target, options.prediction]) {
    if (role !== undefined && (!findColumn(reference, role) || !findColumn(current, role))) {
      throw new PalisadeError('USAGE', `Column "${role}" is not in both the reference and the current data.`);
    }
  }
  const skipped: { column: string; reason: string }[] = [
    ...reference.skipped.map((s) => ({ column: s.name, reason: `reference: ${s.reason}` })),
    ...current.skipped.map((s) => ({ column: s.name, reason: `current: ${s.reason}` })),
    ...reference.columns
      .filter(
        (c) => !options.columns && !findColumn(current, c.name) && !(options.exclude ?? []).includes(c.name),
      )
      .map((c) => ({ column: c.name, reason: 'not in the current data' })),
  ];
  const tasks = columnNames(reference, current, options).map((name) => {
    present(reference, name);
    present(current, name);
    const test = options.tests?.[name] ?? options.test;
    return {
      name,
      options: {
        ...(test ? { test } : {}),
        ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
      },
    };
  });
  return { tasks, skipped };
}

/**
 * Column-by-column drift between a reference and a current table, with Evidently's dataset rule: the dataset has
 * drifted when the share of drifted columns reaches `driftShare`.
 */
export function driftReport(reference: Table, current: Table, options: DriftOptions = {}): DriftReport {
  const { tasks, skipped } = planDrift(reference, current, options);
  const results = tasks.map((t, i) => {
    const result = columnDrift(t.name, present(reference, t.name), present(current, t.name), t.options);
    options.onColumn?.(i + 1, tasks.length, t.name);
    return result;
  });
  return assembleDrift(reference, current, options, tasks, results, skipped);
}

/** The dataset-level report from per-column results (undefined: a side had no values), in task order. */
export function assembleDrift(
  reference: Table,
  current: Table,
  options: DriftOptions,
  tasks: readonly DriftTask[],
  outcomes: readonly (ColumnDrift | undefined)[],
  skippedBefore: readonly { column: string; reason: string }[],
): DriftReport {
  const skipped = [...skippedBefore];
  const results: ColumnDrift[] = [];
  tasks.forEach((task, i) => {
    const result = outcomes[i];
    if (result) results.push(result);
    else skipped.push({ column: task.name, reason: 'no values in the reference or the current data' });
  });
  const correction = options.correction ?? 'none';
  const tested = results.filter((r) => TEST_RULES[r.test].kind === 'p-value');
  const adjusted = adjustPValues(
    tested.map((r) => r.pValue as number),
    correction,
  );
  const adjustedBy = new Map(tested.map((r, i) => [r, adjusted[i] as number]));
  const columns: ColumnDriftEntry[] = results.map((r) => {
    const role =
      r.column === options.target ? 'target' : r.column === options.prediction ? 'prediction' : undefined;
    const p = adjustedBy.get(r);
    const entry: ColumnDriftEntry = { ...r, ...(role ? { role } : {}) };
    if (correction === 'none' || p === undefined) return entry;
    return { ...entry, adjustedPValue: p, drift: isDrift(r.test, p, r.threshold) };
  });
  const driftedColumns = columns.filter((c) => c.drift).length;
  const share = columns.length === 0 ? 0 : driftedColumns / columns.length;
  const driftShare = options.driftShare ?? 0.5;
  const roleDrift = (name: string | undefined) =>
    name === undefined ? {} : { drift: columns.find((c) => c.column === name)?.drift ?? false };
  const target = roleDrift(options.target);
  const prediction = roleDrift(options.prediction);
  return {
    referenceRows: reference.rowCount,
    currentRows: current.rowCount,
    columns,
    skipped,
    driftedColumns,
    shareOfDriftedColumns: share,
    driftShare,
    correction,
    datasetDrift: columns.length > 0 && share >= driftShare,
    ...('drift' in target ? { targetDrift: target.drift } : {}),
    ...('drift' in prediction ? { predictionDrift: prediction.drift } : {}),
  };
}
