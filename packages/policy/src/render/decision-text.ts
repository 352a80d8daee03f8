import type { Decision, RuleResult } from '../evaluate.ts';

const MARK: Readonly<Record<RuleResult['effect'], string>> = {
  deny: 'DENY',
  warn: 'WARN',
  waived: 'WAIVED',
  none: 'ok',
};

function frameworkLine(result: RuleResult): string | undefined {
  const refs = Object.entries(result.frameworks).map(([f, ids]) => `${f} ${ids.join(', ')}`);
  return refs.length ? `      frameworks: ${refs.join('; ')}` : undefined;
}

function block(result: RuleResult, verbose: boolean): string[] {
  const head = `  ${MARK[result.effect].padEnd(6)} ${result.rule} (${result.severity}, ${result.mode}): ${result.title} — ${result.outcome}`;
  if (result.effect === 'none' && !verbose) return [];
  const lines = [head, ...result.reasons.map((r) => `      ${r}`)];
  const ex = result.exception;
  if (ex) {
    lines.push(
      ex.status === 'applied'
        ? `      exception until ${ex.expires}, approved by ${ex.approver}: ${ex.justification}`
        : `      exception EXPIRED on ${ex.expires} (approved by ${ex.approver}); it no longer applies`,
    );
  }
  if (result.effect !== 'none' && result.remediation) lines.push(`      fix: ${result.remediation}`);
  const refs = frameworkLine(result);
  if (refs && result.effect !== 'none') lines.push(refs);
  return lines;
}

/** The decision for a terminal or a CI log: the verdict first, then every rule that did not simply pass. */
export function decisionToText(decision: Decision, options: { verbose?: boolean } = {}): string {
  const verdict =
    decision.decision === 'deny'
      ? 'DENIED'
      : decision.decision === 'warn'
        ? 'ALLOWED with warnings'
        : 'ALLOWED';
  const s = decision.summary;
  const lines = [
    `${verdict}: ${decision.artifact.path} (${decision.artifact.digest}) in ${decision.environment}`,
    `Packs: ${decision.packs.map((p) => `${p.id}@${p.version}`).join(', ')}; ${decision.results.length} rules: ${s.deny} denied, ${s.warn} warnings, ${s.waived} waived`,
    ...decision.results.flatMap((r) => block(r, options.verbose === true)),
    '',
  ];
  return lines.join('\n');
}
