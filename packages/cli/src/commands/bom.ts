import type { BomResult, GenerateBomOptions, SpecVersion } from '@palisade/bom';
import { PalisadeError } from '@palisade/core';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { Progress } from '../progress.ts';
import { recordOnServer, SERVER_OPTIONS, serverTarget } from '../server-evidence.ts';

const FORMATS = ['cyclonedx-json', 'cyclonedx-xml', 'spdx-json'] as const;
const MISSING_SHOWN = 8;

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new PalisadeError('USAGE', `${flag} takes ${allowed.join(', ')}, not "${String(value)}".`);
}

function pairs(values: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const at = value.lastIndexOf('=');
    if (at <= 0 || at === value.length - 1)
      throw new PalisadeError('USAGE', `${flag} takes ID=LICENSE, not "${value}".`);
    out[value.slice(0, at)] = value.slice(at + 1);
  }
  return out;
}

/** The caller's facts, from the flags (only those given). */
function userFacts(values: CommandContext['values']): GenerateBomOptions {
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const facts: Record<string, unknown> = {
    repoId: str('repo-id'),
    revision: str('revision'),
    name: str('name'),
    supplier: str('supplier'),
    license: str('license'),
    downloadUrl: str('download-url'),
    safetyRiskAssessment: oneOf(values['safety-risk'], ['serious', 'high', 'medium', 'low'], '--safety-risk'),
    autonomyType: oneOf(values['autonomy-type'], ['yes', 'no', 'noAssertion'], '--autonomy-type'),
    useSensitivePersonalInformation: oneOf(
      values['sensitive-data'],
      ['yes', 'no', 'noAssertion'],
      '--sensitive-data',
    ),
    datasets: list(values.dataset),
    baseModels: list(values['base-model']),
    baseModelLicenses: pairs(list(values['base-model-license']), '--base-model-license'),
    datasetLicenses: pairs(list(values['dataset-license']), '--dataset-license'),
    intendedUse: list(values['intended-use']),
    limitations: list(values.limitation),
    domain: list(values.domain),
    standardCompliance: list(values['standard-compliance']),
  };
  if (facts.revision !== undefined && !/^[0-9a-f]{40}$/.test(facts.revision as string))
    throw new PalisadeError('USAGE', '--revision takes the 40-hex commit, not a branch or tag (they move).');
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as GenerateBomOptions;
}

function summary(result: BomResult): string {
  const c = result.completeness;
  const lines = [`Completeness ${c.score}/100 (profile: ${c.profile}).`];
  if (c.missing.length > 0) {
    lines.push(`Missing (${c.missing.length}):`);
    for (const m of c.missing.slice(0, MISSING_SHOWN))
      lines.push(`  ${m.field} [${m.tier}] → ${m.remediation}`);
    if (c.missing.length > MISSING_SHOWN)
      lines.push(`  … and ${c.missing.length - MISSING_SHOWN} more (--embed-score lists them all)`);
  }
  const licences = result.licenses.map((l) => `${l.id ?? l.name ?? l.declared} (${l.risk})`).join(', ');
  lines.push(
    `Licences: ${licences || 'none declared'}; effective risk ${result.licenseRisk}${result.licenseConflict ? '; CONFLICT with a base model' : ''}.`,
  );
  for (const warning of result.warnings) lines.push(`Warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}

async function scanFindings(path: string, context: CommandContext) {
  const { scanPaths } = await import('@palisade/scanner');
  const progress = new Progress(context.io, !context.flags.quiet);
  const report = await scanPaths([path], {
    onTotal: (total) => progress.start(total),
    onFile: (file, done) => progress.update(done, file.path),
  });
  progress.done();
  return report.files.flatMap((f) => f.findings);
}

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, positionals, io, flags } = context;
  const [path, ...extra] = positionals;
  if (path === undefined || extra.length > 0)
    throw new PalisadeError(
      'USAGE',
      "bom takes exactly one MODEL (a file or a directory). See 'palisade bom --help'.",
    );
  const format = oneOf(flags.format ?? 'cyclonedx-json', FORMATS, '--format') ?? 'cyclonedx-json';
  const target = serverTarget(context, [path]);
  const specVersion = oneOf(values['spec-version'] ?? '1.6', ['1.6', '1.7'], '--spec-version') as SpecVersion;
  const validate = values['no-validate'] !== true;
  const findings = values['no-scan'] === true ? [] : await scanFindings(path, context);
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs > 0))
    throw new PalisadeError('USAGE', `--jobs takes a positive integer, not "${String(values.jobs)}".`);
  const bom = await import('@palisade/bom');
  const result = await bom.generateBom(path, {
    ...userFacts(values),
    specVersion,
    findings,
    validate,
    allowSymlinks: values['allow-symlinks'] === true,
    ...(jobs ? { concurrency: jobs } : {}),
  });
  const embed = values['embed-score'] === true;
  const render = { embedScore: embed, validate };
  const text =
    format === 'spdx-json'
      ? bom.renderSpdx(result, render)
      : format === 'cyclonedx-xml'
        ? bom.renderCycloneDxXml(result, render)
        : bom.renderCycloneDxJson(result, render);
  await writeResult(io, text, flags.output);
  if (!flags.quiet) {
    io.stderr.write(summary(result));
    if (flags.output !== undefined) io.stderr.write(`BOM written to ${flags.output}\n`);
  }
  // The server keeps the CycloneDX JSON document, whichever format was printed.
  if (target) await recordOnServer(context, target, 'bom', result.document);
  return EXIT.ok;
}

export const bomCommand: Command = {
  name: 'bom',
  summary: 'Write the AI bill of materials of a model (CycloneDX ML-BOM or SPDX 3 AI)',
  usage: 'palisade bom [options] MODEL',
  description: [
    'Inventories a model file or directory (a Hugging Face repo, a checkpoint, a GGUF, ONNX or Keras file): the',
    'model card, config.json, tokenizer and chat template, weights headers, a SHA-256 of every file (the same',
    'hasher as palisade sign), datasets, base models, licences with their risk class, and the Python packages',
    'of requirements*.txt, pyproject.toml, poetry.lock, uv.lock, Pipfile.lock and environment.yml. The files are',
    'scanned first and the findings become the BOM’s vulnerabilities. The CycloneDX document is validated against',
    'the official JSON schema before anything is written (XML is serialised from it; SPDX 3.0.1 is checked against',
    'the structure of the classes it uses). The completeness score (OWASP AIBOM rubric) and what is missing, with',
    'where to declare it, go to standard error.',
  ].join('\n'),
  formats: [...FORMATS],
  options: [
    {
      name: 'spec-version',
      type: 'string',
      value: 'VERSION',
      description: 'CycloneDX version: 1.6 (default) or 1.7.',
    },
    {
      name: 'no-validate',
      type: 'boolean',
      description: 'Write the document without validating it against the schema.',
    },
    {
      name: 'no-scan',
      type: 'boolean',
      description: 'Do not scan the files (the BOM then has no vulnerabilities).',
    },
    {
      name: 'embed-score',
      type: 'boolean',
      description:
        'Also write the completeness score and the missing fields into the document’s metadata properties.',
    },
    {
      name: 'repo-id',
      type: 'string',
      value: 'OWNER/NAME',
      description:
        'Hugging Face repo id (gives the purl and links; read from the HF cache path or git remote when present).',
    },
    {
      name: 'revision',
      type: 'string',
      value: 'SHA',
      description: 'The 40-hex commit of the model (read from git or the HF cache path when present).',
    },
    { name: 'name', type: 'string', value: 'NAME', description: 'Model name when the artifacts give none.' },
    { name: 'supplier', type: 'string', value: 'ORG', description: 'Who supplies the model.' },
    {
      name: 'license',
      type: 'string',
      value: 'ID',
      description: 'Licence (HF or SPDX id) when the card declares none.',
    },
    {
      name: 'dataset',
      type: 'string',
      multiple: true,
      value: 'ID',
      description: 'A training dataset (HF id or URL).',
    },
    {
      name: 'base-model',
      type: 'string',
      multiple: true,
      value: 'ID',
      description: 'A base model (HF id).',
    },
    {
      name: 'base-model-license',
      type: 'string',
      multiple: true,
      value: 'ID=LICENSE',
      description: 'The licence of a base model, for inheritance.',
    },
    {
      name: 'dataset-license',
      type: 'string',
      multiple: true,
      value: 'ID=LICENSE',
      description:
        'The licence of a dataset (non-commercial, no-derivatives or share-alike data needs review).',
    },
    {
      name: 'intended-use',
      type: 'string',
      multiple: true,
      value: 'TEXT',
      description: 'An intended use.',
    },
    {
      name: 'limitation',
      type: 'string',
      multiple: true,
      value: 'TEXT',
      description: 'A known limitation.',
    },
    { name: 'download-url', type: 'string', value: 'URL', description: 'Where the model is distributed.' },
    {
      name: 'safety-risk',
      type: 'string',
      value: 'LEVEL',
      description: 'SPDX safetyRiskAssessment: serious, high, medium or low.',
    },
    {
      name: 'autonomy-type',
      type: 'string',
      value: 'VALUE',
      description: 'SPDX autonomyType: yes, no or noAssertion.',
    },
    {
      name: 'sensitive-data',
      type: 'string',
      value: 'VALUE',
      description: 'Uses sensitive personal information: yes, no or noAssertion.',
    },
    {
      name: 'domain',
      type: 'string',
      multiple: true,
      value: 'TEXT',
      description: 'Domain the model is used in.',
    },
    {
      name: 'standard-compliance',
      type: 'string',
      multiple: true,
      value: 'TEXT',
      description: 'A standard the model complies with.',
    },
    {
      name: 'allow-symlinks',
      type: 'boolean',
      description: 'Hash the targets of symlinks (Hugging Face cache snapshots are symlinks).',
    },
    {
      name: 'jobs',
      short: 'j',
      type: 'string',
      value: 'N',
      description: 'Files hashed in parallel (default 4).',
    },
    // --name is bom's own (the model's name) and is also the name on the server.
    ...SERVER_OPTIONS.filter((o) => o.name !== 'name'),
  ],
  examples: [
    'palisade bom ./my-model > bom.cdx.json',
    'palisade bom ./my-model --spec-version 1.7 --repo-id acme/my-model -o bom.cdx.json',
    'palisade bom ./my-model --format cyclonedx-xml -o bom.cdx.xml',
    'palisade bom model.gguf --format spdx-json --dataset acme/chat-logs --supplier "Acme AI"',
    'palisade bom ~/.cache/huggingface/hub/models--org--name/snapshots/<sha> --allow-symlinks',
  ],
  run,
};
