import { stat } from 'node:fs/promises';
import { PalisadeError } from '@palisade/core';
import type { EvaluationFacts, PrivacyFacts } from '@palisade/policy';
import { readInput } from '../commands/signing-common.ts';

export const EVALUATION_KINDS = ['fairness', 'robustness', 'drift', 'privacy'] as const;
export type EvaluationKind = (typeof EVALUATION_KINDS)[number];

/** A JSON report is read whole; evaluation reports are summaries, far below this. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;

function evaluation(value: unknown, where: string): EvaluationFacts {
  const v = value as { status?: unknown; metrics?: unknown } | null;
  const metrics = v?.metrics;
  if (
    (v?.status !== 'passed' && v?.status !== 'failed') ||
    metrics === null ||
    typeof metrics !== 'object' ||
    Array.isArray(metrics) ||
    !Object.values(metrics).every((m) => typeof m === 'number' && Number.isFinite(m))
  ) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `${where} must be {status: passed|failed, metrics: {name: number}}.`,
    );
  }
  return { status: v.status, metrics: metrics as Record<string, number> };
}

function count(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** palisade pii's facts: counts of personal data and secrets found, their kinds, k-anonymity. */
function privacy(value: unknown, where: string): PrivacyFacts {
  const v = value as Record<string, unknown> | null;
  const k = v?.kAnonymity;
  if (
    !count(v?.piiFound) ||
    !count(v?.secretsFound) ||
    !Array.isArray(v?.entities) ||
    !v.entities.every((e) => typeof e === 'string') ||
    (k !== null && !count(k))
  ) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `${where} must be {piiFound, secretsFound: counts, entities: [names], kAnonymity: number | null}.`,
    );
  }
  return {
    status: 'known',
    piiFound: v.piiFound as number,
    secretsFound: v.secretsFound as number,
    entities: [...(v.entities as string[])].sort(),
    kAnonymity: k as number | null,
  };
}

export type EvaluationEvidence = Partial<
  Record<Exclude<EvaluationKind, 'privacy'>, EvaluationFacts> & { privacy: PrivacyFacts }
>;

/**
 * Evaluation evidence from the JSON reports of palisade fairness, robustness, drift and pii (and any report with
 * the same `facts` member): each report's `facts.<kind>` becomes `evaluations.<kind>`.
 */
export async function evaluationFacts(paths: readonly string[]): Promise<EvaluationEvidence> {
  const out: Record<string, EvaluationFacts | PrivacyFacts> = {};
  for (const path of paths) {
    const size = (await stat(path).catch(() => undefined))?.size ?? 0;
    if (size > MAX_REPORT_BYTES)
      throw new PalisadeError('LIMIT_EXCEEDED', `${path} is larger than ${MAX_REPORT_BYTES} bytes.`);
    let report: unknown;
    try {
      report = JSON.parse((await readInput(path, 'evaluation report')).toString('utf8'));
    } catch (error) {
      if (error instanceof PalisadeError) throw error;
      throw new PalisadeError('INPUT_INVALID', `${path} is not JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const facts = (report as { facts?: unknown } | null)?.facts;
    const kinds =
      facts !== null && typeof facts === 'object' ? EVALUATION_KINDS.filter((k) => k in facts) : [];
    if (kinds.length === 0) {
      throw new PalisadeError(
        'INPUT_INVALID',
        `${path} carries no evaluation facts (facts.fairness, .robustness, .drift or .privacy); give the --format json report of palisade fairness, robustness, drift or pii.`,
      );
    }
    for (const kind of kinds) {
      if (out[kind])
        throw new PalisadeError('USAGE', `Two --evaluation reports give ${kind} facts; give one.`);
      const value = (facts as Record<string, unknown>)[kind];
      out[kind] =
        kind === 'privacy'
          ? privacy(value, `${path}: facts.privacy`)
          : evaluation(value, `${path}: facts.${kind}`);
    }
  }
  return out as EvaluationEvidence;
}
