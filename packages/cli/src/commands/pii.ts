import { PalisadeError } from '@palisade/core';
import type { ChangeReport, OperatorName, PiiReport, ScanOptions } from '@palisade/privacy';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { readInput } from './signing-common.ts';

function onePath(context: CommandContext): string {
  const [path, ...rest] = context.positionals;
  if (path === undefined || rest.length > 0)
    throw new PalisadeError('USAGE', `pii takes exactly one data file, not ${context.positionals.length}.`);
  return path;
}

function commaList(value: unknown): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function numberIn(value: unknown, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new PalisadeError('USAGE', `${flag} takes a number from ${min} to ${max}, not "${value}".`);
  return n;
}

export function scanOptions(values: CommandContext['values']): ScanOptions {
  const threshold = numberIn(values.threshold, '--threshold', 0, 1);
  const maxFindings = numberIn(values['max-findings'], '--max-findings', 0, 1_000_000);
  const entities = commaList(values.entities);
  const quasi = commaList(values['quasi-identifiers']);
  return {
    ...(threshold !== undefined ? { threshold } : {}),
    ...(maxFindings !== undefined ? { maxFindings: Math.floor(maxFindings) } : {}),
    ...(entities ? { entities } : {}),
    ...(quasi ? { quasiIdentifiers: quasi } : {}),
    ...(typeof values['data-format'] === 'string'
      ? { format: values['data-format'] as ScanOptions['format'] }
      : {}),
  };
}

function failOn(value: unknown): 'pii' | 'secret' | 'none' {
  const v = value ?? 'pii';
  if (v === 'pii' || v === 'secret' || v === 'none') return v;
  throw new PalisadeError('USAGE', `--fail-on takes pii, secret or none, not "${String(v)}".`);
}

function toText(report: PiiReport): string {
  const lines = [
    `${report.path}: ${report.format}, ${report.records} records, ${report.bytes} bytes`,
    report.totalFindings === 0
      ? 'No personal data or secrets found.'
      : `${report.totalFindings} findings (${report.secrets} secrets) at score >= ${report.threshold}:`,
    ...Object.entries(report.byEntity).map(([entity, n]) => `  ${entity.padEnd(28)} ${n}`),
  ];
  const columns = (report.columns ?? []).filter((c) => Object.keys(c.entities).length > 0);
  if (columns.length > 0) {
    lines.push('Columns:');
    for (const c of columns) {
      const found = Object.entries(c.entities)
        .map(([e, n]) => `${e} ${n}/${c.values}`)
        .join(', ');
      lines.push(`  ${c.column}: ${found}`);
    }
  }
  for (const k of report.kAnonymity ?? [])
    lines.push(
      `k-anonymity on ${k.columns.join(' + ')}: ${k.k === null ? `unknown (${k.note ?? 'no records'})` : `k = ${k.k}`}` +
        (k.k === null ? '' : `, ${k.classes} classes, ${k.uniqueRecords} unique records`),
    );
  if (report.findings.length > 0) lines.push('Findings:');
  for (const f of report.findings.slice(0, 50)) {
    const where =
      f.location.row !== undefined
        ? `row ${f.location.row}, ${f.location.column}`
        : `line ${f.location.line}, byte ${f.location.offset}`;
    lines.push(`  ${where}: ${f.entity} ${f.preview} (score ${f.score})`);
  }
  if (report.totalFindings > 50) lines.push(`  … ${report.totalFindings - 50} more (use --format json)`);
  return `${lines.join('\n')}\n`;
}

/** A key file holds 64 hex digits (`openssl rand -hex 32`), base64 of 32 bytes, or raw bytes. */
async function readKey(path: string): Promise<Uint8Array> {
  const bytes = await readInput(path, 'key');
  const text = bytes.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) return Buffer.from(text, 'base64');
  return bytes;
}

function changeText(report: ChangeReport): string {
  return [
    `Wrote ${report.output} (${report.outputFormat}) from ${report.input}: ${report.valuesChanged} values replaced by ${report.operator} in ${report.records} records`,
    ...Object.entries(report.byEntity).map(([entity, n]) => `  ${entity.padEnd(28)} ${n}`),
    ...(Object.keys(report.byColumn).length > 0
      ? ['Columns:', ...Object.entries(report.byColumn).map(([c, n]) => `  ${c}: ${n}`)]
      : []),
    `Input  ${report.inputDigest}`,
    `Output ${report.outputDigest}`,
    '',
  ].join('\n');
}

async function anonymize(context: CommandContext, path: string): Promise<ExitCode> {
  const { values, io, flags } = context;
  if (flags.output === undefined || flags.output === '-')
    throw new PalisadeError('USAGE', '--anonymize writes a new file: give it with --output FILE.');
  const { anonymizeFile, OPERATORS } = await import('@palisade/privacy');
  const operator = (values.operator ?? 'replace') as OperatorName;
  if (!OPERATORS.includes(operator))
    throw new PalisadeError('USAGE', `--operator takes ${OPERATORS.join(', ')}, not "${String(operator)}".`);
  const key = typeof values.key === 'string' ? await readKey(values.key) : undefined;
  const report = await anonymizeFile(path, flags.output, {
    ...scanOptions(values),
    operator,
    ...(key ? { key } : {}),
  });
  const text = flags.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : changeText(report);
  await writeResult(io, text, typeof values.report === 'string' ? values.report : undefined);
  return EXIT.ok;
}

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, io, flags } = context;
  const path = onePath(context);
  if (values.anonymize === true) return anonymize(context, path);
  for (const flag of ['operator', 'key', 'report'])
    if (values[flag] !== undefined) throw new PalisadeError('USAGE', `--${flag} goes with --anonymize.`);
  const fail = failOn(values['fail-on']);
  const { privacyFacts, scanFile } = await import('@palisade/privacy');
  const report = await scanFile(path, scanOptions(values));
  const facts = privacyFacts(report);
  const format = flags.format ?? 'text';
  const text =
    format === 'json'
      ? `${JSON.stringify({ ...report, facts: { privacy: facts } }, null, 2)}\n`
      : toText(report);
  await writeResult(io, text, flags.output);
  const failed = fail === 'pii' ? report.totalFindings > 0 : fail === 'secret' ? report.secrets > 0 : false;
  return failed ? EXIT.findings : EXIT.ok;
}

export const PII_SCAN_OPTIONS = [
  {
    name: 'threshold',
    type: 'string',
    value: 'SCORE',
    description: 'Report matches scoring at least SCORE, 0–1 (default 0.5).',
  },
  {
    name: 'entities',
    type: 'string',
    value: 'A,B',
    description: 'Only these entity types (default all; e.g. CREDIT_CARD,US_SSN,PRIVATE_KEY).',
  },
  {
    name: 'quasi-identifiers',
    type: 'string',
    value: 'COLS',
    description: 'Columns to measure k-anonymity on (default: by name — zip, birth date, gender, age…).',
  },
  {
    name: 'data-format',
    type: 'string',
    value: 'FMT',
    description: 'csv, jsonl, parquet or text (default from the file extension).',
  },
] as const;

export const piiCommand: Command = {
  name: 'pii',
  summary:
    'Find personal data and secrets in a dataset (CSV, JSON lines, Parquet, text); measure k-anonymity',
  usage: 'palisade pii FILE [options]',
  description: [
    'Streams the file once through pattern recognizers validated by check digits (Luhn, IBAN MOD 97-10, Verhoeff,',
    'NHS MOD 11, national id checksums) and scored with context words (the column name counts), plus secret',
    'recognizers (private keys, cloud and API tokens, connection strings) with entropy checks. Reports each finding',
    'with its entity type, location (row and column, or byte offset and line) and score, masked: a value is never',
    'printed whole. For tables it summarises each column and the k-anonymity of the quasi-identifier columns.',
    'JSON output carries facts.privacy (piiFound, secretsFound, kAnonymity) for policy gates.',
    '',
    'With --anonymize it writes a new file (--output; .csv, .jsonl, .parquet or text, never the input) in which each',
    'detected value is redacted, replaced by its type, masked, keyed-hashed, encrypted (reversible with the key) or',
    'replaced by a random value of the same shape; the change report (counts and digests, no values) goes to',
    'standard output or --report.',
    '',
    'Exit codes: 0 nothing found (or below --fail-on) or anonymised, 1 findings, 2 usage or input error, 3 internal.',
  ].join('\n'),
  formats: ['text', 'json'],
  options: [
    ...PII_SCAN_OPTIONS,
    {
      name: 'max-findings',
      type: 'string',
      value: 'N',
      description: 'List at most N findings (default 1000); all are counted.',
    },
    {
      name: 'anonymize',
      type: 'boolean',
      description: 'Write an anonymised copy to --output (never over the input) and report what changed.',
    },
    {
      name: 'operator',
      type: 'string',
      value: 'OP',
      description:
        'redact, replace (<ENTITY>, default), mask, hash (HMAC-SHA-256), encrypt (AES-256-GCM) or synthetic.',
    },
    {
      name: 'key',
      type: 'string',
      value: 'FILE',
      description:
        'Key for hash, encrypt (32 bytes: `openssl rand -hex 32 > anon.key`) and repeatable synthetic values.',
    },
    {
      name: 'report',
      type: 'string',
      value: 'FILE',
      description: 'With --anonymize: write the change report to FILE instead of standard output.',
    },
    {
      name: 'fail-on',
      type: 'string',
      value: 'WHAT',
      description: 'Exit 1 on any finding (pii, default), only on secrets (secret), or never (none).',
    },
  ],
  examples: [
    'palisade pii customers.csv',
    'palisade pii train.jsonl --format json -o pii-report.json',
    'palisade pii events.parquet --entities EMAIL_ADDRESS,PHONE_NUMBER --threshold 0.7',
    'palisade pii corpus.txt --fail-on secret',
    'palisade pii customers.csv --anonymize --operator mask --output customers.masked.csv',
    'palisade pii train.jsonl --anonymize --operator encrypt --key anon.key -o train.enc.jsonl --report changes.txt',
  ],
  run,
};
