import {
  type ArtifactKind,
  type AuditEvent,
  api,
  type Decision,
  type Finding,
  type Job,
  type ScanReport,
  SEVERITIES,
  type Severity,
  seg,
} from './api.ts';
import { h } from './dom.ts';
import { canReadAudit } from './session.ts';

export const TITLE: Record<ArtifactKind, string> = { model: 'Model', dataset: 'Dataset' };

export function severityBadge(severity: Severity | string): HTMLElement {
  return h('span', { class: `sev sev-${severity}` }, severity);
}

/** Open findings by severity, e.g. "critical 1 · high 0 …"; only the non-zero ones, or "no findings". */
export function countsView(report: ScanReport): HTMLElement {
  const counts = report.summary.findings;
  const shown = SEVERITIES.filter((s) => (counts[s] ?? 0) > 0);
  if (shown.length === 0) return h('span', { class: 'clean' }, 'no findings');
  return h(
    'span',
    { class: 'counts' },
    shown.map((s) => h('span', { class: `sev sev-${s}` }, `${s} ${counts[s]}`)),
  );
}

function findingView(finding: Finding): HTMLElement {
  const evidence = Object.entries(finding.evidence ?? {});
  const refs = Object.entries(finding.references ?? {}).filter(([, ids]) => ids.length > 0);
  return h(
    'details',
    { class: 'finding' },
    h(
      'summary',
      null,
      severityBadge(finding.severity),
      ' ',
      h('code', null, finding.ruleId),
      ' ',
      finding.title,
    ),
    h('p', null, finding.message),
    finding.location.member || finding.location.offset !== undefined
      ? h(
          'p',
          { class: 'hint' },
          finding.location.member ? `Member ${finding.location.member}. ` : '',
          finding.location.offset !== undefined ? `Byte offset ${finding.location.offset}.` : '',
        )
      : null,
    evidence.length > 0
      ? h(
          'dl',
          { class: 'evidence' },
          evidence.map(([key, value]) => [
            h('dt', null, key),
            h('dd', null, h('code', null, Array.isArray(value) ? value.join(', ') : String(value))),
          ]),
        )
      : null,
    finding.remediation ? h('p', null, h('strong', null, 'Remediation: '), finding.remediation) : null,
    refs.length > 0
      ? h(
          'p',
          { class: 'hint' },
          'References: ',
          refs.map(([kind, ids]) => `${kind} ${ids.join(', ')}`).join('; '),
        )
      : null,
  );
}

/** Findings grouped by file, then severity (most severe first), then rule. */
export function findingsView(report: ScanReport): HTMLElement {
  const files = report.files.filter((f) => f.findings.length > 0);
  if (files.length === 0)
    return h('p', { class: 'clean' }, `No findings in ${report.summary.files} file(s).`);
  return h(
    'div',
    { class: 'findings' },
    files.map((file) =>
      h(
        'section',
        { class: 'file', 'aria-label': `Findings in ${file.path}` },
        h('h3', null, h('code', null, file.path), ` — ${file.format}, scan ${file.status}`),
        SEVERITIES.map((severity) => {
          const found = file.findings
            .filter((f) => f.severity === severity)
            .sort((a, b) => a.ruleId.localeCompare(b.ruleId));
          if (found.length === 0) return null;
          return h(
            'div',
            { class: 'severity-group' },
            h('h4', null, severityBadge(severity), ` ${found.length} finding(s)`),
            found.map(findingView),
          );
        }),
      ),
    ),
  );
}

export function decisionBadge(decision: Decision['decision'], reason: string): HTMLElement {
  const label = decision === 'deny' ? 'Blocked' : decision === 'warn' ? 'Warn' : 'Allowed';
  return h('span', { class: `badge badge-${decision}`, title: reason }, label);
}

/** Every rule the gate evaluated, with its outcome, effect and reasons. */
export function decisionView(decision: Decision): HTMLElement {
  const denied = decision.results.filter((r) => r.effect === 'deny').map((r) => r.rule);
  return h(
    'section',
    { class: 'decision', 'aria-label': 'Policy decision' },
    h(
      'p',
      null,
      decisionBadge(decision.decision, denied.join(', ')),
      ` The ${decision.environment} gate (${decision.packs.map((p) => `${p.id} ${p.version}`).join(', ')}) decided `,
      h('strong', null, decision.decision),
      ` at ${decision.evaluatedAt}.`,
    ),
    h(
      'table',
      null,
      h('caption', null, 'Every rule of the gate'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Rule', 'Mode', 'Outcome', 'Effect', 'Why', 'Remediation'].map((c) =>
            h('th', { scope: 'col' }, c),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        decision.results.map((r) =>
          h(
            'tr',
            null,
            h('td', null, h('code', null, r.rule), h('br'), r.title),
            h('td', null, r.mode),
            h('td', null, r.outcome),
            h('td', null, h('span', { class: `effect effect-${r.effect}` }, r.effect)),
            h('td', null, r.reasons.join('; ') || '—'),
            h('td', null, r.remediation ?? '—'),
          ),
        ),
      ),
    ),
  );
}

const AUDIT_PAGE = 1000;
const AUDIT_PAGES = 20;

/**
 * Audit events about one model or dataset (needs audit:read; undefined for those who lack it), oldest first,
 * paged through with `after` (at most 20,000 events).
 */
export async function objectHistory(
  project: string,
  kind: ArtifactKind,
  name: string,
  action?: string,
): Promise<AuditEvent[] | undefined> {
  if (!canReadAudit()) return undefined;
  const events: AuditEvent[] = [];
  let after: number | null = null;
  for (let page = 0; page < AUDIT_PAGES; page += 1) {
    const query = new URLSearchParams({ objectType: kind, objectId: name, limit: String(AUDIT_PAGE) });
    if (action !== undefined) query.set('action', action);
    if (after !== null) query.set('after', String(after));
    const reply: { events: AuditEvent[]; next: number | null } = await api('GET', `/audit?${query}`);
    events.push(...reply.events);
    if (reply.events.length < AUDIT_PAGE || reply.next === null) break;
    after = reply.next;
  }
  return events.filter((e) => e.object?.project === undefined || e.object.project === project);
}

/**
 * The scan job of each version, from the upload events of the audit trail: the API's versions do not name their
 * scan job, and its job list does not name versions. Without audit:read this is empty.
 */
export function scanJobsByDigest(
  history: readonly AuditEvent[] | undefined,
  kind: ArtifactKind,
): Map<string, string> {
  const jobs = new Map<string, string>();
  for (const event of history ?? []) {
    const digest = event.details?.digest;
    const job = event.details?.scanJob;
    if (
      event.action === `upload${TITLE[kind]}Version` &&
      typeof digest === 'string' &&
      typeof job === 'string'
    )
      jobs.set(digest, job);
  }
  return jobs;
}

export async function job(project: string, id: string): Promise<Job> {
  return api<Job>('GET', `/projects/${seg(project)}/jobs/${seg(id)}`);
}

/** What the gate said about each alias of each version, from the audit trail (moves and denials). */
export function gateEvents(history: readonly AuditEvent[] | undefined, kind: ArtifactKind) {
  return (history ?? []).filter(
    (e) =>
      (e.action === `move${TITLE[kind]}Alias` && e.outcome === 'success') ||
      (e.action === 'gate.denied' && e.outcome === 'failure'),
  );
}
