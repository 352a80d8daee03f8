import { ApiError, api, setCsrf, type User } from '../api.ts';
import { announce, field, h, replace } from '../dom.ts';
import { go } from '../router.ts';
import { loadMe } from '../session.ts';

function errorBox(): HTMLElement {
  return h('div', { class: 'error', role: 'alert', hidden: true });
}

function showError(box: HTMLElement, message: string): void {
  box.hidden = false;
  box.textContent = message;
}

/** The TOTP secret in groups of four, easier to type into an authenticator app. */
function secretBlock(secret: string, uri: string): HTMLElement {
  return h(
    'div',
    { class: 'secret' },
    h('p', null, 'Add this secret to your authenticator app (time-based, 6 digits, 30 seconds):'),
    h(
      'p',
      null,
      h(
        'code',
        { class: 'totp-secret', 'aria-label': 'TOTP secret' },
        secret.replace(/(.{4})/g, '$1 ').trim(),
      ),
    ),
    h('p', { class: 'hint' }, 'Or give it this key URI: ', h('code', { class: 'wrap' }, uri)),
  );
}

export function loginPage(main: HTMLElement): void {
  const notice = sessionStorage.getItem('palisade.notice');
  sessionStorage.removeItem('palisade.notice');
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: 64 });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: 256,
  });
  const totp = h('input', {
    name: 'totp',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: 6,
  });
  const recovery = h('input', { name: 'recoveryCode', autocomplete: 'off', maxlength: 19 });
  const error = errorBox();
  const enrol = h('div');
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Sign in to Palisade'),
    notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
    error,
    field('User name', username),
    field('Password', password),
    field('Authenticator code', totp, 'The 6-digit code from your authenticator app (required for admins).'),
    h(
      'details',
      null,
      h('summary', null, 'Lost your authenticator?'),
      field('Recovery code', recovery, 'One of the codes you stored when you made them; each works once.'),
    ),
    enrol,
    h('button', { type: 'submit' }, 'Sign in'),
    h(
      'p',
      { class: 'hint' },
      'First start of this server? ',
      h('a', { href: '#/setup' }, 'Create the first admin'),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      const result = await api<{ csrfToken: string; user: User; expiresAt: string }>(
        'POST',
        '/auth/login',
        {
          username: username.value,
          password: password.value,
          ...(totp.value ? { totp: totp.value } : {}),
          ...(recovery.value.trim() ? { recoveryCode: recovery.value.trim() } : {}),
        },
        { anonymous: true },
      );
      setCsrf(result.csrfToken);
      sessionStorage.setItem('palisade.expires', result.expiresAt);
      await loadMe();
      announce(`Signed in as ${result.user.username}.`);
      go('#/');
    } catch (failure) {
      if (failure instanceof ApiError && failure.kind === 'mfa-enrollment-required') {
        const { totpSecret, otpauthUri } = failure.problem as { totpSecret?: string; otpauthUri?: string };
        if (totpSecret && otpauthUri) replace(enrol, secretBlock(totpSecret, otpauthUri));
      }
      showError(error, failure instanceof Error ? failure.message : String(failure));
      (failure instanceof ApiError && failure.kind.startsWith('mfa') ? totp : password).focus();
    }
  });
  replace(main, form);
  username.focus();
}

export function setupPage(main: HTMLElement): void {
  const token = h('input', { name: 'setupToken', required: true, autocomplete: 'off', maxlength: 128 });
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: 64 });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: 8,
    maxlength: 256,
  });
  const error = errorBox();
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'setup-title' },
    h('h1', { id: 'setup-title' }, 'Create the first admin'),
    h('p', null, 'The server printed a one-time setup token when it first started. It works once.'),
    error,
    field('Setup token', token),
    field('Admin user name', username),
    field(
      'Password',
      password,
      'At least 8 characters; a long passphrase is best. Common passwords are refused.',
    ),
    h('button', { type: 'submit' }, 'Create admin'),
    h('p', { class: 'hint' }, h('a', { href: '#/login' }, 'Back to sign-in')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      const created = await api<{ user: User; totpSecret: string; otpauthUri: string }>(
        'POST',
        '/setup',
        { setupToken: token.value.trim(), username: username.value, password: password.value },
        { anonymous: true },
      );
      replace(
        main,
        h(
          'section',
          { class: 'card narrow', 'aria-labelledby': 'setup-done' },
          h('h1', { id: 'setup-done' }, `Admin ${created.user.username} created`),
          h('p', null, 'Admins sign in with a password and a code from an authenticator app.'),
          secretBlock(created.totpSecret, created.otpauthUri),
          h('p', { class: 'hint' }, 'This secret is shown once. Then sign in with a code from the app.'),
          h('a', { href: '#/login', class: 'button' }, 'Continue to sign-in'),
        ),
      );
      announce('Admin created. Add the secret to your authenticator, then sign in.');
    } catch (failure) {
      showError(error, failure instanceof Error ? failure.message : String(failure));
    }
  });
  replace(main, form);
  token.focus();
}
