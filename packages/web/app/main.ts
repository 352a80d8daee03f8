import { ApiError, api, clearCsrf, whenSessionEnds } from './api.ts';
import { h, replace } from './dom.ts';
import { accountPage } from './pages/account.ts';
import { adminPage } from './pages/admin.ts';
import { artifactPage } from './pages/artifact.ts';
import { auditPage } from './pages/audit.ts';
import { inventoryPage } from './pages/inventory.ts';
import { loginPage, setupPage } from './pages/login.ts';
import { uploadPage } from './pages/upload.ts';
import { versionPage } from './pages/version.ts';
import { go, resolve, route } from './router.ts';
import { canReadAudit, canWrite, currentUser, forget, isAdmin, loadMe } from './session.ts';

const PUBLIC_PAGES = new Set(['#/login', '#/setup']);

route('/login', 'Sign in', loginPage);
route('/setup', 'First start', setupPage);
route('/', 'Inventory', inventoryPage);
route('/p/:project/:kind/:name', 'Artifact', artifactPage);
route('/p/:project/:kind/:name/:digest', 'Version', versionPage);
route('/upload', 'Upload and scan', uploadPage);
route('/audit', 'Audit log', auditPage);
route('/admin', 'Administration', adminPage);
route('/account', 'Your account', accountPage);

function navigation(): void {
  const nav = document.getElementById('nav');
  const account = document.getElementById('account');
  if (!nav || !account) return;
  const user = currentUser();
  if (user === undefined) {
    replace(nav);
    replace(account);
    return;
  }
  const links: [string, string][] = [['#/', 'Inventory']];
  if (canWrite()) links.push(['#/upload', 'Upload and scan']);
  if (canReadAudit()) links.push(['#/audit', 'Audit log']);
  if (isAdmin()) links.push(['#/admin', 'Administration']);
  links.push(['#/account', 'Account']);
  const active = location.hash === '' ? '#/' : location.hash.split('?')[0];
  replace(
    nav,
    h(
      'ul',
      null,
      links.map(([target, label]) =>
        h(
          'li',
          null,
          h(
            'a',
            {
              href: target,
              'aria-current':
                active === target || (target === '#/' && active?.startsWith('#/p/')) ? 'page' : undefined,
            },
            label,
          ),
        ),
      ),
    ),
  );
  replace(
    account,
    h('span', { class: 'who' }, 'Signed in as ', h('strong', null, user.username)),
    h(
      'button',
      { type: 'button', class: 'secondary', id: 'sign-out', onclick: () => void signOut() },
      'Sign out',
    ),
  );
}

async function signOut(): Promise<void> {
  try {
    await api('POST', '/auth/logout');
  } catch (error) {
    // A tab without the CSRF token cannot end the session; the session-end handler has said so.
    if (error instanceof ApiError && error.kind === 'csrf') return;
    // A session that already ended is signed out all the same.
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
  endSession('You have signed out.');
}

function endSession(message: string): void {
  clearCsrf();
  sessionStorage.removeItem('palisade.expires');
  forget();
  navigation();
  sessionStorage.setItem('palisade.notice', message);
  go('#/login');
}

whenSessionEnds((message) => {
  if (currentUser() !== undefined) endSession(`Your session has ended: ${message}`);
});

let first = true;

async function render(): Promise<void> {
  const main = document.getElementById('main');
  if (!main) return;
  const hash = location.hash || '#/';
  const target = resolve(hash);
  if (currentUser() === undefined && !PUBLIC_PAGES.has(hash.split('?')[0] ?? '')) {
    try {
      await loadMe();
    } catch {
      go('#/login');
      return;
    }
  }
  navigation();
  document.title = `${target?.title ?? 'Not found'} · Palisade`;
  main.setAttribute('aria-busy', 'true');
  try {
    if (target === undefined) {
      replace(
        main,
        h('h1', null, 'Not found'),
        h('p', null, 'No page here. ', h('a', { href: '#/' }, 'Inventory')),
      );
    } else {
      replace(main);
      await target.page(main, target.params, target.query);
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    replace(
      main,
      h('h1', null, target?.title ?? 'Error'),
      h('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error)),
    );
  } finally {
    main.removeAttribute('aria-busy');
  }
  // Move focus to the new content on navigation, so keyboard and screen-reader users start there (unless the
  // page focused its first field).
  if (!first && !main.contains(document.activeElement)) main.focus();
  first = false;
}

window.addEventListener('hashchange', () => {
  if (location.hash === '#main') return; // the skip link
  void render();
});
document.getElementById('skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main')?.focus();
});
void render();
