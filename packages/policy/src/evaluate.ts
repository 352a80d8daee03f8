import type { CompiledExpression } from './cel.ts';
import { exceptionMatches, type PolicyException } from './exceptions.ts';
import { type Facts, unknownReason, valueAt } from './facts.ts';
import {
  effectiveMode,
  type FrameworkRefs,
  type Pack,
  type Rule,
  type RuleMode,
  type RuleSeverity,
} from './pack.ts';

export const DECISION_SCHEMA = 'https://palisade.dev/schemas/decision/v1';

/**
 * `pass`: the expression is true. `fail`: false, on known facts. `unknown`: false or in error while a fact it reads
 * is unknown — missing evidence, which counts as a failure (fail closed) but is reported as such. `error`: the
 * expression could not be evaluated on known facts. `not-applicable`: the rule's `when` is false.
 */
export type Outcome = 'pass' | 'fail' | 'unknown' | 'error' | 'not-applicable';

/** What the outcome does to the decision once mode and exceptions are applied. */
export type Effect = 'none' | 'deny' | 'warn' | 'waived';

export interface AppliedException {
  readonly status: 'applied' | 'expired';
  readonly justification: string;
  readonly approver: string;
  readonly expires: string;
  readonly match: string;
}

export interface RuleResult {
  readonly rule: string;
  readonly pack: string;
  readonly title: string;
  readonly severity: RuleSeverity;
  readonly mode: RuleMode;
  readonly outcome: Outcome;
  readonly effect: Effect;
  /** Why it failed: the `details` of the rule, the missing evidence or the evaluation error. */
  readonly reasons: readonly string[];
  /** Each fact the rule read, with its value at evaluation time. */
  readonly facts: Readonly<Record<string, unknown>>;
  readonly frameworks: FrameworkRefs;
  readonly remediation?: string;
  readonly exception?: AppliedException;
}

export interface Decision {
  readonly schema: typeof DECISION_SCHEMA;
  /** `allow`: nothing failed; `warn`: allowed with warnings; `deny`: an enforced rule failed. */
  readonly decision: 'allow' | 'warn' | 'deny';
  readonly allowed: boolean;
  readonly environment: Facts['environment'];
  readonly artifact: { readonly name: string; readonly path: string; readonly digest: string };
  readonly evaluatedAt: string;
  readonly packs: readonly { readonly id: string; readonly version: string }[];
  readonly summary: Readonly<Record<Effect, number>>;
  readonly results: readonly RuleResult[];
}

export interface EvaluateOptions {
  readonly exceptions?: readonly PolicyException[];
  /** Evaluation time, for exception expiry (default now). */
  readonly now?: Date;
}

const MAX_FACT_VALUE_ITEMS = 20;

function run(
  expression: CompiledExpression,
  context: Record<string, unknown>,
): { value?: unknown; error?: string } {
  try {
    return { value: expression.evaluate(context) };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] ?? 'evaluation failed' };
  }
}

function readFacts(reads: readonly string[], facts: Facts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of reads) {
    const value = valueAt(facts, path);
    out[path] =
      Array.isArray(value) && value.length > MAX_FACT_VALUE_ITEMS
        ? value.slice(0, MAX_FACT_VALUE_ITEMS)
        : value;
  }
  return out;
}

function missingEvidence(reads: readonly string[], facts: Facts): string[] {
  const reasons = new Set<string>();
  for (const path of reads) {
    const reason = unknownReason(facts, path);
    if (reason) reasons.add(`unknown ${reason}`);
  }
  return [...reasons];
}

function detailLines(rule: Rule, context: Record<string, unknown>): string[] {
  if (!rule.details) return [];
  const { value } = run(rule.details, context);
  if (typeof value === 'string') return [value];
  // The same finding can occur at several offsets: name it once.
  if (Array.isArray(value))
    return [...new Set(value.filter((v): v is string => typeof v === 'string'))].slice(0, 50);
  return [];
}

function outcomeOf(
  rule: Rule,
  facts: Facts,
  context: Record<string, unknown>,
): { outcome: Outcome; reasons: string[] } {
  if (rule.when) {
    const applies = run(rule.when, context);
    if (applies.value === false) return { outcome: 'not-applicable', reasons: [] };
    if (applies.value !== true) {
      const missing = missingEvidence(rule.when.reads, facts);
      if (missing.length > 0) return { outcome: 'unknown', reasons: missing };
      return { outcome: 'error', reasons: [`when: ${applies.error ?? 'did not return a bool'}`] };
    }
  }
  const result = run(rule.expression, context);
  if (result.value === true) return { outcome: 'pass', reasons: [] };
  const missing = missingEvidence(rule.expression.reads, facts);
  if (missing.length > 0) return { outcome: 'unknown', reasons: missing };
  if (result.value === false) return { outcome: 'fail', reasons: detailLines(rule, context) };
  return {
    outcome: 'error',
    reasons: [result.error ?? `the expression returned ${typeof result.value}, not a bool`],
  };
}

function applyException(
  rule: Rule,
  facts: Facts,
  exceptions: readonly PolicyException[],
  now: number,
): AppliedException | undefined {
  const matching = exceptions.filter((e) => e.rule === rule.id && exceptionMatches(e, facts.artifact));
  // A live exception wins over an expired one for the same rule; otherwise report the latest expiry.
  const best = matching.sort((a, b) => b.expiresAt - a.expiresAt)[0];
  if (!best) return undefined;
  return {
    status: best.expiresAt >= now ? 'applied' : 'expired',
    justification: best.justification,
    approver: best.approver,
    expires: best.expires,
    match: best.digest ?? (best.name as string),
  };
}

/** Evaluates every rule of every pack against the facts, applies exceptions, and decides. */
export function evaluate(facts: Facts, packs: readonly Pack[], options: EvaluateOptions = {}): Decision {
  const now = options.now ?? new Date();
  const exceptions = options.exceptions ?? [];
  const results: RuleResult[] = [];
  for (const pack of packs) {
    const context = { ...facts, params: pack.params };
    for (const rule of pack.rules) {
      const { outcome, reasons } = outcomeOf(rule, facts, context);
      const mode = effectiveMode(rule, facts.environment);
      const failed = outcome === 'fail' || outcome === 'unknown' || outcome === 'error';
      const exception = failed ? applyException(rule, facts, exceptions, now.getTime()) : undefined;
      const effect: Effect = !failed
        ? 'none'
        : exception?.status === 'applied'
          ? 'waived'
          : mode === 'enforce'
            ? 'deny'
            : 'warn';
      results.push({
        rule: rule.id,
        pack: pack.id,
        title: rule.title,
        severity: rule.severity,
        mode,
        outcome,
        effect,
        reasons,
        facts: readFacts([...(rule.when?.reads ?? []), ...rule.expression.reads], facts),
        frameworks: rule.frameworks,
        ...(rule.remediation ? { remediation: rule.remediation } : {}),
        ...(exception ? { exception } : {}),
      });
    }
  }
  const summary = { none: 0, deny: 0, warn: 0, waived: 0 };
  for (const r of results) summary[r.effect]++;
  const decision = summary.deny > 0 ? 'deny' : summary.warn > 0 ? 'warn' : 'allow';
  return {
    schema: DECISION_SCHEMA,
    decision,
    allowed: decision !== 'deny',
    environment: facts.environment,
    artifact: { name: facts.artifact.name, path: facts.artifact.path, digest: facts.artifact.digest },
    evaluatedAt: now.toISOString(),
    packs: packs.map((p) => ({ id: p.id, version: p.version })),
    summary,
    results,
  };
}
