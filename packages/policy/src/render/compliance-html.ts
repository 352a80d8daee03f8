import type { ComplianceReport, ControlReport } from '../compliance.ts';
import { STATUS_LABEL } from './compliance-markdown.ts';

function esc(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function facts(control: ControlReport): string {
  const items = control.evidence.map((e) => {
    const read = Object.entries(e.facts)
      .map(([k, v]) => `<code>${esc(k)}</code> = <code>${esc(JSON.stringify(v) ?? 'undefined')}</code>`)
      .join('<br>');
    const exception = e.exception
      ? ` <em>exception ${esc(e.exception.status)} (${esc(e.exception.approver)}, ${esc(e.exception.expires)})</em>`
      : '';
    return `<li><strong>${esc(e.rule)}</strong>: ${esc(e.outcome)}${exception}<br>${read}</li>`;
  });
  return items.length ? `<ul>${items.join('')}</ul>` : '—';
}

function rows(controls: readonly ControlReport[]): string {
  return controls
    .map(
      (c) =>
        `<tr class="${c.status}"><td>${esc(c.id)}</td><td>${esc(c.title)}</td><td><span class="badge">${STATUS_LABEL[c.status]}</span></td><td>${facts(c)}</td><td>${c.missing.map(esc).join('<br>') || '—'}</td></tr>`,
    )
    .join('\n');
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #d0d7de;padding:.4rem;vertical-align:top;text-align:left}th{background:#f6f8fa}
code{font-size:12px;word-break:break-all}.badge{padding:.1rem .4rem;border-radius:.3rem;background:#eaeef2;white-space:nowrap}
.met .badge{background:#dafbe1}.not-met .badge{background:#ffebe9}.unknown .badge{background:#fff8c5}.waived .badge{background:#ddf4ff}`;

/** A self-contained HTML page (inline style, no script, no external asset) that an auditor can archive. */
export function complianceToHtml(report: ComplianceReport): string {
  const s = report.summary;
  const threats = report.threats.length
    ? `<h2>Threats addressed</h2><table><thead><tr><th>Id</th><th>Name</th><th>Status</th><th>Evidence</th><th>Missing</th></tr></thead><tbody>${rows(report.threats)}</tbody></table>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(report.framework.name)} — ${esc(report.artifact.name)}</title><style>${STYLE}</style></head><body>
<h1>${esc(report.framework.name)} ${esc(report.framework.version)} — compliance evidence</h1>
<ul><li>Artifact: <code>${esc(report.artifact.path)}</code> (<code>${esc(report.artifact.digest)}</code>)</li>
<li>Environment: ${esc(report.environment)}; gate decision: <strong>${esc(report.decision)}</strong></li>
<li>Packs evaluated: ${esc(report.packs.map((p) => `${p.id}@${p.version}`).join(', '))}</li>
<li>Generated: ${esc(report.generatedAt)} by Palisade</li>
<li>Controls: ${s.met} met, ${s['not-met']} not met, ${s.unknown} evidence missing, ${s.waived} waived, ${s['not-applicable']} not applicable, ${s['not-assessed']} not assessed${report.framework.coverage === 'subset' ? ' (catalogue: the controls Palisade can support)' : ''}</li></ul>
<table><thead><tr><th>Control</th><th>Title</th><th>Status</th><th>Evidence (rule, outcome, facts read)</th><th>Missing</th></tr></thead><tbody>
${rows(report.controls)}
</tbody></table>${threats}
<p>Source of the catalogue: ${esc(report.framework.source)}</p>
</body></html>
`;
}
