import { PalisadeError } from '@palisade/core';
import {
  type ExplainOptions,
  endpointModel,
  explainModel,
  explainToHtml,
  explainToJson,
  explainToText,
  kindOverrides,
  loadOnnxModel,
  readTable,
  SCORINGS,
  type Scoring,
} from '@palisade/trust';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { COLUMN_LIST, list, optionalString } from './drift.ts';

function count(value: unknown, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new PalisadeError('USAGE', `${flag} takes a whole number up to ${max}, not "${value}".`);
  return n;
}

function scoring(value: unknown): Scoring | undefined {
  if (value === undefined) return undefined;
  if ((SCORINGS as readonly string[]).includes(value as string)) return value as Scoring;
  throw new PalisadeError('USAGE', `--scoring takes ${SCORINGS.join(', ')}, not "${value}".`);
}

function method(value: unknown): ExplainOptions['method'] {
  if (value === undefined || value === 'kernel' || value === 'exact' || value === 'permutation') return value;
  throw new PalisadeError('USAGE', `--method takes kernel, exact or permutation, not "${value}".`);
}

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, positionals, io, flags } = context;
  if (positionals.length !== 1)
    throw new PalisadeError(
      'USAGE',
      "explain takes one model (an .onnx file or an http(s) URL). See 'palisade explain --help'.",
    );
  const modelSource = positionals[0] as string;
  const dataPath = optionalString(values.data);
  if (!dataPath)
    throw new PalisadeError('USAGE', "explain needs --data FILE. See 'palisade explain --help'.");
  const types = kindOverrides(list(values.numeric), []);
  const table = await readTable(dataPath, { types });
  const backgroundPath = optionalString(values.background);
  const background = backgroundPath ? await readTable(backgroundPath, { types }) : undefined;
  const features = list(values.features);
  const label = optionalString(values.label);
  const options: ExplainOptions = {
    ...(features.length > 0 ? { features } : {}),
    ...(label !== undefined ? { label } : {}),
    ...(background ? { background } : {}),
    backgroundSize: count(values['background-size'], '--background-size', 10_000) ?? 100,
    rows: count(values.rows, '--rows', 100_000) ?? 10,
    ...(values.class !== undefined ? { output: count(values.class, '--class', 1_000_000) } : {}),
    ...(values.method !== undefined ? { method: method(values.method) } : {}),
    ...(values.samples !== undefined ? { samples: count(values.samples, '--samples', 10_000_000) } : {}),
    ...(values.scoring !== undefined ? { scoring: scoring(values.scoring) } : {}),
    ...(values.repeats !== undefined ? { repeats: count(values.repeats, '--repeats', 1000) } : {}),
    seed: count(values.seed, '--seed', 2 ** 31) ?? 0,
  };
  const inputs =
    options.features?.length ?? table.columns.filter((c) => c.kind === 'numeric' && c.name !== label).length;
  const model = /^https?:\/\//.test(modelSource)
    ? await endpointModel(modelSource, inputs)
    : await loadOnnxModel(modelSource, {
        ...(optionalString(values['model-output']) ? { output: values['model-output'] as string } : {}),
      });
  const report = await explainModel(model, table, options);
  const sources = { model: modelSource, data: dataPath };
  const text =
    flags.format === 'json'
      ? explainToJson(report, sources)
      : flags.format === 'html'
        ? explainToHtml(report, sources)
        : explainToText(report);
  await writeResult(io, text, flags.output);
  return EXIT.ok;
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Explain a model’s predictions: Kernel SHAP values and permutation importance',
  usage: 'palisade explain MODEL --data FILE [options]',
  description: [
    'MODEL is an ONNX file (run by ONNX Runtime on the CPU; one float input [batch, features]) or the URL of a',
    'prediction endpoint speaking the KServe / TensorFlow Serving v1 JSON protocol ({"instances": …} →',
    '{"predictions": …}). The model’s inputs are the numeric columns of FILE (all but --label, in file order, or',
    '--features in input order). For the first --rows rows, Shapley values against a background sample',
    '(--background-size rows of --background, else of FILE): Kernel SHAP as SHAP’s KernelExplainer, exact when its',
    'budget (default 2·M + 2048 coalitions) covers every coalition, or --method exact. Mean |SHAP| per feature is',
    'the global importance; with --label, permutation importance (scikit-learn’s definition) is added.',
    '',
    'Exit codes: 0 done, 2 usage or input error, 3 internal error.',
  ].join('\n'),
  formats: ['text', 'json', 'html'],
  options: [
    {
      name: 'data',
      short: 'd',
      type: 'string',
      value: 'FILE',
      description: 'Rows to explain (CSV, TSV, JSON lines, Parquet, Arrow). Required.',
    },
    { name: 'features', ...COLUMN_LIST, description: 'The model’s input columns, in input order.' },
    {
      name: 'label',
      short: 'y',
      type: 'string',
      value: 'COL',
      description: 'True outcome (class index or value): adds permutation importance.',
    },
    { name: 'background', type: 'string', value: 'FILE', description: 'Background data (default: FILE).' },
    {
      name: 'background-size',
      type: 'string',
      value: 'N',
      description: 'Background rows sampled (default 100, as SHAP advises).',
    },
    { name: 'rows', type: 'string', value: 'N', description: 'Rows explained, from the top (default 10).' },
    {
      name: 'class',
      type: 'string',
      value: 'K',
      description: 'Output (class index) explained (default: each row’s highest output).',
    },
    {
      name: 'model-output',
      type: 'string',
      value: 'NAME',
      description: 'ONNX output tensor to use (default: the first tensor output).',
    },
    {
      name: 'method',
      type: 'string',
      value: 'METHOD',
      description:
        'kernel (default), exact (every coalition; up to 16 features) or permutation (SHAP’s PermutationExplainer).',
    },
    {
      name: 'samples',
      type: 'string',
      value: 'N',
      description:
        'Coalition budget: Kernel SHAP’s (default 2·M + 2048) or permutation max_evals (default 500).',
    },
    {
      name: 'scoring',
      type: 'string',
      value: 'NAME',
      description: `Permutation score: ${SCORINGS.join(', ')} (default accuracy for several outputs, else r2).`,
    },
    { name: 'repeats', type: 'string', value: 'N', description: 'Permutations per feature (default 5).' },
    {
      name: 'seed',
      type: 'string',
      value: 'N',
      description: 'Seed of the background sample, coalitions and permutations (default 0).',
    },
    { name: 'numeric', ...COLUMN_LIST, description: 'Read these columns as numbers.' },
  ],
  examples: [
    'palisade explain model.onnx --data holdout.csv --label target',
    'palisade explain model.onnx --data rows.parquet --features age,income,score --rows 50 --format json',
    'palisade explain http://localhost:8080/v1/models/credit:predict --data rows.csv --background train.csv',
  ],
  run,
};
