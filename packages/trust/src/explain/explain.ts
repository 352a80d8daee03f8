import { PalisadeError } from '@palisade/core';
import { type Column, findColumn, type Table } from '../data/table.ts';
import { permutation, seededRandom } from '../stats/random.ts';
import type { PredictModel } from './model.ts';
import { type PermutationImportance, permutationImportance, type Scoring } from './permutation-importance.ts';
import { permutationShap } from './permutation-shap.ts';
import { exactShapley, kernelShap } from './shapley.ts';

export interface ExplainOptions {
  /** The model's input columns, in input order (default: every numeric column but the label, in file order). */
  readonly features?: readonly string[];
  /** The true outcome: enables permutation importance. */
  readonly label?: string;
  /** Background data (default: the explained data); a sample of `backgroundSize` rows is used. */
  readonly background?: Table;
  /** SHAP advises at most 100 background rows (default 100). */
  readonly backgroundSize?: number;
  /** How many rows to explain, from the top of the data (default 10). */
  readonly rows?: number;
  /** Output to explain (default: each row's highest output, or the only one). */
  readonly output?: number;
  readonly method?: 'kernel' | 'exact' | 'permutation';
  /** Coalition budget: Kernel SHAP's (default 2·M + 2048) or the permutation explainer's max_evals (500). */
  readonly samples?: number;
  readonly scoring?: Scoring;
  readonly repeats?: number;
  readonly seed?: number;
}

export interface RowExplanation {
  readonly row: number;
  readonly output: number;
  readonly prediction: number;
  readonly baseValue: number;
  readonly values: readonly number[];
  readonly coalitions: number;
}

export interface ExplainReport {
  readonly features: readonly string[];
  readonly outputs: number;
  readonly method: 'kernel' | 'exact' | 'permutation';
  readonly samples: number;
  readonly backgroundRows: number;
  readonly rows: readonly RowExplanation[];
  /** Mean |φ| per feature over the explained rows: the global SHAP importance. */
  readonly meanAbsShap: readonly number[];
  readonly permutationImportance?: PermutationImportance;
}

function matrix(columns: readonly Column[], rows: ArrayLike<number>): Float64Array {
  const m = columns.length;
  const out = new Float64Array(rows.length * m);
  for (let r = 0; r < rows.length; r++) {
    columns.forEach((c, j) => {
      const v = c.kind === 'numeric' ? (c.values[rows[r] as number] as number) : Number.NaN;
      if (!Number.isFinite(v)) {
        throw new PalisadeError(
          'INPUT_INVALID',
          `Row ${(rows[r] as number) + 1} of "${c.name}" is missing; explain needs complete numeric rows.`,
        );
      }
      out[r * m + j] = v;
    });
  }
  return out;
}

function featureColumns(table: Table, options: ExplainOptions, inputs: number): Column[] {
  const names =
    options.features ??
    table.columns.filter((c) => c.kind === 'numeric' && c.name !== options.label).map((c) => c.name);
  const columns = names.map((name) => {
    const c = findColumn(table, name);
    if (!c) throw new PalisadeError('USAGE', `Feature column "${name}" is not in the data.`);
    if (c.kind !== 'numeric')
      throw new PalisadeError(
        'USAGE',
        `Feature column "${name}" is not numeric; encode it as the model expects first.`,
      );
    return c;
  });
  if (columns.length !== inputs) {
    throw new PalisadeError(
      'USAGE',
      `The model takes ${inputs} inputs but ${columns.length} feature columns were found (${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}); name them with --features.`,
    );
  }
  return columns;
}

/**
 * Global and per-row explanations of a model on tabular data: Shapley values (Kernel SHAP, exact when the budget
 * covers every coalition, or exact enumeration) against a background sample, their mean magnitude per feature,
 * and permutation importance when labels are given.
 */
export async function explainModel(
  model: PredictModel,
  table: Table,
  options: ExplainOptions = {},
): Promise<ExplainReport> {
  const columns = featureColumns(table, options, model.inputs);
  const seed = options.seed ?? 0;
  const backgroundTable = options.background ?? table;
  const backgroundColumns = columns.map((c) => findColumn(backgroundTable, c.name) ?? c);
  const size = Math.min(options.backgroundSize ?? 100, backgroundTable.rowCount);
  const backgroundRows = permutation(backgroundTable.rowCount, seededRandom(seed)).subarray(0, size).sort();
  const background = matrix(backgroundColumns, backgroundRows);
  const explainedRows = Int32Array.from(
    { length: Math.min(options.rows ?? 10, table.rowCount) },
    (_, i) => i,
  );
  const data = matrix(columns, explainedRows);
  const predictions = await model.predict(data, explainedRows.length);
  const method = options.method ?? 'kernel';
  const m = model.inputs;
  const samples = options.samples ?? (method === 'permutation' ? 500 : 2 * m + 2048);
  const rows: RowExplanation[] = [];
  for (let r = 0; r < explainedRows.length; r++) {
    let output = options.output ?? 0;
    if (options.output === undefined && model.outputs > 1) {
      for (let k = 1; k < model.outputs; k++) {
        if (
          (predictions[r * model.outputs + k] as number) > (predictions[r * model.outputs + output] as number)
        )
          output = k;
      }
    }
    if (output < 0 || output >= model.outputs)
      throw new PalisadeError(
        'USAGE',
        `The model has ${model.outputs} outputs; output ${output} is not one.`,
      );
    const input = { model, x: data.slice(r * m, (r + 1) * m), background, backgroundRows: size, output };
    const e =
      method === 'exact'
        ? await exactShapley(input)
        : method === 'permutation'
          ? await permutationShap(input, { maxEvals: samples, seed: seed + r })
          : await kernelShap(input, { samples, seed: seed + r });
    rows.push({
      row: explainedRows[r] as number,
      output,
      prediction: e.prediction,
      baseValue: e.baseValue,
      values: [...e.values],
      coalitions: e.coalitions,
    });
  }
  const meanAbsShap = columns.map(
    (_, j) => rows.reduce((s, r) => s + Math.abs(r.values[j] as number), 0) / Math.max(1, rows.length),
  );
  let importance: PermutationImportance | undefined;
  if (options.label !== undefined) {
    const labelColumn = findColumn(table, options.label);
    if (labelColumn?.kind !== 'numeric') {
      throw new PalisadeError(
        'USAGE',
        `The label column "${options.label}" must be in the data and numeric (class indices or values).`,
      );
    }
    if (labelColumn.values.some((v) => Number.isNaN(v))) {
      throw new PalisadeError('INPUT_INVALID', `The label column "${options.label}" has missing values.`);
    }
    const all = Int32Array.from({ length: table.rowCount }, (_, i) => i);
    importance = await permutationImportance(
      model,
      matrix(columns, all),
      table.rowCount,
      labelColumn.values,
      {
        ...(options.scoring ? { scoring: options.scoring } : {}),
        ...(options.repeats !== undefined ? { repeats: options.repeats } : {}),
        seed,
      },
    );
  }
  return {
    features: columns.map((c) => c.name),
    outputs: model.outputs,
    method,
    samples,
    backgroundRows: size,
    rows,
    meanAbsShap,
    ...(importance ? { permutationImportance: importance } : {}),
  };
}
