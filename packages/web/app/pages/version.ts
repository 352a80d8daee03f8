import { ApiError, api, type Decision, type Job, seg, type Version } from '../api.ts';
import { announce, bytes, field, h, replace, when } from '../dom.ts';
import {
  countsView,
  decisionView,
  findingsView,
  gateEvents,
  job,
  objectHistory,
  scanJobsByDigest,
} from '../evidence.ts';
import type { Params } from '../router.ts';
import { href } from '../router.ts';
import { canWrite } from '../session.ts';
import { artifactDetail, kindOf } from './artifact.ts';
import { auditTable } from './audit.ts';
import { bomSection, evidenceSection } from './evidence-section.ts';

/** Moves an alias after confirmation; the server's gate answers with its decision either way. */
export function aliasForm(project: string, kind: string, name: string, digest: string): HTMLElement {
  const alias = h('input', {
    name: 'alias',
    required: true,
    value: 'prod',
    pattern: '[a-z][a-z0-9_\\-]*',
    maxlength: 64,
  });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'inline-form', 'aria-label': 'Move an alias' },
    field(
      'Alias',
      alias,
      'prod and production gate as production, staging and stage as staging, others as dev.',
    ),
    h('button', { type: 'submit' }, 'Move alias here'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!window.confirm(`Move "${alias.value}" of ${name} to this version? The policy gate decides.`)) return;
    try {
      const moved = await api<{ decision: Decision }>(
        'PUT',
        `/projects/${seg(project)}/${kind}s/${seg(name)}/aliases/${seg(alias.value)}`,
        { digest },
      );
      replace(out, h('p', null, `"${alias.value}" now points here.`), decisionView(moved.decision));
      announce(`Alias ${alias.value} moved: ${moved.decision.decision}.`);
    } catch (failure) {
      const decision =
        failure instanceof ApiError ? (failure.problem.decision as Decision | undefined) : undefined;
      replace(
        out,
        h(
          'p',
          { class: 'error', role: 'alert' },
          failure instanceof Error ? failure.message : String(failure),
        ),
        decision ? decisionView(decision) : null,
      );
    }
  });
  return h('div', null, form, out);
}

export async function versionPage(main: HTMLElement, params: Params): Promise<void> {
  const kind = kindOf(params);
  const project = params.project ?? '';
  const name = params.name ?? '';
  const digest = params.digest ?? '';
  const [version, detail, history, evidence] = await Promise.all([
    api<Version>('GET', `/projects/${seg(project)}/${kind}s/${seg(name)}/versions/${seg(digest)}`),
    artifactDetail(project, kind, name),
    objectHistory(project, kind, name),
    evidenceSection(project, kind, name, digest),
  ]);
  const jobId = scanJobsByDigest(history, kind).get(digest);
  let scan: Job | undefined;
  if (jobId !== undefined) scan = await job(project, jobId);
  const aliases = detail.aliases.filter((a) => a.digest === digest);
  const mine = (history ?? []).filter((e) => e.details?.digest === undefined || e.details.digest === digest);
  const gates = gateEvents(history, kind).filter((e) => e.details?.digest === digest);

  replace(
    main,
    h(
      'nav',
      { 'aria-label': 'Breadcrumb', class: 'crumbs' },
      h('a', { href: '#/' }, 'Inventory'),
      ` / ${project} / `,
      h('a', { href: href('p', project, kind, name) }, name),
      ' / ',
      h('span', { 'aria-current': 'page' }, version.filename ?? 'version'),
    ),
    h('h1', null, `${name}: ${version.filename ?? 'version'}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Digest'),
      h('dd', null, h('code', { class: 'wrap' }, version.digest)),
      h('dt', null, 'Size'),
      h('dd', null, bytes(version.size)),
      h('dt', null, 'Added'),
      h('dd', null, when(version.createdAt)),
      h('dt', null, 'Bytes held by the server'),
      h(
        'dd',
        null,
        version.stored
          ? h(
              'a',
              {
                href: `/api/v1/projects/${seg(project)}/${kind}s/${seg(name)}/versions/${seg(digest)}/content`,
                download: '',
              },
              'Download',
            )
          : 'no (registered by digest)',
      ),
      h('dt', null, 'Aliases'),
      h(
        'dd',
        null,
        aliases.length === 0
          ? 'none'
          : aliases.map((a) => [h('code', null, a.name), ` since ${when(a.updatedAt)} `]),
      ),
    ),
    h('h2', null, 'Scan findings'),
    scan === undefined
      ? h(
          'p',
          { class: 'hint' },
          history === undefined
            ? 'Finding the scan of a version needs the audit:read permission.'
            : 'No scan of this version is known to the server.',
        )
      : scan.result
        ? [
            h(
              'p',
              null,
              `Scan ${scan.state}, finished ${when(scan.result.finishedAt)}: `,
              countsView(scan.result),
            ),
            findingsView(scan.result),
          ]
        : h('p', null, `Scan ${scan.state}${scan.error ? `: ${scan.error}` : ''}.`),
    h('h2', null, 'Policy decisions'),
    gates.length === 0
      ? h('p', { class: 'hint' }, 'No alias has been moved to this version yet.')
      : h(
          'ul',
          null,
          gates.map((e) =>
            h(
              'li',
              null,
              `${when(new Date(e.time).toISOString())}: `,
              h('code', null, String(e.details?.alias ?? '')),
              ` — ${e.details?.decision ?? ''}`,
              e.reason ? ` (${e.reason})` : '',
            ),
          ),
        ),
    canWrite() ? aliasForm(project, kind, name, digest) : null,
    evidence,
    bomSection(project, kind, name, digest, version.stored),
    h('h2', null, 'Audit history'),
    history === undefined
      ? h('p', { class: 'hint' }, 'Reading the audit trail needs the audit:read permission.')
      : auditTable(mine),
  );
}
