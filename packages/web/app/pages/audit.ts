import { type AuditEvent, api } from '../api.ts';
import { type Child, field, h, replace, when } from '../dom.ts';
import { go, href } from '../router.ts';

/** The object of an event; models and datasets link to their page. */
function objectView(e: AuditEvent): Child {
  const object = e.object;
  if (object === undefined) return '—';
  const label = `${object.type} ${object.project ? `${object.project}/` : ''}${object.id}`;
  if ((object.type === 'model' || object.type === 'dataset') && object.project)
    return h('a', { href: href('p', object.project, object.type, object.id) }, label);
  return label;
}

export function auditTable(events: readonly AuditEvent[]): HTMLElement {
  if (events.length === 0) return h('p', null, 'No events.');
  return h(
    'table',
    { class: 'audit' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['#', 'Time', 'Action', 'Outcome', 'Actor', 'Object', 'Details'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    h(
      'tbody',
      null,
      events.map((e) =>
        h(
          'tr',
          null,
          h('td', null, String(e.seq)),
          h('td', null, when(new Date(e.time).toISOString())),
          h('th', { scope: 'row' }, h('code', null, e.action)),
          h('td', null, h('span', { class: `outcome outcome-${e.outcome}` }, e.outcome)),
          h(
            'td',
            null,
            e.actor.username ?? e.actor.via ?? '—',
            e.actor.tokenId ? ` (token ${e.actor.tokenId})` : '',
            e.actor.ip ? h('span', { class: 'hint' }, ` ${e.actor.ip}`) : null,
          ),
          h('td', null, objectView(e)),
          h(
            'td',
            { class: 'wrap' },
            e.reason ? `${e.reason} ` : '',
            Object.entries(e.details ?? {})
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
          ),
        ),
      ),
    ),
  );
}

const FILTERS = ['since', 'until', 'actor', 'action', 'objectType', 'objectId'] as const;
const LABELS: Record<(typeof FILTERS)[number], [string, string]> = {
  since: ['Since', 'ISO-8601 time, e.g. 2026-01-31T00:00:00Z'],
  until: ['Until', 'ISO-8601 time'],
  actor: ['Actor', 'A user name'],
  action: ['Action', 'e.g. auth.login, gate.denied, createToken'],
  objectType: ['Object type', 'model, dataset, project, user, token, job'],
  objectId: ['Object', 'Its name or id'],
};

interface Verification {
  readonly ok: boolean;
  readonly size: number;
  readonly firstBadIndex?: number;
  readonly problems: readonly string[];
  readonly checkpointKey: string;
}

export async function auditPage(main: HTMLElement, _params: unknown, query: URLSearchParams): Promise<void> {
  const request = new URLSearchParams();
  for (const name of [...FILTERS, 'after']) {
    const value = query.get(name);
    if (value) request.set(name, value);
  }
  request.set('limit', '100');
  const [page, verification] = await Promise.all([
    api<{ events: AuditEvent[]; next: number | null }>('GET', `/audit?${request}`),
    api<Verification>('GET', '/audit/verify'),
  ]);
  const inputs = FILTERS.map((name) => {
    const input = h('input', { name, value: query.get(name) ?? '', maxlength: 128 });
    return { name, input, view: field(LABELS[name][0], input, LABELS[name][1]) };
  });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter audit events' },
    inputs.map((i) => i.view),
    h('button', { type: 'submit' }, 'Filter'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const { name, input } of inputs) if (input.value.trim()) next.set(name, input.value.trim());
    go(`#/audit?${next}`);
  });
  const more = new URLSearchParams(query);
  if (page.next !== null) more.set('after', String(page.next));
  replace(
    main,
    h('h1', null, 'Audit log'),
    h(
      'p',
      { class: verification.ok ? 'notice' : 'error', id: 'ledger-status' },
      verification.ok
        ? `Ledger verified: all ${verification.size} events recomputed, signed checkpoints intact.`
        : `Ledger verification FAILED${verification.firstBadIndex !== undefined ? ` at event ${verification.firstBadIndex}` : ''}: ${verification.problems.join('; ')}`,
      h('br'),
      h(
        'span',
        { class: 'hint' },
        'Checkpoint key: ',
        h('code', { class: 'wrap' }, verification.checkpointKey),
      ),
    ),
    form,
    h(
      'p',
      null,
      h(
        'a',
        { href: `/api/v1/audit/export?${request}`, download: 'audit.ocsf.jsonl' },
        'Export these events as OCSF JSON lines',
      ),
    ),
    auditTable(page.events),
    page.events.length === 100 && page.next !== null
      ? h('p', null, h('a', { href: `#/audit?${more}` }, 'Next events'))
      : null,
  );
}
