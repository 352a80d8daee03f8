import { atLeast, isSeverity, PalisadeError, type Severity } from '@palisade/core';
import { createEngine, type ScanReport, scanPaths, toJson, toSarif, toText } from '@palisade/scanner';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { Progress } from '../progress.ts';
import { recordOnServer, SERVER_OPTIONS, serverTarget } from '../server-evidence.ts';

function failOn(value: string | undefined): Severity | 'none' {
  const v = value ?? 'high';
  if (v === 'none' || isSeverity(v)) return v;
  throw new PalisadeError('USAGE', `--fail-on takes critical, high, medium, low, info or none, not "${v}".`);
}

function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new PalisadeError('USAGE', `${flag} takes a positive number, not "${value}".`);
  return n;
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function render(
  report: ScanReport,
  format: string,
  context: CommandContext,
  rules: () => ReturnType<typeof createEngine>,
): string {
  if (format === 'json') return toJson(report);
  if (format === 'sarif') return toSarif(report, rules().catalog.all());
  return toText(report, {
    color: context.flags.color && context.flags.output === undefined,
    verbose: context.values.verbose === true,
  });
}

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, positionals, io, flags } = context;
  const threshold = failOn(values['fail-on'] as string | undefined);
  const format = flags.format ?? 'text';
  const timeout = positiveNumber(values.timeout as string | undefined, '--timeout');
  const maxBytes = positiveNumber(values['max-bytes'] as string | undefined, '--max-bytes');
  const jobs = positiveNumber(values.jobs as string | undefined, '--jobs');
  const target = serverTarget(context, positionals);
  const options = {
    allow: list(values.allow),
    rulesFiles: list(values.rules),
    limits: {
      ...(timeout ? { timeoutMs: timeout * 1000 } : {}),
      ...(maxBytes ? { maxDecompressedBytes: maxBytes } : {}),
    },
  };
  const progress = new Progress(io, !flags.quiet);
  const report = await scanPaths(positionals, {
    ...options,
    digests: values.digest === true,
    ...(jobs ? { concurrency: Math.floor(jobs) } : {}),
    onTotal: (total) => progress.start(total),
    onFile: (file, done) => progress.update(done, file.path),
  });
  progress.done();
  await writeResult(
    io,
    render(report, format, context, () => createEngine(options)),
    flags.output,
  );
  if (flags.output !== undefined && !flags.quiet) io.stderr.write(`Report written to ${flags.output}\n`);
  if (target) await recordOnServer(context, target, 'scan', JSON.parse(toJson(report)));
  if (threshold === 'none') return EXIT.ok;
  const failing = report.files.some((f) => f.findings.some((x) => atLeast(x.severity, threshold)));
  return failing ? EXIT.findings : EXIT.ok;
}

export const scanCommand: Command = {
  name: 'scan',
  summary: 'Scan model files and folders for code that runs when they are loaded',
  usage: 'palisade scan [options] PATH...',
  description: [
    'Statically analyses model files before anyone loads them: pickle (all protocols), PyTorch (zip, legacy,',
    'TorchScript), joblib (plain and compressed), NumPy .npy/.npz, compressed and archived pickles. Formats are',
    'detected from content, not extension. Nothing is ever loaded or executed.',
    '',
    'Every file gets a status: complete, partial (a limit was hit), error, or unsupported (format not analysed).',
    'A file that was not fully analysed is never reported as clean.',
  ].join('\n'),
  formats: ['text', 'json', 'sarif'],
  options: [
    {
      name: 'fail-on',
      type: 'string',
      value: 'SEVERITY',
      description:
        'Exit 1 when a finding is at or above SEVERITY: critical, high (default), medium, low, info, none.',
    },
    {
      name: 'allow',
      type: 'string',
      multiple: true,
      value: 'GLOBAL',
      description:
        'Treat a pickle global as safe: module.Name, or module.* for every name defined in a module and its submodules. Dangerous globals and dotted attribute paths cannot be allowed.',
    },
    {
      name: 'rules',
      type: 'string',
      multiple: true,
      value: 'FILE',
      description:
        'Extra rules: JSON {"allow": [...], "deny": [{"id", "severity", "title", "rationale", "remediation", "patterns"}]}.',
    },
    { name: 'digest', type: 'boolean', description: 'Add the SHA-256 of every file to the report.' },
    {
      name: 'jobs',
      short: 'j',
      type: 'string',
      value: 'N',
      description: 'Threads that scan files in parallel (default: all cores from 2,000 files on, else 1).',
    },
    {
      name: 'timeout',
      type: 'string',
      value: 'SECONDS',
      description: 'Time limit per file (default 300); past it the file is reported partial.',
    },
    {
      name: 'max-bytes',
      type: 'string',
      value: 'BYTES',
      description: 'Most bytes decompressed from one stream or archive member (default 16 GiB).',
    },
    {
      name: 'verbose',
      short: 'v',
      type: 'boolean',
      description: 'Text format: list files without findings too.',
    },
    ...SERVER_OPTIONS,
  ],
  examples: [
    'palisade scan model.pt',
    'palisade scan ~/.cache/huggingface/hub/models--org--name --format json -o report.json',
    'palisade scan ./models --format sarif -o palisade.sarif --fail-on critical',
    'palisade scan model.pkl --allow mylib.models.CustomNet',
  ],
  run,
};
