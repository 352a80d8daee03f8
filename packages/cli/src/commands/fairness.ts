import { PalisadeError } from '@palisade/core';
import {
  type FairnessOptions,
  fairnessAudit,
  fairnessToHtml,
  fairnessToJson,
  fairnessToText,
  kindOverrides,
  readTable,
} from '@palisade/trust';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { COLUMN_LIST, list, optionalString } from './drift.ts';

function requiredColumn(context: CommandContext, name: string): string {
  const value = optionalString(context.values[name]);
  if (!value)
    throw new PalisadeError('USAGE', `fairness needs --${name} COLUMN. See 'palisade fairness --help'.`);
  return value;
}

function number(
  value: unknown,
  flag: string,
  check: (n: number) => boolean,
  what: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n))
    throw new PalisadeError('USAGE', `${flag} takes ${what}, not "${value}".`);
  return n;
}

function privileged(values: string[]): Record<string, string> {
  return Object.fromEntries(
    values.map((entry) => {
      const at = entry.indexOf('=');
      if (at <= 0) throw new PalisadeError('USAGE', `--privileged takes FEATURE=GROUP, not "${entry}".`);
      return [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

function task(value: unknown): FairnessOptions['task'] {
  if (value === undefined || value === 'classification' || value === 'regression') return value;
  throw new PalisadeError('USAGE', `--task takes classification or regression, not "${value}".`);
}

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, positionals, io, flags } = context;
  if (positionals.length !== 1) {
    throw new PalisadeError('USAGE', "fairness takes one data file. See 'palisade fairness --help'.");
  }
  const file = positionals[0] as string;
  const sensitive = list(values.sensitive);
  if (sensitive.length === 0)
    throw new PalisadeError('USAGE', 'fairness needs at least one --sensitive COLUMN.');
  const chosenTask = task(values.task);
  const positive = optionalString(values['positive-label']);
  const threshold = number(values.threshold, '--threshold', (n) => n >= 0 && n <= 1, 'a number from 0 to 1');
  const bootstrap = number(
    values.bootstrap,
    '--bootstrap',
    (n) => Number.isInteger(n) && n >= 0 && n <= 100_000,
    'a whole number up to 100000',
  );
  const confidence = number(
    values.confidence,
    '--confidence',
    (n) => n > 0 && n < 1,
    'a number between 0 and 1',
  );
  const seed = number(values.seed, '--seed', Number.isInteger, 'a whole number');
  const minGroupSize = number(values['min-group-size'], '--min-group-size', (n) => n >= 0, 'a number ≥ 0');
  const options: FairnessOptions = {
    label: requiredColumn(context, 'label'),
    prediction: requiredColumn(context, 'prediction'),
    sensitive,
    privileged: privileged(list(values.privileged)),
    intersections: values['no-intersections'] !== true,
    ...(chosenTask ? { task: chosenTask } : {}),
    ...(positive !== undefined ? { positiveLabel: positive } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(bootstrap !== undefined ? { bootstrap } : {}),
    ...(confidence !== undefined ? { confidence } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(minGroupSize !== undefined ? { minGroupSize } : {}),
  };
  const table = await readTable(file, {
    types: kindOverrides(list(values.numeric), list(values.categorical)),
  });
  const report = fairnessAudit(table, options);
  const text =
    flags.format === 'json'
      ? fairnessToJson(report, file)
      : flags.format === 'html'
        ? fairnessToHtml(report, file)
        : fairnessToText(report);
  await writeResult(io, text, flags.output);
  const adverse = report.features.some((f) => f.adverseImpact === true);
  return values['fail-on-adverse-impact'] === true && adverse ? EXIT.findings : EXIT.ok;
}

export const fairnessCommand: Command = {
  name: 'fairness',
  summary: 'Audit a model’s decisions for group fairness, as Fairlearn and AIF360 measure it',
  usage: 'palisade fairness FILE --label COL --prediction COL --sensitive COL… [options]',
  description: [
    'Reads the true outcomes, the model’s predictions and one or more sensitive features from FILE (CSV, TSV,',
    'JSON lines, Parquet or Arrow) and reports, per group: selection rate, true and false positive rates, precision',
    'and accuracy (classification) or mean error (regression); per feature, Fairlearn’s MetricFrame aggregates',
    '(difference and ratio between groups and to overall), demographic parity, equalized odds and equal',
    'opportunity differences and ratios, and AIF360’s disparate impact with the four-fifths (80 %) rule. Several',
    'sensitive features are also audited as their intersection. Scores in [0, 1] are turned into decisions at',
    '--threshold. --bootstrap N adds percentile confidence intervals; groups under --min-group-size are flagged.',
    '',
    'Exit codes: 0 done (1 with --fail-on-adverse-impact when a disparate impact is below 0.8), 2 usage or input',
    'error, 3 internal error.',
  ].join('\n'),
  formats: ['text', 'json', 'html'],
  options: [
    { name: 'label', short: 'y', type: 'string', value: 'COL', description: 'The true outcome. Required.' },
    {
      name: 'prediction',
      short: 'p',
      type: 'string',
      value: 'COL',
      description: 'The model’s decision or score. Required.',
    },
    { name: 'sensitive', short: 's', ...COLUMN_LIST, description: 'Sensitive feature(s). Required.' },
    {
      name: 'positive-label',
      type: 'string',
      value: 'VALUE',
      description: 'The favourable outcome (default 1, true or yes).',
    },
    {
      name: 'threshold',
      type: 'string',
      value: 'T',
      description: 'Scores ≥ T count as positive (default 0.5 for scores).',
    },
    {
      name: 'privileged',
      type: 'string',
      multiple: true,
      value: 'FEATURE=GROUP',
      description:
        'Privileged group: disparate impact and statistical parity compare it with all others (AIF360).',
    },
    {
      name: 'task',
      type: 'string',
      value: 'TASK',
      description: 'classification or regression (default: from the label).',
    },
    {
      name: 'no-intersections',
      type: 'boolean',
      description: 'Do not audit the intersection of several features.',
    },
    {
      name: 'bootstrap',
      type: 'string',
      value: 'N',
      description: 'Bootstrap resamples for confidence intervals (default 0: none).',
    },
    {
      name: 'confidence',
      type: 'string',
      value: 'LEVEL',
      description: 'Confidence level of the intervals (default 0.95).',
    },
    {
      name: 'seed',
      type: 'string',
      value: 'N',
      description: 'Seed of the bootstrap (default 0), for reproducible intervals.',
    },
    {
      name: 'min-group-size',
      type: 'string',
      value: 'N',
      description: 'Warn about groups with fewer rows (default 30).',
    },
    { name: 'numeric', ...COLUMN_LIST, description: 'Read these columns as numbers.' },
    {
      name: 'categorical',
      ...COLUMN_LIST,
      description: 'Read these columns as labels even when they hold numbers.',
    },
    {
      name: 'fail-on-adverse-impact',
      type: 'boolean',
      description: 'Exit 1 when a disparate impact is below 0.8.',
    },
  ],
  examples: [
    'palisade fairness scored.csv --label approved --prediction decision --sensitive sex',
    'palisade fairness scored.parquet -y label -p score --threshold 0.7 -s sex,race --bootstrap 1000',
    'palisade fairness loans.csv -y repaid -p approved -s age_band --privileged age_band=25-45 --format json',
  ],
  run,
};
