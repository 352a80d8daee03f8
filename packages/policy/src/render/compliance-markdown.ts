import type { ComplianceReport, ControlReport } from '../compliance.ts';

const LABEL: Readonly<Record<ControlReport['status'], string>> = {
  met: 'Met',
  'not-met': 'Not met',
  unknown: 'Evidence missing',
  waived: 'Waived',
  'not-applicable': 'Not applicable',
  'not-assessed': 'Not assessed',
};

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function evidence(control: ControlReport): string {
  if (control.evidence.length === 0) return '—';
  return control.evidence
    .map((e) => `${e.rule}: ${e.outcome}${e.exception ? ` (exception ${e.exception.status})` : ''}`)
    .join('<br>');
}

/** The compliance report as Markdown: a summary, then one row per control, then the ATLAS threats addressed. */
export function complianceToMarkdown(report: ComplianceReport): string {
  const s = report.summary;
  const lines = [
    `# ${report.framework.name} ${report.framework.version} — compliance evidence`,
    '',
    `- Artifact: \`${report.artifact.path}\` (\`${report.artifact.digest}\`)`,
    `- Environment: ${report.environment}; gate decision: **${report.decision}**`,
    `- Packs evaluated: ${report.packs.map((p) => `${p.id}@${p.version}`).join(', ')}`,
    `- Generated: ${report.generatedAt} by Palisade`,
    `- Controls: ${s.met} met, ${s['not-met']} not met, ${s.unknown} evidence missing, ${s.waived} waived, ${s['not-applicable']} not applicable, ${s['not-assessed']} not assessed${report.framework.coverage === 'subset' ? ' (catalogue: the controls Palisade can support, not the whole framework)' : ''}`,
    '',
    '| Control | Title | Status | Evidence | Missing |',
    '|---|---|---|---|---|',
    ...report.controls.map(
      (c) =>
        `| ${cell(c.id)} | ${cell(c.title)} | ${LABEL[c.status]} | ${cell(evidence(c))} | ${cell(c.missing.join('; ') || '—')} |`,
    ),
  ];
  if (report.threats.length > 0) {
    lines.push('', '## Threats addressed', '', '| Id | Name | Status | Evidence |', '|---|---|---|---|');
    for (const t of report.threats)
      lines.push(`| ${t.id} | ${cell(t.title)} | ${LABEL[t.status]} | ${cell(evidence(t))} |`);
  }
  lines.push('', `Source of the catalogue: ${report.framework.source}`, '');
  return lines.join('\n');
}

export { LABEL as STATUS_LABEL };
