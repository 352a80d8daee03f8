import { api, seg, type Token } from '../api.ts';
import { announce, field, h, replace, when } from '../dom.ts';
import { currentUser } from '../session.ts';
import { mfaSection, passwordSection } from './security.ts';

const SCOPES = [
  'project:read',
  'artifact:read',
  'artifact:write',
  'alias:write',
  'job:read',
  'job:create',
  'audit:read',
  'project:create',
  'user:manage',
];

export async function accountPage(main: HTMLElement): Promise<void> {
  const me = currentUser();
  const { tokens } = await api<{ tokens: Token[] }>('GET', '/tokens');
  const name = h('input', {
    name: 'name',
    required: true,
    maxlength: 64,
    pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]*',
  });
  const days = h('input', {
    name: 'expiresInDays',
    type: 'number',
    min: 1,
    max: 365,
    value: 90,
    required: true,
  });
  const boxes = SCOPES.map((scope) => {
    const box = h('input', {
      type: 'checkbox',
      name: 'scopes',
      value: scope,
      checked: scope.endsWith(':read'),
    });
    return { scope, box };
  });
  const shown = h('div', { 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'Create an API token' },
    field('Token name', name),
    field('Expires after (days)', days),
    h(
      'fieldset',
      null,
      h('legend', null, 'Scopes (never more than your own roles allow)'),
      boxes.map(({ scope, box }) => {
        box.id = `scope-${scope.replace(':', '-')}`;
        return h('div', { class: 'check' }, box, h('label', { for: box.id }, scope));
      }),
    ),
    h('button', { type: 'submit' }, 'Create token'),
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    const scopes = boxes.filter((b) => b.box.checked).map((b) => b.scope);
    try {
      const created = await api<Token>('POST', '/tokens', {
        name: name.value,
        scopes,
        expiresInDays: Number(days.value),
      });
      const secret = h('input', {
        readonly: true,
        value: created.token ?? '',
        id: 'new-token',
        class: 'wrap',
        size: 48,
      });
      replace(
        shown,
        h(
          'div',
          { class: 'notice' },
          h('p', null, h('strong', null, 'Copy this token now: it is shown once and cannot be shown again.')),
          field(`Token ${created.name}`, secret),
        ),
      );
      secret.select();
      announce('Token created. Copy it now; it will not be shown again.');
      await drawList((await api<{ tokens: Token[] }>('GET', '/tokens')).tokens);
    } catch (failure) {
      error.hidden = false;
      error.textContent = failure instanceof Error ? failure.message : String(failure);
    }
  });

  const listArea = h('div');
  const drawList = async (list: readonly Token[] = tokens) => {
    replace(
      listArea,
      list.length === 0
        ? h('p', null, 'No API token.')
        : h(
            'table',
            { class: 'tokens' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['Name', 'Scopes', 'Created', 'Expires', 'Last used', 'State', ''].map((c) =>
                  h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              null,
              list.map((t) =>
                h(
                  'tr',
                  null,
                  h('th', { scope: 'row' }, t.name),
                  h('td', null, t.scopes.join(' ')),
                  h('td', null, when(t.createdAt)),
                  h('td', null, when(t.expiresAt)),
                  h('td', null, when(t.lastUsedAt)),
                  h('td', null, t.revoked ? 'revoked' : 'active'),
                  h(
                    'td',
                    null,
                    t.revoked
                      ? ''
                      : h(
                          'button',
                          {
                            type: 'button',
                            class: 'secondary',
                            'aria-label': `Revoke token ${t.name}`,
                            onclick: async () => {
                              await api('DELETE', `/tokens/${seg(t.id)}`);
                              announce(`Token ${t.name} revoked.`);
                              await drawList((await api<{ tokens: Token[] }>('GET', '/tokens')).tokens);
                            },
                          },
                          'Revoke',
                        ),
                  ),
                ),
              ),
            ),
          ),
    );
  };
  await drawList();

  replace(
    main,
    h('h1', null, 'Your account'),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'User'),
      h('dd', null, me?.username ?? '—'),
      h('dt', null, 'Two-factor authentication'),
      h('dd', null, me?.mfa ? 'TOTP enrolled' : 'not enrolled'),
      h('dt', null, 'Roles'),
      h(
        'dd',
        null,
        (me?.roles ?? [])
          .map((b) => `${b.role} on ${b.project === '*' ? 'every project' : b.project}`)
          .join(', ') || 'none',
      ),
    ),
    mfaSection(),
    passwordSection(),
    h('h2', null, 'API tokens'),
    h(
      'p',
      null,
      'Tokens let the CLI and CI call the server. They are created only from a signed-in session.',
    ),
    form,
    shown,
    listArea,
    h('h2', null, 'Sessions'),
    h(
      'p',
      null,
      `This session ends at ${when(sessionStorage.getItem('palisade.expires'))} at the latest, and sooner after a`,
      ' period without activity (the server sets both limits).',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: async () => {
          await api('POST', '/auth/logout-all');
          location.reload();
        },
      },
      'Sign out everywhere',
    ),
  );
}
