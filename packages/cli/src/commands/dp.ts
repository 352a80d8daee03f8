import { join } from 'node:path';
import { isPalisadeError, PalisadeError, sha256File } from '@palisade/core';
import type { BudgetStatus, DpResult, MechanismName, PrivacyCost } from '@palisade/privacy';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';

const DEFAULT_LEDGER = join('.palisade', 'privacy-budget.sqlite');

function required(values: CommandContext['values'], flag: string): string {
  const v = values[flag];
  if (typeof v !== 'string' || v === '')
    throw new PalisadeError('USAGE', `dp needs --${flag}. See 'palisade dp --help'.`);
  return v;
}

function numbers(value: unknown, flag: string, count: number | [number, number]): number[] | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = value.split(',').map((p) => Number(p.trim()));
  const [min, max] = typeof count === 'number' ? [count, count] : count;
  if (parts.length < min || parts.length > max || !parts.every(Number.isFinite))
    throw new PalisadeError(
      'USAGE',
      `${flag} takes ${min === max ? min : `${min} or ${max}`} comma-separated numbers, not "${value}".`,
    );
  return parts;
}

function positiveInteger(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new PalisadeError('USAGE', `${flag} takes a whole number ≥ 1, not "${String(value)}".`);
  return n;
}

function render(
  path: string,
  digest: string,
  result: DpResult,
  status: BudgetStatus,
  format: string,
): string {
  const budget = {
    epsilon: status.budget.epsilon,
    delta: status.budget.delta,
    spentEpsilon: status.spent.epsilon,
    spentDelta: status.spent.delta,
    remainingEpsilon: Math.max(0, status.budget.epsilon - status.spent.epsilon),
    releases: status.releases,
  };
  if (format === 'json')
    return `${JSON.stringify(
      {
        dataset: path,
        digest,
        ...result,
        budget,
        facts: { privacy: { epsilonSpent: budget.spentEpsilon, epsilonBudget: budget.epsilon } },
      },
      null,
      2,
    )}\n`;
  const noise = `${result.mechanism === 'laplace' ? 'Laplace, b' : 'Gaussian, σ'} = ${result.noiseScale.toPrecision(4)}`;
  const lines = [
    result.value !== undefined
      ? `${result.query} ≈ ${result.value}`
      : `${result.query}:\n${(result.bins ?? []).map((b) => `  ${b.label}: ${b.count}`).join('\n')}`,
    `  ${noise}; ε = ${result.epsilon}${result.delta > 0 ? `, δ = ${result.delta}` : ''}; ≤ ${result.maxContributions} record(s) per unit`,
    `Budget of ${digest.slice(0, 19)}…: spent ε = ${round(budget.spentEpsilon)} of ${budget.epsilon} (${status.releases} releases), δ = ${budget.spentDelta} of ${budget.delta}`,
    '',
  ];
  return lines.join('\n');
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, positionals, io, flags } = context;
  const [path, ...rest] = positionals;
  if (path === undefined || rest.length > 0)
    throw new PalisadeError('USAGE', 'dp takes exactly one data file.');
  const { MECHANISMS, parseQuery, PrivacyBudgetLedger, releaseStatistic, validateRelease } = await import(
    '@palisade/privacy'
  );
  const query = parseQuery(required(values, 'query'));
  const epsilon = numbers(required(values, 'epsilon'), '--epsilon', 1)?.[0] ?? 0;
  const mechanism = (values.mechanism ?? 'laplace') as MechanismName;
  if (!MECHANISMS.includes(mechanism))
    throw new PalisadeError('USAGE', `--mechanism takes laplace or gaussian, not "${mechanism}".`);
  const delta = numbers(values.delta, '--delta', 1)?.[0] ?? 0;
  const bounds = numbers(values.bounds, '--bounds', 2) as [number, number] | undefined;
  const budgetParts = numbers(values.budget, '--budget', [1, 2]);
  const budget: PrivacyCost | undefined = budgetParts
    ? { epsilon: budgetParts[0] ?? 0, delta: budgetParts[1] ?? 0 }
    : undefined;
  if (budget && !(budget.epsilon > 0 && budget.delta >= 0 && budget.delta < 1))
    throw new PalisadeError('USAGE', '--budget takes EPSILON > 0 and optionally DELTA in [0, 1).');
  const categories =
    typeof values.categories === 'string' ? values.categories.split(',').map((c) => c.trim()) : undefined;
  const bins = positiveInteger(values.bins, '--bins');
  const maxContributions = positiveInteger(values['max-contributions'], '--max-contributions');
  const privacyUnit = typeof values['privacy-unit'] === 'string' ? values['privacy-unit'] : undefined;
  if (maxContributions !== undefined && privacyUnit === undefined)
    throw new PalisadeError(
      'USAGE',
      '--max-contributions bounds records per person: give the person column with --privacy-unit.',
    );
  const options = {
    query,
    mechanism,
    epsilon,
    delta,
    ...(bounds ? { bounds } : {}),
    ...(categories ? { categories } : {}),
    ...(bins ? { bins } : {}),
    ...(privacyUnit ? { privacyUnit } : {}),
    ...(maxContributions ? { maxContributions } : {}),
    ...(typeof values['data-format'] === 'string' ? { format: values['data-format'] as 'csv' } : {}),
  };
  validateRelease(path, options);
  const digest = `sha256:${await sha256File(path)}`;
  const ledger = await PrivacyBudgetLedger.open(
    typeof values.ledger === 'string' ? values.ledger : DEFAULT_LEDGER,
  );
  try {
    // Charge before computing: a release that fails after this point has still spent its budget, never the reverse.
    let status: BudgetStatus;
    try {
      status = ledger.charge(
        digest,
        { query: JSON.stringify(query), mechanism, cost: { epsilon, delta } },
        budget,
      );
    } catch (error) {
      if (isPalisadeError(error) && error.code === 'LIMIT_EXCEEDED') {
        io.stderr.write(`palisade: ${error.message}\n`);
        return EXIT.findings;
      }
      throw error;
    }
    const result = await releaseStatistic(path, options);
    // The budget was charged to the digest read before; a file swapped meanwhile must not be released under it.
    if (`sha256:${await sha256File(path)}` !== digest)
      throw new PalisadeError(
        'INPUT_INVALID',
        `${path} changed during the release; nothing was released (the budget charge of ${digest.slice(0, 19)}… stands).`,
      );
    await writeResult(io, render(path, digest, result, status, flags.format ?? 'text'), flags.output);
    return EXIT.ok;
  } finally {
    ledger.close();
  }
}

export const dpCommand: Command = {
  name: 'dp',
  summary: 'Release a statistic of a dataset with differential privacy, charged to its privacy budget',
  usage: 'palisade dp FILE --query Q --epsilon E [options]',
  description: [
    'Computes count, sum(col), mean(col), histogram(col) or quantile(col, q) over a CSV, JSON-lines or Parquet file',
    'and adds noise from exact discrete Laplace (ε-DP) or discrete Gaussian ((ε, δ)-DP via zCDP) samplers fed by the',
    'OS CSPRNG — no floating-point Laplace. Values are clamped to --bounds and each person (--privacy-unit) counts',
    'at most --max-contributions times, which sets the sensitivity. Every release is charged, before it is computed,',
    "to the dataset's budget in a local SQLite ledger keyed by the file's SHA-256; sequential composition adds ε and",
    'δ, and a release that would exceed the budget is refused. Only the noisy value is printed.',
    '',
    'Exit codes: 0 released, 1 refused (budget exhausted), 2 usage or input error, 3 internal error.',
  ].join('\n'),
  formats: ['text', 'json'],
  options: [
    {
      name: 'query',
      type: 'string',
      value: 'Q',
      description: 'count, sum(col), mean(col), histogram(col), quantile(col, q) or median(col).',
    },
    {
      name: 'epsilon',
      type: 'string',
      value: 'E',
      description: 'Privacy loss of this release (ε > 0). Required.',
    },
    {
      name: 'delta',
      type: 'string',
      value: 'D',
      description: 'δ for the Gaussian mechanism (well below 1/records, e.g. 1e-7).',
    },
    { name: 'mechanism', type: 'string', value: 'M', description: 'laplace (default) or gaussian.' },
    {
      name: 'bounds',
      type: 'string',
      value: 'L,U',
      description: 'Clamp values to [L, U] (sums, means, quantiles, numeric histograms).',
    },
    {
      name: 'categories',
      type: 'string',
      value: 'A,B',
      description: 'Public categories of histogram(col); others count as (other).',
    },
    {
      name: 'bins',
      type: 'string',
      value: 'N',
      description: 'Equal-width bins over the bounds (histogram default 10, quantile 256).',
    },
    {
      name: 'privacy-unit',
      type: 'string',
      value: 'COL',
      description: 'Column naming the person each record belongs to.',
    },
    {
      name: 'max-contributions',
      type: 'string',
      value: 'K',
      description: 'Keep at most K records per person (default 1).',
    },
    {
      name: 'budget',
      type: 'string',
      value: 'E[,D]',
      description: "Set the dataset's total budget on its first release.",
    },
    {
      name: 'ledger',
      type: 'string',
      value: 'FILE',
      description: `Privacy-budget ledger (default ${DEFAULT_LEDGER}).`,
    },
    {
      name: 'data-format',
      type: 'string',
      value: 'FMT',
      description: 'csv, jsonl or parquet (default from the extension).',
    },
  ],
  examples: [
    'palisade dp patients.csv --query count --epsilon 0.5 --budget 2',
    'palisade dp patients.csv --query "mean(age)" --bounds 0,100 --epsilon 0.5 --privacy-unit patient_id',
    'palisade dp visits.parquet --query "histogram(diagnosis)" --categories A,B,C --epsilon 1',
    'palisade dp salaries.jsonl --query "quantile(salary, 0.9)" --bounds 0,500000 --mechanism gaussian --epsilon 1 --delta 1e-7',
  ],
  run,
};
