import { PalisadeError } from '@palisade/core';
import { parse } from 'yaml';
import { type CompiledExpression, compileExpression } from './cel.ts';
import { type Environment, type Facts, isEnvironment } from './facts.ts';

export const PACK_API_VERSION = 'palisade.dev/policy/v1';
export const MAX_PACK_BYTES = 1024 * 1024;
export const MAX_RULES = 500;
export const MAX_EXAMPLES = 200;

export const RULE_SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type RuleSeverity = (typeof RULE_SEVERITIES)[number];
export type RuleMode = 'enforce' | 'warn';

/** Framework references of a rule: framework id (`atlas`, `owasp-ml`, `nist-ai-rmf`…) → control ids. */
export type FrameworkRefs = Readonly<Record<string, readonly string[]>>;

export interface Rule {
  /** `PACK/RULE`, unique across packs. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly severity: RuleSeverity;
  readonly mode: RuleMode;
  /** When set, the rule is enforced only in these environments and warns in the others. */
  readonly enforceIn?: readonly Environment[];
  /** When false, the rule does not apply (outcome `not-applicable`). */
  readonly when?: CompiledExpression;
  /** Must be true for the rule to pass. */
  readonly expression: CompiledExpression;
  /** Evaluated on failure: a string or list of strings naming what failed (findings, licences…). */
  readonly details?: CompiledExpression;
  readonly remediation?: string;
  readonly frameworks: FrameworkRefs;
}

export type ExpectedOutcome = 'pass' | 'fail' | 'unknown' | 'not-applicable' | 'error';

export interface PackExample {
  readonly name: string;
  /** Facts merged over "nothing known" facts, so that an example states only what it is about. */
  readonly facts: Readonly<Record<string, unknown>>;
  readonly environment: Environment;
  readonly expect: 'allow' | 'warn' | 'deny';
  readonly rules: Readonly<Record<string, ExpectedOutcome>>;
}

export interface Pack {
  readonly id: string;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly source: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly rules: readonly Rule[];
  readonly examples: readonly PackExample[];
}

type Raw = Record<string, unknown>;

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

function fail(source: string, message: string): never {
  throw new PalisadeError('INPUT_INVALID', `${source}: ${message}`);
}

function object(value: unknown, where: string, source: string): Raw {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail(source, `${where} must be a mapping.`);
  return value as Raw;
}

function text(raw: Raw, key: string, where: string, source: string, required = true): string | undefined {
  const value = raw[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.trim() === '')
    fail(source, `${where} needs a non-empty string "${key}".`);
  return value;
}

function list(value: unknown, where: string, source: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(source, `${where} must be a list.`);
  return value;
}

function frameworks(value: unknown, where: string, source: string): FrameworkRefs {
  if (value === undefined) return {};
  const raw = object(value, `${where}.frameworks`, source);
  const out: Record<string, readonly string[]> = {};
  for (const [framework, ids] of Object.entries(raw)) {
    const items = list(ids, `${where}.frameworks.${framework}`, source);
    if (!items.every((id) => typeof id === 'string'))
      fail(source, `${where}.frameworks.${framework} must list control ids as strings.`);
    out[framework] = items as string[];
  }
  return out;
}

function rule(value: unknown, index: number, packId: string, source: string): Rule {
  const raw = object(value, `rules[${index}]`, source);
  const id = text(raw, 'id', `rules[${index}]`, source) as string;
  if (!ID.test(id)) fail(source, `rule id "${id}" must be lower-case letters, digits and dashes.`);
  const where = `rule ${id}`;
  const severity = raw.severity;
  if (!RULE_SEVERITIES.includes(severity as RuleSeverity))
    fail(source, `${where}: severity must be one of ${RULE_SEVERITIES.join(', ')}.`);
  const mode = raw.mode ?? 'enforce';
  if (mode !== 'enforce' && mode !== 'warn') fail(source, `${where}: mode must be enforce or warn.`);
  const enforceIn =
    raw.enforceIn === undefined ? undefined : list(raw.enforceIn, `${where}.enforceIn`, source);
  if (enforceIn && !enforceIn.every(isEnvironment))
    fail(source, `${where}: enforceIn lists environments: dev, staging, prod.`);
  const compile = (key: string) => {
    const expr = text(raw, key, where, source, key === 'expression');
    return expr === undefined ? undefined : compileExpression(expr, `${source}: ${where}.${key}`);
  };
  const remediation = text(raw, 'remediation', where, source, false);
  const when = compile('when');
  const details = compile('details');
  return {
    id: `${packId}/${id}`,
    title: text(raw, 'title', where, source) as string,
    description: text(raw, 'description', where, source) as string,
    severity: severity as RuleSeverity,
    mode,
    ...(enforceIn ? { enforceIn: enforceIn as Environment[] } : {}),
    ...(when ? { when } : {}),
    expression: compile('expression') as CompiledExpression,
    ...(details ? { details } : {}),
    ...(remediation ? { remediation } : {}),
    frameworks: frameworks(raw.frameworks, where, source),
  };
}

const EXPECTS = new Set(['allow', 'warn', 'deny']);
const OUTCOMES = new Set(['pass', 'fail', 'unknown', 'not-applicable', 'error']);

function example(value: unknown, index: number, source: string): PackExample {
  const raw = object(value, `examples[${index}]`, source);
  const name = text(raw, 'name', `examples[${index}]`, source) as string;
  const where = `example "${name}"`;
  const environment = raw.environment ?? 'dev';
  if (!isEnvironment(environment)) fail(source, `${where}: environment must be dev, staging or prod.`);
  if (!EXPECTS.has(raw.expect as string)) fail(source, `${where}: expect must be allow, warn or deny.`);
  const rules = raw.rules === undefined ? {} : object(raw.rules, `${where}.rules`, source);
  for (const [id, outcome] of Object.entries(rules)) {
    if (!OUTCOMES.has(outcome as string))
      fail(source, `${where}: rule ${id} expects one of ${[...OUTCOMES].join(', ')}.`);
  }
  return {
    name,
    facts: raw.facts === undefined ? {} : object(raw.facts, `${where}.facts`, source),
    environment,
    expect: raw.expect as PackExample['expect'],
    rules: rules as Record<string, ExpectedOutcome>,
  };
}

/** Parses and validates a policy pack (YAML or JSON); every expression is compiled here, once. */
export function parsePack(body: string, source: string): Pack {
  if (Buffer.byteLength(body) > MAX_PACK_BYTES)
    fail(source, `a pack may be at most ${MAX_PACK_BYTES} bytes.`);
  let doc: unknown;
  try {
    doc = parse(body, { schema: 'core', maxAliasCount: 100, uniqueKeys: true });
  } catch (error) {
    throw new PalisadeError('INPUT_INVALID', `${source}: not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const raw = object(doc, 'the pack', source);
  if (raw.apiVersion !== PACK_API_VERSION) fail(source, `apiVersion must be ${PACK_API_VERSION}.`);
  if (raw.kind !== 'PolicyPack') fail(source, 'kind must be PolicyPack.');
  const id = text(raw, 'id', 'the pack', source) as string;
  if (!ID.test(id)) fail(source, `pack id "${id}" must be lower-case letters, digits and dashes.`);
  const rawRules = list(raw.rules, 'rules', source);
  if (rawRules.length === 0 || rawRules.length > MAX_RULES)
    fail(source, `a pack has 1 to ${MAX_RULES} rules, not ${rawRules.length}.`);
  const rules = rawRules.map((r, i) => rule(r, i, id, source));
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.id)) fail(source, `rule ${r.id} is defined twice.`);
    seen.add(r.id);
  }
  const rawExamples = list(raw.examples, 'examples', source);
  if (rawExamples.length > MAX_EXAMPLES) fail(source, `a pack has at most ${MAX_EXAMPLES} examples.`);
  return {
    id,
    version: String(raw.version ?? '0'),
    title: text(raw, 'title', 'the pack', source) as string,
    description: text(raw, 'description', 'the pack', source) as string,
    source,
    params: raw.params === undefined ? {} : object(raw.params, 'params', source),
    rules,
    examples: rawExamples.map((e, i) => example(e, i, source)),
  };
}

/** The rule mode in an environment: `enforceIn` narrows enforcement to some environments. */
export function effectiveMode(rule: Rule, environment: Facts['environment']): RuleMode {
  if (rule.mode === 'warn') return 'warn';
  return rule.enforceIn === undefined || rule.enforceIn.includes(environment) ? 'enforce' : 'warn';
}
