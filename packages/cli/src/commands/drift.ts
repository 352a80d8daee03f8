import { PalisadeError } from '@palisade/core';
import {
  CORRECTIONS,
  type Correction,
  DRIFT_TESTS,
  type DriftTest,
  type driftReport,
  driftReportParallel,
  driftToHtml,
  driftToJson,
  driftToText,
  driftWindows,
  kindOverrides,
  readTable,
} from '@palisade/trust';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { Progress } from '../progress.ts';

/** Values of a repeatable option, each of which may also be a comma-separated list (shared by the trust commands). */
export function list(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items.filter((v): v is string => typeof v === 'string').flatMap((v) => v.split(',').filter(Boolean));
}

function required(context: CommandContext, name: string): string {
  const value = context.values[name];
  if (typeof value !== 'string' || value === '') {
    throw new PalisadeError('USAGE', `drift needs --${name} FILE. See 'palisade drift --help'.`);
  }
  return value;
}

function share(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new PalisadeError('USAGE', `${flag} takes a number from 0 to 1, not "${value}".`);
  return n;
}

function driftTest(value: string, flag: string): DriftTest {
  if ((DRIFT_TESTS as readonly string[]).includes(value)) return value as DriftTest;
  throw new PalisadeError('USAGE', `${flag} takes one of ${DRIFT_TESTS.join(', ')}, not "${value}".`);
}

function columnTests(values: string[]): Record<string, DriftTest> {
  return Object.fromEntries(
    values.map((entry) => {
      const at = entry.lastIndexOf('=');
      if (at <= 0) throw new PalisadeError('USAGE', `--column-test takes COLUMN=TEST, not "${entry}".`);
      return [entry.slice(0, at), driftTest(entry.slice(at + 1), '--column-test')];
    }),
  );
}

function correction(value: unknown): Correction | undefined {
  if (value === undefined) return undefined;
  if ((CORRECTIONS as readonly string[]).includes(value as string)) return value as Correction;
  throw new PalisadeError('USAGE', `--correction takes ${CORRECTIONS.join(', ')}, not "${value}".`);
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, io, flags } = context;
  const referencePath = required(context, 'reference');
  const currentPath = required(context, 'current');
  const types = kindOverrides(list(values.numeric), list(values.categorical));
  const test = optionalString(values.test);
  const columns = list(values.columns);
  const target = optionalString(values.target);
  const prediction = optionalString(values.prediction);
  const options = {
    ...(columns.length > 0 ? { columns } : {}),
    exclude: list(values.exclude),
    ...(test !== undefined ? { test: driftTest(test, '--test') } : {}),
    tests: columnTests(list(values['column-test'])),
    ...(values.threshold !== undefined ? { threshold: Number(values.threshold) } : {}),
    ...(values['drift-share'] !== undefined
      ? { driftShare: share(values['drift-share'], '--drift-share') }
      : {}),
    ...(values.correction !== undefined ? { correction: correction(values.correction) } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(prediction !== undefined ? { prediction } : {}),
  };
  if (options.threshold !== undefined && !Number.isFinite(options.threshold)) {
    throw new PalisadeError('USAGE', `--threshold takes a number, not "${values.threshold}".`);
  }
  const reference = await readTable(referencePath, { types });
  const current = await readTable(currentPath, { types });
  const timestamp = optionalString(values.timestamp);
  const windowCount = values.windows === undefined ? undefined : Number(values.windows);
  if (
    windowCount !== undefined &&
    (!Number.isInteger(windowCount) || windowCount < 1 || windowCount > 1000)
  ) {
    throw new PalisadeError(
      'USAGE',
      `--windows takes a whole number from 1 to 1000, not "${values.windows}".`,
    );
  }
  if (windowCount !== undefined && timestamp === undefined)
    throw new PalisadeError('USAGE', '--windows needs --timestamp COL.');
  const driftOptions = {
    ...options,
    exclude: [...options.exclude, ...(timestamp !== undefined ? [timestamp] : [])],
  } as Parameters<typeof driftReport>[2];
  const threads = values.threads === undefined ? 1 : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new PalisadeError('USAGE', `--threads takes a whole number from 1 to 64, not "${values.threads}".`);
  }
  const progress = new Progress(io, !flags.quiet);
  const report = await driftReportParallel(
    reference,
    current,
    {
      ...driftOptions,
      onColumn: (done, total, column) => {
        if (done === 1) progress.start(total);
        progress.update(done, column);
      },
    },
    { threads },
  );
  progress.done();
  const windows =
    timestamp === undefined
      ? undefined
      : driftWindows(reference, current, report, {
          timestamp,
          ...(windowCount ? { chunks: windowCount } : {}),
        });
  const format = flags.format ?? 'text';
  const sources = { reference: referencePath, current: currentPath };
  const text =
    format === 'json'
      ? driftToJson(report, sources, windows)
      : format === 'html'
        ? driftToHtml(report, sources, windows)
        : driftToText(report, windows);
  await writeResult(io, text, flags.output);
  return values['fail-on-drift'] === true && report.datasetDrift ? EXIT.findings : EXIT.ok;
}

export const COLUMN_LIST = { type: 'string', multiple: true, value: 'COL[,COL…]' } as const;

export const driftCommand: Command = {
  name: 'drift',
  summary: 'Compare current data with reference data, column by column, as Evidently does',
  usage: 'palisade drift --reference FILE --current FILE [options]',
  description: [
    'Tests every column present in both files for a change of distribution. The test follows Evidently’s',
    'default choice: up to 1,000 reference rows, Kolmogorov–Smirnov (exact p-value) for numeric columns with more',
    'than 5 distinct values, chi-square for 3 or more labels, a two-proportion z-test for 2; above 1,000 rows,',
    'Wasserstein distance normed by the reference’s standard deviation (numeric, > 5 values) or Jensen–Shannon',
    'distance. A column drifts when p ≤ 0.05 (KS), p < 0.05 (chi-square, z) or the distance ≥ 0.1; the dataset',
    'drifts when at least half of its columns do (--drift-share). Missing values are left out of every test.',
    'Files: CSV or TSV (streamed), JSON lines, Parquet, Arrow IPC (by extension, else by their first bytes).',
    '',
    'Exit codes: 0 done (1 with --fail-on-drift when the dataset drifted), 2 usage or input error, 3 internal error.',
  ].join('\n'),
  formats: ['text', 'json', 'html'],
  options: [
    {
      name: 'reference',
      short: 'r',
      type: 'string',
      value: 'FILE',
      description: 'Reference data (e.g. training). Required.',
    },
    {
      name: 'current',
      short: 'c',
      type: 'string',
      value: 'FILE',
      description: 'Current data (e.g. production). Required.',
    },
    { name: 'columns', ...COLUMN_LIST, description: 'Compare only these columns.' },
    { name: 'exclude', ...COLUMN_LIST, description: 'Leave these columns out (identifiers, timestamps).' },
    {
      name: 'test',
      type: 'string',
      value: 'TEST',
      description: `Use TEST for every column: ${DRIFT_TESTS.join(', ')}.`,
    },
    {
      name: 'column-test',
      type: 'string',
      multiple: true,
      value: 'COL=TEST',
      description: 'Use TEST for column COL.',
    },
    {
      name: 'threshold',
      type: 'string',
      value: 'N',
      description: 'Threshold for every test instead of its default.',
    },
    {
      name: 'drift-share',
      type: 'string',
      value: 'SHARE',
      description: 'Share of drifted columns that means dataset drift (default 0.5).',
    },
    {
      name: 'correction',
      type: 'string',
      value: 'METHOD',
      description:
        'Multiple-testing correction of p-values: none (default), bonferroni, fdr (Benjamini–Hochberg).',
    },
    {
      name: 'target',
      type: 'string',
      value: 'COL',
      description: 'The target column: its drift is reported as targetDrift.',
    },
    {
      name: 'prediction',
      type: 'string',
      value: 'COL',
      description: 'The prediction column: its drift is reported as predictionDrift.',
    },
    {
      name: 'timestamp',
      type: 'string',
      value: 'COL',
      description:
        'Also cut the current data into windows over time by COL (numbers or ISO dates), NannyML-style.',
    },
    {
      name: 'windows',
      type: 'string',
      value: 'N',
      description: 'Number of windows with --timestamp (default 10).',
    },
    { name: 'numeric', ...COLUMN_LIST, description: 'Read these columns as numbers (default: inferred).' },
    {
      name: 'categorical',
      ...COLUMN_LIST,
      description: 'Read these columns as labels even when they hold numbers.',
    },
    {
      name: 'threads',
      short: 'j',
      type: 'string',
      value: 'N',
      description: 'Test columns on N threads (default 1; from 20 million values; more memory).',
    },
    { name: 'fail-on-drift', type: 'boolean', description: 'Exit 1 when the dataset drifted.' },
  ],
  examples: [
    'palisade drift --reference train.parquet --current last-week.parquet',
    'palisade drift -r train.csv -c prod.csv --exclude id,ts --target label --format json -o drift.json',
    'palisade drift -r ref.arrow -c cur.arrow --test psi --correction fdr --fail-on-drift',
    'palisade drift -r train.parquet -c prod.parquet --format html -o drift.html   # charts, opens offline',
  ],
  run,
};
