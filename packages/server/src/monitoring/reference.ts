import type { Column, Table } from '@palisade/trust';
import { HttpError } from '../http/problem.ts';

/** Bounds of a reference dataset given as rows: 20,000 rows of at most 64 columns. */
export const MAX_REFERENCE_ROWS = 20_000;
export const MAX_REFERENCE_COLUMNS = 64;
const MAX_LABELS = 1000;

/** The reference data of a deployment: the drift baseline and the calibration set of the extraction detector. */
export interface Reference {
  readonly table: Table;
  /** Feature columns (every column but the prediction). */
  readonly features: readonly string[];
  /** Numeric features, in the order extraction vectors use, with the reference mean and spread to scale them. */
  readonly numeric: readonly { readonly name: string; readonly mean: number; readonly std: number }[];
  /** The prediction of each reference row, when the reference has one. */
  readonly predictions: readonly (number | string)[] | undefined;
  /** How often the prediction equals the label in the reference, when it has both. */
  readonly accuracy: { readonly correct: number; readonly rows: number } | undefined;
}

type Row = Record<string, unknown>;

function column(name: string, rows: readonly Row[]): Column {
  const values = rows.map((row) => row[name]);
  if (values.every((v) => typeof v === 'number' || v === null || v === undefined)) {
    return {
      name,
      kind: 'numeric',
      values: Float64Array.from(values, (v) =>
        typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN,
      ),
    };
  }
  const categories: string[] = [];
  const index = new Map<string, number>();
  const codes = Int32Array.from(values, (v) => {
    if (v === null || v === undefined) return -1;
    const label = String(v);
    let code = index.get(label);
    if (code === undefined) {
      if (categories.length >= MAX_LABELS)
        throw new HttpError(
          400,
          'invalid-request',
          `reference column "${name}" has over ${MAX_LABELS} labels.`,
        );
      code = categories.length;
      categories.push(label);
      index.set(label, code);
    }
    return code;
  });
  return { name, kind: 'categorical', codes, categories };
}

function spread(values: Float64Array): { mean: number; std: number } {
  let n = 0;
  let sum = 0;
  let squares = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    n++;
    sum += v;
    squares += v * v;
  }
  const mean = n === 0 ? 0 : sum / n;
  const variance = n < 2 ? 0 : (squares - n * mean * mean) / (n - 1);
  return { mean, std: variance > 0 ? Math.sqrt(variance) : 1 };
}

/**
 * Builds the reference from rows (objects of feature values); `prediction` names the model-output column and
 * `label` the true outcome (both are left out of the features).
 */
export function buildReference(rows: unknown, prediction: string | undefined, label?: string): Reference {
  if (!Array.isArray(rows) || rows.length < 30 || rows.length > MAX_REFERENCE_ROWS)
    throw new HttpError(
      400,
      'invalid-request',
      `reference.rows must be an array of 30 to ${MAX_REFERENCE_ROWS} row objects.`,
    );
  const names = new Set<string>();
  for (const row of rows) {
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      throw new HttpError(400, 'invalid-request', 'each reference row must be an object of column values.');
    for (const name of Object.keys(row)) names.add(name);
    if (names.size > MAX_REFERENCE_COLUMNS)
      throw new HttpError(400, 'invalid-request', `the reference has over ${MAX_REFERENCE_COLUMNS} columns.`);
  }
  if (prediction !== undefined && !names.has(prediction))
    throw new HttpError(400, 'invalid-request', `the reference has no prediction column "${prediction}".`);
  if (label !== undefined && (prediction === undefined || !names.has(label)))
    throw new HttpError(
      400,
      'invalid-request',
      `the reference needs a prediction and the label column "${label}".`,
    );
  const columns = [...names].map((name) => column(name, rows as Row[]));
  const features = columns.filter((c) => c.name !== prediction && c.name !== label);
  if (features.length === 0)
    throw new HttpError(400, 'invalid-request', 'the reference has no feature column.');
  return {
    table: { rowCount: rows.length, columns, skipped: [] },
    features: features.map((c) => c.name),
    numeric: features
      .filter((c) => c.kind === 'numeric')
      .map((c) => ({ name: c.name, ...spread(c.kind === 'numeric' ? c.values : new Float64Array()) })),
    accuracy:
      label === undefined || prediction === undefined
        ? undefined
        : {
            correct: (rows as Row[]).filter((row) => String(row[prediction]) === String(row[label])).length,
            rows: rows.length,
          },
    predictions:
      prediction === undefined
        ? undefined
        : (rows as Row[]).map((row) => {
            const value = row[prediction];
            return typeof value === 'number' ? value : String(value);
          }),
  };
}
