import { stat } from 'node:fs/promises';
import { PalisadeError } from '@palisade/core';
import type { EvaluationFacts } from '@palisade/policy';
import { readInput } from '../commands/signing-common.ts';

export const EVALUATION_KINDS = ['fairness', 'robustness', 'drift'] as const;
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

/**
 * Evaluation evidence from the JSON reports of palisade fairness, robustness and drift (and any report with the same
 * `facts` member): each report's `facts.{fairness|robustness|drift}` becomes `evaluations.<kind>`.
 */
export async function evaluationFacts(
  paths: readonly string[],
): Promise<Partial<Record<EvaluationKind, EvaluationFacts>>> {
  const out: Partial<Record<EvaluationKind, EvaluationFacts>> = {};
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
        `${path} carries no evaluation facts (facts.fairness, facts.robustness or facts.drift); give the --format json report of palisade fairness, robustness or drift.`,
      );
    }
    for (const kind of kinds) {
      if (out[kind])
        throw new PalisadeError('USAGE', `Two --evaluation reports give ${kind} facts; give one.`);
      out[kind] = evaluation((facts as Record<string, unknown>)[kind], `${path}: facts.${kind}`);
    }
  }
  return out;
}
