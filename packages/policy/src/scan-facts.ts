import { compareSeverity, type Finding, type Severity } from '@palisade/core';
import { type FindingFact, MAX_FINDING_FACTS, type ScanFacts } from './facts.ts';

/** The parts of a scanner report (`@palisade/scanner`'s ScanReport) that facts are made of. */
export interface ScanEvidence {
  readonly files: readonly { readonly status: string; readonly findings: readonly Finding[] }[];
  readonly summary: {
    readonly highest: Severity | null;
    readonly findings: Readonly<Record<Severity, number>>;
  };
}

/** Scan facts from a scan report: most severe findings first, bounded, incomplete files counted. */
export function scanFacts(report: ScanEvidence): ScanFacts {
  const findings: FindingFact[] = report.files
    .flatMap((file) =>
      file.findings.map((f) => ({
        ruleId: f.ruleId,
        severity: f.severity,
        title: f.title,
        path: f.location.member ? `${f.location.path}!/${f.location.member}` : f.location.path,
        atlas: [...(f.references?.atlas ?? [])],
        owasp: [...(f.references?.owasp ?? [])],
      })),
    )
    .sort((a, b) => compareSeverity(b.severity, a.severity));
  const incomplete = report.files.filter((f) => f.status !== 'complete').length;
  return {
    status: incomplete === 0 ? 'complete' : 'partial',
    highest: report.summary.highest ?? 'none',
    counts: { ...report.summary.findings },
    findings: findings.slice(0, MAX_FINDING_FACTS),
    incompleteFiles: incomplete,
  };
}
