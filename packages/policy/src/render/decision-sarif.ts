import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Decision, RuleResult } from '../evaluate.ts';

const SECURITY_SEVERITY: Readonly<Record<RuleResult['severity'], string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

/** Relative to the working directory (the repository in CI) when inside it, else a file URL. */
function artifactLocation(path: string): { uri: string; uriBaseId?: string } {
  const absolute = resolve(path);
  const rel = relative(process.cwd(), absolute);
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) {
    return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  }
  return { uri: pathToFileURL(absolute).href };
}

/**
 * SARIF 2.1.0 for code-scanning dashboards: one result per rule that denied or warned (`error` / `warning`), a
 * waived one as a suppressed `note`, located at the artifact.
 */
export function decisionToSarif(decision: Decision, toolVersion: string): string {
  const reported = decision.results.filter((r) => r.effect !== 'none');
  const ruleIds = [...new Set(decision.results.map((r) => r.rule))];
  const byId = new Map(decision.results.map((r) => [r.rule, r]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'palisade-gate',
            informationUri: 'https://github.com/palisade-dev/palisade',
            version: toolVersion,
            rules: ruleIds.map((id) => {
              const r = byId.get(id) as RuleResult;
              const tags = ['security', 'policy', ...Object.values(r.frameworks).flat()];
              return {
                id,
                shortDescription: { text: r.title },
                ...(r.remediation ? { help: { text: r.remediation } } : {}),
                defaultConfiguration: { level: r.mode === 'enforce' ? 'error' : 'warning' },
                properties: { tags, 'security-severity': SECURITY_SEVERITY[r.severity] },
              };
            }),
          },
        },
        results: reported.map((r) => ({
          ruleId: r.rule,
          ruleIndex: ruleIds.indexOf(r.rule),
          level: r.effect === 'deny' ? 'error' : r.effect === 'warn' ? 'warning' : 'note',
          message: {
            text: `${r.title}: ${r.outcome}${r.reasons.length ? ` — ${r.reasons.join('; ')}` : ''}`,
          },
          locations: [{ physicalLocation: { artifactLocation: artifactLocation(decision.artifact.path) } }],
          ...(r.effect === 'waived' && r.exception
            ? {
                suppressions: [
                  {
                    kind: 'external',
                    status: 'accepted',
                    justification: `${r.exception.justification} (approved by ${r.exception.approver}, until ${r.exception.expires})`,
                  },
                ],
              }
            : {}),
          properties: {
            outcome: r.outcome,
            environment: decision.environment,
            digest: decision.artifact.digest,
          },
        })),
        properties: { decision: decision.decision },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
