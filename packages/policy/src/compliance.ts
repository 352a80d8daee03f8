import type { Decision, RuleResult } from './evaluate.ts';
import { type FrameworkControl, getFramework } from './frameworks.ts';

export const COMPLIANCE_SCHEMA = 'https://palisade.dev/schemas/compliance/v1';

/**
 * `met`: every rule mapped to the control passed (or did not apply); `not-met`: one failed; `unknown`: one lacked
 * evidence; `waived`: a failure is covered by a live exception; `not-applicable`: no mapped rule applied;
 * `not-assessed`: no rule of the packs evaluated maps to it — organisational evidence is needed.
 */
export type ControlStatus = 'met' | 'not-met' | 'unknown' | 'waived' | 'not-applicable' | 'not-assessed';

export interface ControlEvidence {
  readonly rule: string;
  readonly title: string;
  readonly outcome: RuleResult['outcome'];
  readonly effect: RuleResult['effect'];
  readonly facts: RuleResult['facts'];
  readonly reasons: readonly string[];
  readonly exception?: RuleResult['exception'];
}

export interface ControlReport {
  readonly id: string;
  readonly title: string;
  readonly kind: FrameworkControl['kind'];
  readonly group?: string;
  readonly status: ControlStatus;
  readonly evidence: readonly ControlEvidence[];
  /** What is missing for the control to be met. */
  readonly missing: readonly string[];
}

export interface ComplianceReport {
  readonly schema: typeof COMPLIANCE_SCHEMA;
  readonly framework: {
    readonly id: string;
    readonly name: string;
    readonly version: string;
    readonly source: string;
    readonly coverage: 'full' | 'subset';
  };
  readonly artifact: Decision['artifact'];
  readonly environment: Decision['environment'];
  readonly generatedAt: string;
  readonly decision: Decision['decision'];
  readonly packs: Decision['packs'];
  readonly summary: Readonly<Record<ControlStatus, number>>;
  readonly controls: readonly ControlReport[];
  /** ATLAS techniques and tactics the evaluated rules address (other frameworks have none). */
  readonly threats: readonly ControlReport[];
}

const NOT_ASSESSED =
  'No rule of the evaluated packs maps to this control; attach organisational evidence (process, records, approvals).';

function statusOf(evidence: readonly ControlEvidence[]): ControlStatus {
  if (evidence.length === 0) return 'not-assessed';
  const failed = (e: ControlEvidence) => e.effect === 'deny' || e.effect === 'warn';
  if (evidence.some((e) => failed(e) && (e.outcome === 'fail' || e.outcome === 'error'))) return 'not-met';
  if (evidence.some((e) => failed(e) && e.outcome === 'unknown')) return 'unknown';
  if (evidence.some((e) => e.effect === 'waived')) return 'waived';
  return evidence.some((e) => e.outcome === 'pass') ? 'met' : 'not-applicable';
}

function missingOf(
  status: ControlStatus,
  evidence: readonly ControlEvidence[],
  remediation: Map<string, string>,
): string[] {
  if (status === 'not-assessed') return [NOT_ASSESSED];
  const out: string[] = [];
  for (const e of evidence) {
    if (e.effect !== 'deny' && e.effect !== 'warn') continue;
    const why = e.reasons.length ? `: ${e.reasons.join('; ')}` : '';
    const fix = remediation.get(e.rule);
    out.push(`${e.rule} ${e.outcome}${why}${fix ? ` — ${fix}` : ''}`);
  }
  return out;
}

/** Maps a decision onto one framework's controls: each control with its evidence, status and what is missing. */
export function complianceReport(decision: Decision, frameworkId: string): ComplianceReport {
  const framework = getFramework(frameworkId);
  const remediation = new Map(
    decision.results.flatMap((r) => (r.remediation ? [[r.rule, r.remediation]] : [])),
  );
  const report = (control: FrameworkControl): ControlReport => {
    const evidence = decision.results
      .filter((r) => r.frameworks[framework.id]?.includes(control.id))
      .map((r) => ({
        rule: r.rule,
        title: r.title,
        outcome: r.outcome,
        effect: r.effect,
        facts: r.facts,
        reasons: r.reasons,
        ...(r.exception ? { exception: r.exception } : {}),
      }));
    const status = statusOf(evidence);
    return {
      id: control.id,
      title: control.title,
      kind: control.kind,
      ...(control.group ? { group: control.group } : {}),
      status,
      evidence,
      missing: missingOf(status, evidence, remediation),
    };
  };
  const controls = framework.controls.filter((c) => c.kind === 'control').map(report);
  const threats = framework.controls
    .filter((c) => c.kind !== 'control')
    .map(report)
    .filter((c) => c.status !== 'not-assessed');
  const summary: Record<ControlStatus, number> = {
    met: 0,
    'not-met': 0,
    unknown: 0,
    waived: 0,
    'not-applicable': 0,
    'not-assessed': 0,
  };
  for (const c of controls) summary[c.status]++;
  return {
    schema: COMPLIANCE_SCHEMA,
    framework: {
      id: framework.id,
      name: framework.name,
      version: framework.version,
      source: framework.source,
      coverage: framework.coverage ?? 'full',
    },
    artifact: decision.artifact,
    environment: decision.environment,
    generatedAt: decision.evaluatedAt,
    decision: decision.decision,
    packs: decision.packs,
    summary,
    controls,
    threats,
  };
}
