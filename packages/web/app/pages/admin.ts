import { api, type Project, seg, type User } from '../api.ts';
import { announce, field, h, replace, when } from '../dom.ts';
import { projects } from '../session.ts';
import { webhooksSection } from './webhooks.ts';

const ROLES = ['admin', 'security', 'ml-engineer', 'auditor', 'viewer'];

function errorLine(): HTMLElement {
  return h('p', { class: 'error', role: 'alert', hidden: true });
}

function failWith(line: HTMLElement, failure: unknown): void {
  line.hidden = false;
  line.textContent = failure instanceof Error ? failure.message : String(failure);
}

export async function adminPage(main: HTMLElement): Promise<void> {
  const [{ users }, list, webhooks] = await Promise.all([
    api<{ users: User[] }>('GET', '/users'),
    projects(),
    webhooksSection(),
  ]);
  const projectName = (id: string) =>
    id === '*' ? 'every project' : (list.find((p: Project) => p.id === id)?.name ?? id);
  const reload = () => void adminPage(main);

  const username = h('input', { name: 'username', required: true, maxlength: 64, autocomplete: 'off' });
  const password = h('input', {
    name: 'password',
    type: 'password',
    required: true,
    minlength: 8,
    maxlength: 256,
    autocomplete: 'new-password',
  });
  const createError = errorLine();
  const create = h(
    'form',
    { class: 'inline-form', 'aria-label': 'Create a user' },
    field('User name', username),
    field('Initial password', password, 'The user should change it; common passwords are refused.'),
    h('button', { type: 'submit' }, 'Create user'),
    createError,
  );
  create.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('POST', '/users', { username: username.value, password: password.value });
      announce(`User ${username.value} created.`);
      reload();
    } catch (failure) {
      failWith(createError, failure);
    }
  });

  const who = h(
    'select',
    { name: 'user' },
    users.map((u) => h('option', { value: u.username }, u.username)),
  );
  const where = h(
    'select',
    { name: 'project' },
    h('option', { value: '*' }, 'Every project (*)'),
    list.map((p) => h('option', { value: p.name }, p.name)),
  );
  const role = h(
    'select',
    { name: 'role' },
    ROLES.map((r) => h('option', { value: r }, r)),
  );
  const grantError = errorLine();
  const grant = h(
    'form',
    { class: 'inline-form', 'aria-label': 'Grant a role' },
    field('User', who),
    field('On project', where),
    field('Role', role),
    h('button', { type: 'submit' }, 'Grant role'),
    grantError,
  );
  grant.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('POST', `/users/${seg(who.value)}/roles`, { project: where.value, role: role.value });
      announce(`Granted ${role.value} to ${who.value}.`);
      reload();
    } catch (failure) {
      failWith(grantError, failure);
    }
  });

  const rowError = errorLine();
  const act = async (what: () => Promise<unknown>, message: string) => {
    try {
      await what();
      announce(message);
      reload();
    } catch (failure) {
      failWith(rowError, failure);
    }
  };

  replace(
    main,
    h('h1', null, 'Administration'),
    h('h2', null, 'Users and roles'),
    rowError,
    h(
      'table',
      { class: 'users' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['User', 'MFA', 'State', 'Roles', 'Created', 'Actions'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        null,
        users.map((u) =>
          h(
            'tr',
            null,
            h('th', { scope: 'row' }, u.username),
            h('td', null, u.mfa ? 'TOTP' : 'none'),
            h('td', null, u.disabled ? 'disabled' : 'active'),
            h(
              'td',
              null,
              (u.roles ?? []).length === 0
                ? 'none'
                : h(
                    'ul',
                    { class: 'plain' },
                    (u.roles ?? []).map((b) =>
                      h(
                        'li',
                        null,
                        `${b.role} on ${projectName(b.project)} `,
                        h(
                          'button',
                          {
                            type: 'button',
                            class: 'link',
                            'aria-label': `Revoke ${b.role} on ${projectName(b.project)} from ${u.username}`,
                            onclick: () =>
                              void act(
                                () =>
                                  api('POST', `/users/${seg(u.username)}/roles/revoke`, {
                                    project: b.project === '*' ? '*' : projectName(b.project),
                                    role: b.role,
                                  }),
                                `Revoked ${b.role} from ${u.username}.`,
                              ),
                          },
                          'Revoke',
                        ),
                      ),
                    ),
                  ),
            ),
            h('td', null, when(u.createdAt)),
            h(
              'td',
              null,
              u.disabled
                ? '—'
                : h(
                    'button',
                    {
                      type: 'button',
                      class: 'secondary',
                      'aria-label': `Disable ${u.username}`,
                      onclick: () => {
                        if (
                          window.confirm(
                            `Disable ${u.username}? Their sessions end and their tokens stop working.`,
                          )
                        )
                          void act(
                            () => api('POST', `/users/${seg(u.username)}/disable`),
                            `${u.username} disabled.`,
                          );
                      },
                    },
                    'Disable',
                  ),
            ),
          ),
        ),
      ),
    ),
    h('h2', null, 'Create a user'),
    create,
    h('h2', null, 'Grant a role'),
    grant,
    webhooks,
    h('h2', null, 'Not available from the server yet'),
    h('p', { class: 'hint' }, 'Single sign-on, policy pack editing and exception approval have no API yet.'),
  );
}
