import { existsSync } from 'node:fs';
import { PalisadeError } from '@palisade/core';
import {
  type ArtifactFacts,
  builtinPack,
  ENVIRONMENTS,
  type Environment,
  isEnvironment,
  type Pack,
  type PolicyException,
  parseExceptions,
  parsePack,
} from '@palisade/policy';
import type { CommandContext, OptionSpec } from '../command.ts';
import { readInput, stringList } from '../commands/signing-common.ts';
import { ledgerPaths } from '../ledger/ledger-files.ts';
import type { EvidenceOptions } from './evidence.ts';

/** A built-in pack by name, or a pack file (a path, or a name that exists as a file). */
export async function loadPolicies(specs: readonly string[]): Promise<Pack[]> {
  const packs: Pack[] = [];
  for (const spec of specs) {
    if (!existsSync(spec) && !/[./\\]/.test(spec)) packs.push(builtinPack(spec));
    else packs.push(parsePack((await readInput(spec, 'policy pack')).toString('utf8'), spec));
  }
  const ids = new Set<string>();
  for (const pack of packs) {
    if (ids.has(pack.id)) throw new PalisadeError('USAGE', `Policy pack "${pack.id}" is given twice.`);
    ids.add(pack.id);
  }
  return packs;
}

export async function loadExceptions(paths: readonly string[]): Promise<PolicyException[]> {
  const out: PolicyException[] = [];
  for (const path of paths)
    out.push(...parseExceptions((await readInput(path, 'exceptions file')).toString('utf8'), path));
  return out;
}

export function environmentOf(value: unknown): Environment {
  const v = value ?? 'dev';
  if (!isEnvironment(v))
    throw new PalisadeError('USAGE', `--environment takes ${ENVIRONMENTS.join(', ')}, not "${String(v)}".`);
  return v;
}

function originOf(value: unknown): ArtifactFacts['origin'] {
  const v = value ?? 'unknown';
  if (v !== 'in-house' && v !== 'third-party' && v !== 'unknown')
    throw new PalisadeError('USAGE', `--origin takes in-house or third-party, not "${String(v)}".`);
  return v;
}

export function onePath(context: CommandContext, command: string): string {
  const [path, ...rest] = context.positionals;
  if (path === undefined || rest.length > 0) {
    throw new PalisadeError(
      'USAGE',
      `${command} takes exactly one model path (file or directory). See 'palisade ${command} --help'.`,
    );
  }
  return path;
}

export function evidenceOptions(context: CommandContext): EvidenceOptions {
  const v = context.values;
  const str = (name: string) => (typeof v[name] === 'string' ? (v[name] as string) : undefined);
  const key = str('key');
  const signature = str('signature');
  const ledger = str('ledger');
  return {
    environment: environmentOf(v.environment),
    origin: originOf(v.origin),
    ...(key ? { keyPath: key } : {}),
    ...(signature ? { signaturePath: signature } : {}),
    ...(ledger ? { ledger: ledgerPaths(context) } : {}),
    provenanceKeyPaths: stringList(v['provenance-key']),
    evaluationPaths: stringList(v.evaluation),
  };
}

/** Options shared by gate and compliance: what evidence to gather and which policies and exceptions apply. */
export const EVIDENCE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'environment',
    short: 'e',
    type: 'string',
    value: 'ENV',
    description:
      'dev (default), staging or prod: rules with enforceIn are enforced only there and warn elsewhere.',
  },
  {
    name: 'key',
    short: 'k',
    type: 'string',
    value: 'FILE',
    description:
      'PEM public key trusted to have signed the model; without it an existing signature is not verified (unknown).',
  },
  {
    name: 'signature',
    short: 's',
    type: 'string',
    value: 'FILE',
    description:
      'The OMS bundle (default: model.sig inside a directory model, MODEL.sig beside a file model).',
  },
  {
    name: 'ledger',
    type: 'string',
    value: 'PATH',
    description:
      "Ledger (palisade ledger init) to look up the model's provenance in, by its OMS root digest; statements signed by its log key are verified.",
  },
  {
    name: 'provenance-key',
    type: 'string',
    multiple: true,
    value: 'FILE',
    description: 'PEM public key trusted to sign provenance statements in the ledger (--key is trusted too).',
  },
  {
    name: 'origin',
    type: 'string',
    value: 'ORIGIN',
    description:
      'in-house or third-party: who trained the model (baseline requires provenance for in-house models).',
  },
  {
    name: 'evaluation',
    type: 'string',
    multiple: true,
    value: 'FILE',
    description:
      'JSON report of palisade fairness, robustness, drift or pii (--format json): its facts become evaluations.*.',
  },
  {
    name: 'exceptions',
    type: 'string',
    multiple: true,
    value: 'FILE',
    description: 'YAML exceptions: {exceptions: [{rule, digest | name, justification, approver, expires}]}.',
  },
];
