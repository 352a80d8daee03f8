import {
  type Artifact,
  type ArtifactDetail,
  type ArtifactKind,
  type AuditEvent,
  api,
  type Project,
  seg,
} from '../api.ts';
import { announce, field, h, replace, shortDigest, when } from '../dom.ts';
import { countsView, decisionBadge, job, scanJobsByDigest } from '../evidence.ts';
import { href } from '../router.ts';
import { canReadAudit, isAdmin, projects } from '../session.ts';

interface Row {
  readonly project: Project;
  readonly detail: ArtifactDetail;
}

async function artifactsOf(project: Project): Promise<Row[]> {
  const lists = await Promise.all(
    (['models', 'datasets'] as const).map((plural) =>
      api<Record<string, Artifact[]>>('GET', `/projects/${seg(project.name)}/${plural}`).then((r) => ({
        plural,
        items: r[plural] ?? [],
      })),
    ),
  );
  const details = await Promise.all(
    lists.flatMap(({ plural, items }) =>
      items.map((a) =>
        api<ArtifactDetail>('GET', `/projects/${seg(project.name)}/${plural}/${seg(a.name)}`).then(
          (detail) => ({
            project,
            detail,
          }),
        ),
      ),
    ),
  );
  return details;
}

/** Upload events (one query per kind) give each version's scan job; see evidence.ts. */
async function uploadEvents(): Promise<AuditEvent[] | undefined> {
  if (!canReadAudit()) return undefined;
  const replies = await Promise.all(
    ['uploadModelVersion', 'uploadDatasetVersion'].map((action) =>
      api<{ events: AuditEvent[] }>('GET', `/audit?${new URLSearchParams({ action, limit: '1000' })}`),
    ),
  );
  return replies.flatMap((r) => r.events);
}

function createProjectForm(onCreated: () => void): HTMLElement {
  const name = h('input', {
    name: 'name',
    required: true,
    maxlength: 64,
    pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]*',
  });
  const description = h('input', { name: 'description', maxlength: 1000 });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'inline-form', 'aria-label': 'New project' },
    field('New project name', name),
    field('Description', description),
    h('button', { type: 'submit' }, 'Create project'),
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('POST', '/projects', {
        name: name.value,
        ...(description.value ? { description: description.value } : {}),
      });
      announce(`Project ${name.value} created.`);
      onCreated();
    } catch (failure) {
      error.hidden = false;
      error.textContent = failure instanceof Error ? failure.message : String(failure);
    }
  });
  return form;
}

export async function inventoryPage(
  main: HTMLElement,
  _params: unknown,
  query: URLSearchParams,
): Promise<void> {
  const list = await projects();
  const [rows, uploads] = await Promise.all([
    Promise.all(list.map(artifactsOf)).then((r) => r.flat()),
    uploadEvents(),
  ]);
  const search = h('input', { type: 'search', name: 'q', value: query.get('q') ?? '', autocomplete: 'off' });
  const kind = h(
    'select',
    { name: 'kind' },
    h('option', { value: '' }, 'Models and datasets'),
    h('option', { value: 'model' }, 'Models'),
    h('option', { value: 'dataset' }, 'Datasets'),
  );
  kind.value = query.get('kind') ?? '';
  const body = h('tbody');
  const summary = h('p', { class: 'hint', 'aria-live': 'polite' });

  const draw = () => {
    const needle = search.value.trim().toLowerCase();
    const shown = rows.filter(
      (r) =>
        (kind.value === '' || r.detail.kind === kind.value) &&
        (needle === '' ||
          r.detail.name.toLowerCase().includes(needle) ||
          r.project.name.toLowerCase().includes(needle) ||
          r.detail.versions.some(
            (v) => v.digest.includes(needle) || (v.filename ?? '').toLowerCase().includes(needle),
          )),
    );
    summary.textContent = `${shown.length} of ${rows.length} models and datasets in ${list.length} project(s).`;
    replace(
      body,
      shown.map((r) => rowView(r, uploads)),
    );
  };
  search.addEventListener('input', draw);
  kind.addEventListener('change', draw);

  replace(
    main,
    h('h1', null, 'Inventory'),
    isAdmin() ? createProjectForm(() => void inventoryPage(main, _params, query)) : null,
    list.length === 0
      ? h(
          'p',
          null,
          'No project yet.',
          isAdmin() ? ' Create one above.' : ' Ask an admin for a role on a project.',
        )
      : null,
    h(
      'div',
      { class: 'filters', role: 'search' },
      field('Search by name, file or digest', search),
      field('Show', kind),
    ),
    summary,
    h(
      'table',
      { class: 'inventory' },
      h('caption', { class: 'visually-hidden' }, 'Models and datasets with their latest version'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Project', 'Name', 'Kind', 'Versions', 'Latest version', 'Open findings (latest)', 'Aliases'].map(
            (c) => h('th', { scope: 'col' }, c),
          ),
        ),
      ),
      body,
    ),
    list.length > 0 ? h('p', null, h('a', { href: '#/upload' }, 'Upload and scan a model or dataset')) : null,
  );
  draw();
}

function rowView(row: Row, uploads: AuditEvent[] | undefined): HTMLElement {
  const { project, detail } = row;
  const kind: ArtifactKind = detail.kind;
  const latest = detail.versions.reduce<(typeof detail.versions)[number] | undefined>(
    (a, v) => (a === undefined || v.createdAt > a.createdAt ? v : a),
    undefined,
  );
  const counts = h('td', null, latest ? '…' : '—');
  if (latest) {
    const jobs = scanJobsByDigest(
      uploads?.filter((e) => e.object?.id === detail.name && e.object.project === project.name),
      kind,
    );
    const id = jobs.get(latest.digest);
    if (id === undefined)
      counts.textContent = uploads === undefined ? 'needs audit access' : 'not scanned here';
    else
      void job(project.name, id)
        .then((j) => (j.result ? replace(counts, countsView(j.result)) : replace(counts, `scan ${j.state}`)))
        .catch(() => replace(counts, 'unavailable'));
  }
  return h(
    'tr',
    null,
    h('td', null, project.name),
    h('th', { scope: 'row' }, h('a', { href: href('p', project.name, kind, detail.name) }, detail.name)),
    h('td', null, kind),
    h('td', null, String(detail.versions.length)),
    h(
      'td',
      null,
      latest
        ? h(
            'a',
            { href: href('p', project.name, kind, detail.name, latest.digest) },
            latest.filename ?? shortDigest(latest.digest),
          )
        : '—',
      latest ? h('span', { class: 'hint' }, ` ${when(latest.createdAt)}`) : null,
    ),
    counts,
    h(
      'td',
      null,
      detail.aliases.length === 0
        ? '—'
        : detail.aliases.map((a) =>
            h(
              'span',
              { class: 'alias' },
              h('code', null, a.name),
              ' ',
              decisionBadge(
                'allow',
                `Moved through the ${a.name} gate at ${when(a.updatedAt)} to ${a.digest}`,
              ),
              ' ',
            ),
          ),
    ),
  );
}
