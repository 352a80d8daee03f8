import { type Artifact, type ArtifactDetail, type ArtifactKind, api, type Project, seg } from '../api.ts';
import { announce, field, h, replace, shortDigest, when } from '../dom.ts';
import { countsView, decisionBadge, job, objectHistory, scanJobsByDigest, TITLE } from '../evidence.ts';
import { href } from '../router.ts';
import { isAdmin, projects } from '../session.ts';

/** Rows per page: the detail of a model or dataset (versions, aliases, latest scan) is fetched for shown rows only. */
const PAGE_SIZE = 50;

interface Entry {
  readonly project: Project;
  readonly artifact: Artifact;
}

async function entriesOf(project: Project): Promise<Entry[]> {
  const lists = await Promise.all(
    (['models', 'datasets'] as const).map((plural) =>
      api<Record<string, Artifact[]>>('GET', `/projects/${seg(project.name)}/${plural}`).then(
        (r) => r[plural] ?? [],
      ),
    ),
  );
  return lists.flat().map((artifact) => ({ project, artifact }));
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
  params: unknown,
  query: URLSearchParams,
): Promise<void> {
  const list = await projects();
  const entries = (await Promise.all(list.map(entriesOf))).flat();
  const details = new Map<string, Promise<ArtifactDetail>>();
  const search = h('input', { type: 'search', name: 'q', value: query.get('q') ?? '', autocomplete: 'off' });
  const kind = h(
    'select',
    { name: 'kind' },
    h('option', { value: '' }, 'Models and datasets'),
    h('option', { value: 'model' }, 'Models'),
    h('option', { value: 'dataset' }, 'Datasets'),
  );
  kind.value = query.get('kind') ?? '';
  const project = h(
    'select',
    { name: 'project' },
    h('option', { value: '' }, 'Every project'),
    list.map((p) => h('option', { value: p.name }, p.name)),
  );
  project.value = query.get('project') ?? '';
  const body = h('tbody');
  const summary = h('p', { class: 'hint', id: 'inventory-summary', 'aria-live': 'polite' });
  const pager = h('div', { class: 'pager' });
  let page = 0;

  const detailOf = (entry: Entry) => {
    const key = `${entry.project.name}/${entry.artifact.kind}/${entry.artifact.name}`;
    let found = details.get(key);
    if (found === undefined) {
      found = api<ArtifactDetail>(
        'GET',
        `/projects/${seg(entry.project.name)}/${entry.artifact.kind}s/${seg(entry.artifact.name)}`,
      );
      details.set(key, found);
    }
    return found;
  };

  const draw = () => {
    const needle = search.value.trim().toLowerCase();
    const shown = entries.filter(
      (e) =>
        (kind.value === '' || e.artifact.kind === kind.value) &&
        (project.value === '' || e.project.name === project.value) &&
        (needle === '' || e.artifact.name.toLowerCase().includes(needle)),
    );
    const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const slice = shown.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    summary.textContent =
      `${shown.length} of ${entries.length} models and datasets in ${list.length} project(s).` +
      (pages > 1 ? ` Showing ${page * PAGE_SIZE + 1}–${page * PAGE_SIZE + slice.length}.` : '');
    replace(
      body,
      slice.map((e) => rowView(e, detailOf(e))),
    );
    const turn = (to: number) => () => {
      page = to;
      draw();
    };
    replace(
      pager,
      pages > 1
        ? [
            h(
              'button',
              { type: 'button', class: 'secondary', disabled: page === 0, onclick: turn(page - 1) },
              'Previous',
            ),
            ` Page ${page + 1} of ${pages} `,
            h(
              'button',
              { type: 'button', class: 'secondary', disabled: page >= pages - 1, onclick: turn(page + 1) },
              'Next',
            ),
          ]
        : null,
    );
  };
  const restart = () => {
    page = 0;
    draw();
  };
  search.addEventListener('input', restart);
  kind.addEventListener('change', restart);
  project.addEventListener('change', restart);

  replace(
    main,
    h('h1', null, 'Inventory'),
    isAdmin() ? createProjectForm(() => void inventoryPage(main, params, query)) : null,
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
      field('Search by name', search),
      field('Project', project),
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
    pager,
    list.length > 0 ? h('p', null, h('a', { href: '#/upload' }, 'Upload and scan a model or dataset')) : null,
  );
  draw();
}

/** A row at once with what the list gave; versions, aliases and the latest scan fill in as they arrive. */
function rowView(entry: Entry, detail: Promise<ArtifactDetail>): HTMLElement {
  const { project, artifact } = entry;
  const kind: ArtifactKind = artifact.kind;
  const versions = h('td', null, '…');
  const latestCell = h('td', null, '…');
  const counts = h('td', null, '…');
  const aliases = h('td', null, '…');
  void detail
    .then(async (d) => {
      const latest = d.versions.reduce<(typeof d.versions)[number] | undefined>(
        (a, v) => (a === undefined || v.createdAt > a.createdAt ? v : a),
        undefined,
      );
      replace(versions, String(d.versions.length));
      replace(
        latestCell,
        latest
          ? [
              h(
                'a',
                { href: href('p', project.name, kind, artifact.name, latest.digest) },
                latest.filename ?? shortDigest(latest.digest),
              ),
              h('span', { class: 'hint' }, ` ${when(latest.createdAt)}`),
            ]
          : '—',
      );
      replace(
        aliases,
        d.aliases.length === 0
          ? '—'
          : d.aliases.map((a) =>
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
      );
      if (latest === undefined) return replace(counts, '—');
      if (!latest.stored) return replace(counts, 'not stored here');
      const uploads = await objectHistory(project.name, kind, artifact.name, `upload${TITLE[kind]}Version`);
      const id = scanJobsByDigest(uploads, kind).get(latest.digest);
      if (id === undefined)
        return replace(counts, uploads === undefined ? 'needs audit access' : 'no scan known');
      const scan = await job(project.name, id);
      replace(counts, scan.result ? countsView(scan.result) : `scan ${scan.state}`);
    })
    .catch((error: unknown) => replace(counts, error instanceof Error ? error.message : 'unavailable'));
  return h(
    'tr',
    null,
    h('td', null, project.name),
    h('th', { scope: 'row' }, h('a', { href: href('p', project.name, kind, artifact.name) }, artifact.name)),
    h('td', null, kind),
    versions,
    latestCell,
    counts,
    aliases,
  );
}
