import { type ArtifactDetail, type ArtifactKind, api, seg } from '../api.ts';
import { bytes, h, replace, shortDigest, when } from '../dom.ts';
import { decisionBadge, gateEvents, objectHistory } from '../evidence.ts';
import type { Params } from '../router.ts';
import { href } from '../router.ts';
import { auditTable } from './audit.ts';

export function kindOf(params: Params): ArtifactKind {
  if (params.kind !== 'model' && params.kind !== 'dataset')
    throw new Error('Unknown kind: model or dataset.');
  return params.kind;
}

export async function artifactDetail(
  project: string,
  kind: ArtifactKind,
  name: string,
): Promise<ArtifactDetail> {
  return api<ArtifactDetail>('GET', `/projects/${seg(project)}/${kind}s/${seg(name)}`);
}

export async function artifactPage(main: HTMLElement, params: Params): Promise<void> {
  const kind = kindOf(params);
  const project = params.project ?? '';
  const name = params.name ?? '';
  const [detail, history] = await Promise.all([
    artifactDetail(project, kind, name),
    objectHistory(project, kind, name),
  ]);
  const gates = gateEvents(history, kind);
  replace(
    main,
    h(
      'nav',
      { 'aria-label': 'Breadcrumb', class: 'crumbs' },
      h('a', { href: '#/' }, 'Inventory'),
      ` / ${project} / `,
      h('span', { 'aria-current': 'page' }, name),
    ),
    h('h1', null, `${kind === 'model' ? 'Model' : 'Dataset'} ${name}`),
    h('h2', null, 'Versions'),
    detail.versions.length === 0
      ? h('p', null, 'No version yet. ', h('a', { href: '#/upload' }, 'Upload one.'))
      : h(
          'table',
          null,
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Version', 'File', 'Size', 'Stored', 'Added', 'Aliases'].map((c) =>
                h('th', { scope: 'col' }, c),
              ),
            ),
          ),
          h(
            'tbody',
            null,
            detail.versions.map((v) =>
              h(
                'tr',
                null,
                h(
                  'th',
                  { scope: 'row' },
                  h('a', { href: href('p', project, kind, name, v.digest) }, shortDigest(v.digest)),
                ),
                h('td', null, v.filename ?? '—'),
                h('td', null, bytes(v.size)),
                h('td', null, v.stored ? 'yes' : 'registered by digest'),
                h('td', null, when(v.createdAt)),
                h(
                  'td',
                  null,
                  detail.aliases
                    .filter((a) => a.digest === v.digest)
                    .map((a) => {
                      // The gate's decision when the alias moved here (allow, or warn), from the audit trail.
                      const move = gates
                        .filter(
                          (e) =>
                            e.action !== 'gate.denied' &&
                            e.details?.alias === a.name &&
                            e.details.digest === v.digest,
                        )
                        .at(-1);
                      const decision = move?.details?.decision === 'warn' ? 'warn' : 'allow';
                      return [
                        h('code', null, a.name),
                        ' ',
                        decisionBadge(
                          decision,
                          `Moved here at ${when(a.updatedAt)}; the gate decided ${decision}`,
                        ),
                        h('span', { class: 'visually-hidden' }, ` (the gate decided ${decision})`),
                        ' ',
                      ];
                    }),
                  gates
                    .filter((e) => e.action === 'gate.denied' && e.details?.digest === v.digest)
                    .map((e) => [
                      h('code', null, String(e.details?.alias ?? '')),
                      ' ',
                      decisionBadge('deny', e.reason ?? ''),
                      h('span', { class: 'visually-hidden' }, ` ${e.reason ?? ''}`),
                      ' ',
                    ]),
                ),
              ),
            ),
          ),
        ),
    h('h2', null, 'Audit history'),
    history === undefined
      ? h('p', { class: 'hint' }, 'Reading the audit trail needs the audit:read permission.')
      : auditTable(history),
  );
}
