import { PalisadeError } from '@palisade/core';
import { type Column, cellText, findColumn, type Table } from '../data/table.ts';
import { seededRandom } from '../stats/random.ts';
import { type AuditTask, classificationTask, regressionTask } from './audit-tasks.ts';
import { percentile } from './bootstrap.ts';
import type { Disparity } from './disparity.ts';
import { benefits, generalizedEntropyIndex, theilIndex } from './inequality.ts';
import { binaryOutcomes, isScore, positiveLabel } from './outcomes.ts';
import { ADVERSE_IMPACT_RATIO, featureFigures } from './summary.ts';

export interface FairnessOptions {
  readonly label: string;
  readonly prediction: string;
  /** One or more sensitive features; with several, their intersection is audited too. */
  readonly sensitive: readonly string[];
  /** Default: regression when the label is numeric with more than two values and no positive label is given. */
  readonly task?: 'classification' | 'regression';
  /** The favourable outcome (default: 1, true or yes). */
  readonly positiveLabel?: string;
  /** Scores in [0, 1] become decisions at this threshold (default 0.5). */
  readonly threshold?: number;
  /** The privileged group per feature (AIF360's disparate impact and statistical parity difference). */
  readonly privileged?: Readonly<Record<string, string>>;
  readonly intersections?: boolean;
  /** Bootstrap resamples for confidence intervals (default 0: none). */
  readonly bootstrap?: number;
  readonly confidence?: number;
  readonly seed?: number;
  /** Groups smaller than this get a warning (default 30). */
  readonly minGroupSize?: number;
}

export type Interval = readonly [number, number];

export interface GroupReport {
  readonly group: string;
  readonly values: Readonly<Record<string, string>>;
  readonly count: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly intervals?: Readonly<Record<string, Interval>>;
}

export interface FeatureReport {
  /** The column name, or the names joined by " & " for an intersection. */
  readonly feature: string;
  readonly columns: readonly string[];
  readonly groups: readonly GroupReport[];
  readonly disparities: Readonly<Record<string, Disparity>>;
  readonly summary: Readonly<Record<string, number>>;
  readonly intervals?: Readonly<Record<string, Interval>>;
  readonly privilegedGroup?: string;
  /** Classification only: disparate impact below 0.8 (the four-fifths rule). */
  readonly adverseImpact?: boolean;
  readonly smallGroups: readonly string[];
}

export interface FairnessReport {
  readonly task: 'classification' | 'regression';
  readonly rows: number;
  /** Rows left out because their label or prediction is missing. */
  readonly droppedRows: number;
  readonly positiveLabel?: string;
  readonly threshold?: number;
  readonly overall: { readonly count: number; readonly metrics: Readonly<Record<string, number>> };
  readonly features: readonly FeatureReport[];
  /** AIF360's generalized entropy index (α = 2) and Theil index over benefits ŷ − y + 1 (classification). */
  readonly generalizedEntropyIndex?: number;
  readonly theilIndex?: number;
  readonly bootstrap?: { readonly samples: number; readonly confidence: number; readonly seed: number };
  readonly warnings: readonly string[];
}

function column(table: Table, name: string, role: string): Column {
  const c = findColumn(table, name);
  if (!c) {
    const known = table.columns.map((x) => x.name).join(', ');
    throw new PalisadeError('USAGE', `The ${role} column "${name}" is not in the data (columns: ${known}).`);
  }
  return c;
}

function presentRows(table: Table, columns: readonly Column[]): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < table.rowCount; i++) {
    if (columns.every((c) => cellText(c, i) !== undefined)) rows.push(i);
  }
  return Int32Array.from(rows);
}

interface Grouping {
  readonly feature: string;
  readonly columns: readonly string[];
  readonly names: string[];
  readonly values: Record<string, string>[];
  readonly index: Int32Array;
}

/** Each kept row's group under a feature (or intersection); a missing value is its own group, "(missing)". */
function grouping(columns: readonly Column[], rows: Int32Array): Grouping {
  const byKey = new Map<string, number>();
  const names: string[] = [];
  const values: Record<string, string>[] = [];
  const index = new Int32Array(rows.length);
  rows.forEach((row, k) => {
    const parts = columns.map((c) => cellText(c, row) ?? '(missing)');
    const key = JSON.stringify(parts);
    let g = byKey.get(key);
    if (g === undefined) {
      g = names.length;
      byKey.set(key, g);
      names.push(parts.join(', '));
      values.push(Object.fromEntries(columns.map((c, i) => [c.name, parts[i] as string])));
    }
    index[k] = g;
  });
  const order = names.map((_, g) => g).sort((a, b) => ((names[a] as string) < (names[b] as string) ? -1 : 1));
  const rank = new Int32Array(names.length);
  order.forEach((g, r) => {
    rank[g] = r;
  });
  return {
    feature: columns.map((c) => c.name).join(' & '),
    columns: columns.map((c) => c.name),
    names: order.map((g) => names[g] as string),
    values: order.map((g) => values[g] as Record<string, string>),
    index: index.map((g) => rank[g] as number),
  };
}

function isRegression(label: Column, rows: Int32Array, options: FairnessOptions): boolean {
  if (options.task) return options.task === 'regression';
  if (options.positiveLabel !== undefined || label.kind !== 'numeric') return false;
  const seen = new Set<number>();
  for (const i of rows) {
    seen.add(label.values[i] as number);
    if (seen.size > 2) return true;
  }
  return false;
}

function sumsOf(
  task: AuditTask,
  groups: Grouping,
  rows: Iterable<number>,
): { overall: Float64Array; byGroup: Float64Array } {
  const overall = new Float64Array(task.width);
  const byGroup = new Float64Array(task.width * groups.names.length);
  for (const k of rows) {
    task.add(overall, 0, k);
    task.add(byGroup, (groups.index[k] as number) * task.width, k);
  }
  return { overall, byGroup };
}

function privilegedIndex(groups: Grouping, options: FairnessOptions): number | undefined {
  const value = options.privileged?.[groups.feature];
  if (value === undefined) return undefined;
  const g = groups.names.indexOf(value);
  if (g < 0) {
    throw new PalisadeError(
      'USAGE',
      `The privileged group "${value}" of ${groups.feature} is not in the data (groups: ${groups.names.join('; ')}).`,
    );
  }
  return g;
}

/**
 * A fairness audit with Fairlearn's MetricFrame semantics (overall, by group, difference and ratio between
 * groups and to overall), the one-number summaries (demographic parity, equalized odds, equal opportunity),
 * AIF360's disparate impact with the four-fifths rule and its inequality indices, bootstrap intervals, and a
 * warning for groups too small to say much.
 */
export function fairnessAudit(table: Table, options: FairnessOptions): FairnessReport {
  if (options.sensitive.length === 0)
    throw new PalisadeError('USAGE', 'Name at least one sensitive feature.');
  const labelColumn = column(table, options.label, 'label');
  const predictionColumn = column(table, options.prediction, 'prediction');
  const sensitiveColumns = options.sensitive.map((s) => column(table, s, 'sensitive'));
  const rows = presentRows(table, [labelColumn, predictionColumn]);
  if (rows.length === 0)
    throw new PalisadeError('INPUT_INVALID', 'No row has both a label and a prediction.');
  const warnings: string[] = [];
  const droppedRows = table.rowCount - rows.length;
  if (droppedRows > 0) warnings.push(`${droppedRows} rows without a label or prediction were left out.`);

  let task: AuditTask;
  let labels: Uint8Array | undefined;
  let predictions: Uint8Array | undefined;
  let positive: string | undefined;
  let threshold: number | undefined;
  if (isRegression(labelColumn, rows, options)) {
    if (labelColumn.kind !== 'numeric' || predictionColumn.kind !== 'numeric') {
      throw new PalisadeError('USAGE', 'A regression audit needs numeric label and prediction columns.');
    }
    const y = Float64Array.from(rows, (i) => labelColumn.values[i] as number);
    const p = Float64Array.from(rows, (i) => predictionColumn.values[i] as number);
    task = regressionTask(y, p);
  } else {
    positive = positiveLabel(labelColumn, rows, options.positiveLabel);
    labels = binaryOutcomes(labelColumn, rows, positive);
    if (isScore(predictionColumn, rows) || options.threshold !== undefined)
      threshold = options.threshold ?? 0.5;
    predictions = binaryOutcomes(predictionColumn, rows, positive, threshold);
    task = classificationTask(labels, predictions);
  }

  const sets = sensitiveColumns.map((c) => [c]);
  if (sensitiveColumns.length > 1 && options.intersections !== false) sets.push(sensitiveColumns);
  const groupings = sets.map((set) => grouping(set, rows));
  const all = Array.from({ length: rows.length }, (_, k) => k);
  const first = sumsOf(task, groupings[0] as Grouping, all);
  const overall = task.compute(first.overall, 0);
  const minGroupSize = options.minGroupSize ?? 30;

  const features: FeatureReport[] = groupings.map((groups) => {
    const { byGroup } = sumsOf(task, groups, all);
    const counts = groups.names.map((_, g) => countOf(task, byGroup, g));
    const privileged = privilegedIndex(groups, options);
    const figures = featureFigures(task, byGroup, groups.names.length, overall, privileged);
    const smallGroups = groups.names.filter((_, g) => (counts[g] as number) < minGroupSize);
    if (smallGroups.length > 0) {
      warnings.push(
        `${groups.feature}: ${smallGroups.length} group(s) have fewer than ${minGroupSize} rows (${smallGroups.slice(0, 5).join('; ')}); their rates are unreliable.`,
      );
    }
    const di = figures.summary.disparateImpact;
    return {
      feature: groups.feature,
      columns: groups.columns,
      groups: groups.names.map((group, g) => ({
        group,
        values: groups.values[g] as Record<string, string>,
        count: counts[g] as number,
        metrics: figures.groups[g] as Record<string, number>,
      })),
      disparities: figures.disparities,
      summary: figures.summary,
      ...(privileged !== undefined ? { privilegedGroup: groups.names[privileged] as string } : {}),
      ...(di !== undefined ? { adverseImpact: di < ADVERSE_IMPACT_RATIO } : {}),
      smallGroups,
    };
  });

  const samples = options.bootstrap ?? 0;
  const confidence = options.confidence ?? 0.95;
  const seed = options.seed ?? 0;
  const withIntervals =
    samples > 0
      ? addIntervals(features, groupings, task, rows.length, samples, confidence, seed, options)
      : features;
  const inequality =
    labels && predictions
      ? {
          generalizedEntropyIndex: generalizedEntropyIndex(benefits(labels, predictions), 2),
          theilIndex: theilIndex(benefits(labels, predictions)),
        }
      : {};
  return {
    task: task.name,
    rows: rows.length,
    droppedRows,
    ...(positive !== undefined ? { positiveLabel: positive } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    overall: { count: rows.length, metrics: overall },
    features: withIntervals,
    ...inequality,
    ...(samples > 0 ? { bootstrap: { samples, confidence, seed } } : {}),
    warnings,
  };
}

function countOf(task: AuditTask, sums: Float64Array, g: number): number {
  if (task.name === 'regression') return sums[g * task.width] as number;
  let n = 0;
  for (let k = 0; k < 4; k++) n += sums[g * task.width + k] as number;
  return n;
}

/** Percentile bootstrap: resample rows with replacement, recompute every figure, take the central interval. */
function addIntervals(
  features: FeatureReport[],
  groupings: Grouping[],
  task: AuditTask,
  n: number,
  samples: number,
  confidence: number,
  seed: number,
  options: FairnessOptions,
): FeatureReport[] {
  const random = seededRandom(seed);
  const draws = groupings.map(() => ({
    groups: new Map<string, number[]>(),
    summary: new Map<string, number[]>(),
  }));
  const push = (map: Map<string, number[]>, key: string, value: number) => {
    const list = map.get(key) ?? [];
    list.push(value);
    map.set(key, list);
  };
  const pick = new Int32Array(n);
  for (let b = 0; b < samples; b++) {
    for (let k = 0; k < n; k++) pick[k] = Math.floor(random() * n);
    groupings.forEach((groups, f) => {
      const { overall, byGroup } = sumsOf(task, groups, pick);
      const figures = featureFigures(
        task,
        byGroup,
        groups.names.length,
        task.compute(overall, 0),
        privilegedIndex(groups, options),
      );
      const draw = draws[f] as (typeof draws)[number];
      figures.groups.forEach((metrics, g) => {
        for (const [metric, value] of Object.entries(metrics))
          push(draw.groups, `${g}\u0000${metric}`, value);
      });
      for (const [metric, value] of Object.entries(figures.summary)) push(draw.summary, metric, value);
    });
  }
  const tail = ((1 - confidence) / 2) * 100;
  const interval = (values: number[]): Interval => [percentile(values, tail), percentile(values, 100 - tail)];
  return features.map((feature, f) => {
    const draw = draws[f] as (typeof draws)[number];
    return {
      ...feature,
      groups: feature.groups.map((group, g) => ({
        ...group,
        intervals: Object.fromEntries(
          Object.keys(group.metrics).map((metric) => [
            metric,
            interval(draw.groups.get(`${g}\u0000${metric}`) ?? []),
          ]),
        ),
      })),
      intervals: Object.fromEntries(
        Object.keys(feature.summary).map((metric) => [metric, interval(draw.summary.get(metric) ?? [])]),
      ),
    };
  });
}
