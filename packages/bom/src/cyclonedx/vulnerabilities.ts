import { resolve } from 'node:path';
import type { Finding } from '@palisade/core';
import type { Property, Vulnerability } from './types.ts';

/**
 * Scan findings as CycloneDX vulnerabilities: the rule id as `id`, the finding's severity as a rating, CWE
 * numbers, and `affects` pointing at the file component the finding is in (the model when it is elsewhere).
 */
export function findingsToVulnerabilities(
  findings: readonly Finding[],
  fileRefs: ReadonlyMap<string, string>,
  modelRef: string,
): Vulnerability[] {
  return findings.map((finding, index) => {
    const affected = fileRefs.get(resolve(finding.location.path)) ?? modelRef;
    const cwes = (finding.references?.cwe ?? [])
      .map((id) => Number(/^CWE-(\d+)$/.exec(id)?.[1]))
      .filter((n) => Number.isSafeInteger(n) && n > 0);
    const where = [finding.location.path, finding.location.member, finding.location.offset]
      .filter((p) => p !== undefined)
      .join(' · ');
    const properties: Property[] = [
      { name: 'palisade:finding:location', value: where },
      ...(finding.references?.atlas ?? []).map((id) => ({ name: 'palisade:finding:atlas', value: id })),
      ...(finding.references?.owasp ?? []).map((id) => ({ name: 'palisade:finding:owasp', value: id })),
    ];
    return {
      'bom-ref': `finding:${index + 1}:${finding.ruleId}`,
      id: finding.ruleId,
      source: { name: 'Palisade scanner' },
      ratings: [{ severity: finding.severity, method: 'other' as const }],
      ...(cwes.length > 0 ? { cwes: [...new Set(cwes)] } : {}),
      description: finding.title,
      detail: finding.message,
      ...(finding.remediation ? { recommendation: finding.remediation } : {}),
      affects: [{ ref: affected }],
      properties,
    };
  });
}
