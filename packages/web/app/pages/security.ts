import { api, clearCsrf } from '../api.ts';
import { announce, field, h, replace } from '../dom.ts';
import { currentUser, forget, loadMe } from '../session.ts';

function failure(line: HTMLElement, error: unknown): void {
  line.hidden = false;
  line.textContent = error instanceof Error ? error.message : String(error);
}

/** Enrol an authenticator (TOTP): the server gives a secret, a code from the app confirms it. */
export function mfaSection(): HTMLElement {
  const section = h('section', { 'aria-labelledby': 'mfa-title' });
  const draw = () => {
    const me = currentUser();
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    if (me?.mfa) {
      const codes = h('div', { 'aria-live': 'polite' });
      const make = h('button', { type: 'button', class: 'secondary' }, 'Make new recovery codes');
      make.addEventListener('click', async () => {
        try {
          const made = await api<{ codes: string[] }>('POST', '/me/recovery-codes');
          replace(
            codes,
            h(
              'div',
              { class: 'notice' },
              h(
                'p',
                null,
                h('strong', null, 'Store these codes now: they are shown once, and each works once.'),
              ),
              h(
                'ol',
                { class: 'recovery-codes' },
                made.codes.map((c) => h('li', null, h('code', null, c))),
              ),
              h('p', { class: 'hint' }, 'Any earlier set no longer works.'),
            ),
          );
          announce('Ten recovery codes made. Store them now.');
        } catch (e) {
          failure(error, e);
        }
      });
      replace(
        section,
        h('h2', { id: 'mfa-title' }, 'Two-factor authentication'),
        h('p', null, 'An authenticator app (TOTP) is enrolled: every sign-in needs a code from it.'),
        h(
          'p',
          null,
          'Recovery codes stand in for the app if you lose it; making a new set voids the old one.',
        ),
        make,
        error,
        codes,
      );
      return;
    }
    const start = h('button', { type: 'button' }, 'Set up an authenticator app');
    start.addEventListener('click', async () => {
      try {
        const begun = await api<{ totpSecret: string; otpauthUri: string }>('POST', '/me/totp');
        const code = h('input', {
          name: 'code',
          inputmode: 'numeric',
          pattern: '[0-9]{6}',
          maxlength: 6,
          required: true,
        });
        const confirm = h(
          'form',
          { class: 'card', 'aria-label': 'Confirm the authenticator' },
          h('p', null, 'Add this secret to your authenticator app, then enter the code it shows:'),
          h(
            'p',
            null,
            h('code', { class: 'totp-secret' }, begun.totpSecret.replace(/(.{4})/g, '$1 ').trim()),
          ),
          h('p', { class: 'hint' }, 'Key URI: ', h('code', { class: 'wrap' }, begun.otpauthUri)),
          field('Code from the app', code),
          h('button', { type: 'submit' }, 'Confirm'),
          error,
        );
        confirm.addEventListener('submit', async (event) => {
          event.preventDefault();
          try {
            await api('POST', '/me/totp/confirm', { code: code.value });
            await loadMe();
            announce('Authenticator enrolled.');
            draw();
          } catch (e) {
            failure(error, e);
          }
        });
        replace(section, h('h2', { id: 'mfa-title' }, 'Two-factor authentication'), confirm);
        code.focus();
      } catch (e) {
        failure(error, e);
      }
    });
    replace(
      section,
      h('h2', { id: 'mfa-title' }, 'Two-factor authentication'),
      h(
        'p',
        null,
        'Not enrolled. With an authenticator app, a stolen password is not enough to sign in as you.',
      ),
      start,
      error,
    );
  };
  draw();
  return section;
}

/** Changing the password ends every session of the user, this one included. */
export function passwordSection(): HTMLElement {
  const current = h('input', {
    type: 'password',
    name: 'current',
    autocomplete: 'current-password',
    required: true,
    maxlength: 256,
  });
  const next = h('input', {
    type: 'password',
    name: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: 8,
    maxlength: 256,
  });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'password-title' },
    h('h2', { id: 'password-title' }, 'Password'),
    field('Current password', current),
    field('New password', next, 'At least 8 characters; common passwords are refused. Every session ends.'),
    h('button', { type: 'submit' }, 'Change password'),
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('POST', '/me/password', { current: current.value, password: next.value });
      clearCsrf();
      forget();
      sessionStorage.setItem('palisade.notice', 'Password changed. Sign in with the new one.');
      location.hash = '#/login'; // the navigation redraws signed out
    } catch (e) {
      failure(error, e);
    }
  });
  return form;
}
