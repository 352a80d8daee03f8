import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  artifactDir,
  hasChromium,
  launchChromium,
  type Served,
  seriousViolations,
  startServe,
  totpCode,
} from './browser-harness.ts';
import { buildWebAssets } from './build.ts';
import { DASHBOARD_CSP } from './index.ts';

/**
 * The dashboard end to end: a real `palisade serve` (SQLite in a temporary folder), driven through Debian's
 * Chromium as a user would — first-admin set-up with the one-time token, sign-in with TOTP, a malicious corpus
 * model uploaded and blocked by the prod gate, the audit log, users, roles and API tokens, sign-out. Every page
 * is checked with axe-core and photographed into the artifact folder.
 */
const CORPUS_MODEL = '/work/shared/corpus/generated/mal_control/ctl_torch_zip.pt';
/** Without the corpus: the same technique as its ctl_p0_os_system.pkl (protocol 0, GLOBAL os.system, REDUCE). */
const FALLBACK_PICKLE = Buffer.from("cos\nsystem\n(S'echo owned'\ntR.", 'latin1');
const BENIGN_MODEL = '/work/shared/corpus/generated/benign/model.safetensors';

/** Without the corpus: a minimal safetensors file (one F32 tensor of two zeros). */
function fallbackSafetensors(): Buffer {
  const header = Buffer.from('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}');
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([size, header, Buffer.alloc(8)]);
}

let served: Served;
before(async () => {
  await buildWebAssets();
  served = await startServe();
});
after(async () => {
  await served?.close();
});

test('the shell is served with the dashboard CSP, ETags, and only from its allowlist', async () => {
  const page = await fetch(`${served.url}/`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(page.headers.get('content-security-policy'), DASHBOARD_CSP);
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const html = await page.text();
  assert.match(html, /<script type="module" src="\/assets\/app.js"><\/script>/);
  assert.doesNotMatch(html, /<script>|<style|\sstyle=|\son[a-z]+=/, 'no inline script, style or handler');
  const script = await fetch(`${served.url}/assets/app.js`);
  assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  const etag = script.headers.get('etag') ?? '';
  const again = await fetch(`${served.url}/assets/app.js`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  for (const path of [
    '/assets/index.html',
    '/assets/app.ts',
    '/assets/main.ts',
    '/assets/%2e%2e%2fpackage.json',
  ]) {
    const refused = await fetch(`${served.url}${path}`);
    assert.ok([400, 404].includes(refused.status), `${path}: ${refused.status}`);
    assert.notEqual(refused.headers.get('content-security-policy'), DASHBOARD_CSP);
  }
  // The API keeps its own deny-all policy.
  const api = await fetch(`${served.url}/api/v1/openapi.json`);
  assert.match(api.headers.get('content-security-policy') ?? '', /^default-src 'none'/);
});

describe('in Chromium', {
  skip: hasChromium() ? false : 'Chromium is not installed at /usr/bin/chromium',
}, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let totpSecret = '';
  const problems: string[] = [];
  const checked: string[] = [];

  before(async () => {
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());
  });
  after(async () => {
    await browser?.close();
  });

  /** axe on the page as shown, then a screenshot named after it. */
  async function checkPage(name: string): Promise<void> {
    const violations = await seriousViolations(page);
    assert.deepEqual(
      violations.map(
        (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      ),
      [],
      `axe on ${name}`,
    );
    await page.screenshot({ path: join(artifactDir(), `${name}.png`), fullPage: true });
    checked.push(name);
  }

  test('the accessibility check can fail: axe flags an unlabelled image and button', async () => {
    const scratch = await context.newPage();
    await scratch.setContent(
      '<html lang="en"><title>t</title><main><img src="data:,"><button></button></main></html>',
    );
    const found = (await seriousViolations(scratch)).map((v) => v.id).sort();
    await scratch.close();
    assert.deepEqual(found, ['button-name', 'image-alt']);
  });

  test('first admin set-up with the one-time token, sign-in with TOTP, sign-out', async () => {
    await page.goto(`${served.url}/`);
    await page.getByRole('heading', { name: 'Sign in to Palisade' }).waitFor();
    await checkPage('sign-in');
    await page.getByRole('link', { name: 'Create the first admin' }).click();
    await page.getByLabel('Setup token').fill(served.setupToken);
    await page.getByLabel('Admin user name').fill('alice');
    await page.getByLabel('Password').fill('correct horse battery staple');
    await checkPage('setup');
    await page.getByRole('button', { name: 'Create admin' }).click();
    await page.getByRole('heading', { name: 'Admin alice created' }).waitFor();
    totpSecret = ((await page.locator('.totp-secret').textContent()) ?? '').replace(/\s/g, '');
    assert.match(totpSecret, /^[A-Z2-7]{32}$/);
    await page.getByRole('link', { name: 'Continue to sign-in' }).click();

    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('wrong password entirely');
    await page.getByLabel('Authenticator code').fill(totpCode(totpSecret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /user name or password is wrong/);

    await page.getByLabel('Password').fill('correct horse battery staple');
    await page.getByLabel('Authenticator code').fill(totpCode(totpSecret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inventory' }).waitFor();
    assert.equal(await page.locator('#account strong').textContent(), 'alice');
    await checkPage('inventory-empty');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in to Palisade' }).waitFor();
    assert.match((await page.locator('.notice').textContent()) ?? '', /signed out/);
    assert.equal((await fetch(`${served.url}/api/v1/me`)).status, 401);
    // The session is over on the server too: the old page cannot read anything.
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    assert.equal(me, 401);

    // Sign in again, with the keyboard only: the page focuses the user name, Tab moves on, Enter submits. The
    // code of the current step was used; the next one is accepted.
    assert.equal(await page.locator('input[name="username"]:focus').count(), 1);
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await page.keyboard.type('correct horse battery staple');
    await page.keyboard.press('Tab');
    await page.keyboard.type(totpCode(totpSecret, 1));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Inventory' }).waitFor();
    // On a fresh load the skip link is the first stop of the Tab order, and it leads to the content.
    await page.reload();
    await page.getByRole('heading', { name: 'Inventory' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.locator('#skip:focus').count(), 1);
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('main:focus').count(), 1);
  });

  test('a malicious corpus model is uploaded, scanned with progress, and blocked by the prod gate', async () => {
    await page.getByLabel('New project name').fill('vision');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('cell', { name: 'vision' }).or(page.getByText('0 of 0 models')).first().waitFor();
    await page.getByRole('link', { name: 'Upload and scan' }).first().click();
    await page.getByRole('heading', { name: 'Upload and scan' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('resnet');
    const model = existsSync(CORPUS_MODEL)
      ? { name: 'ctl_torch_zip.pt', mimeType: 'application/octet-stream', buffer: readFileSync(CORPUS_MODEL) }
      : { name: 'os_system.pkl', mimeType: 'application/octet-stream', buffer: FALLBACK_PICKLE };
    await page.getByLabel('File').setInputFiles(model);
    await checkPage('upload');
    await page.getByRole('button', { name: 'Upload and scan' }).click();
    await page.getByRole('heading', { name: 'Result' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('progress').getAttribute('value'), '100');
    assert.match((await page.locator('#scan-summary').textContent()) ?? '', /critical [1-9]/);
    const finding = page.locator('.finding summary').first();
    assert.match((await finding.textContent()) ?? '', /critical\s+PICKLE-[A-Z-]+/);
    await checkPage('scan-result');

    await page.getByRole('textbox', { name: 'Alias' }).fill('prod');
    await page.getByRole('button', { name: 'Move alias here' }).click();
    const decision = page.locator('.decision');
    await decision.waitFor();
    assert.equal(await decision.locator('.badge').first().textContent(), 'Blocked');
    const rule = decision.getByRole('row', { name: /scanned-without-critical-or-high-findings/ });
    assert.match((await rule.textContent()) ?? '', /deny/);
    assert.match((await page.getByRole('alert').textContent()) ?? '', /gate denies moving "prod"/);
    await checkPage('gate-blocked');

    await page.getByRole('link', { name: 'Open the version page' }).click();
    await page.getByRole('heading', { name: 'Scan findings' }).waitFor();
    assert.match((await page.locator('.finding summary').first().textContent()) ?? '', /PICKLE-/);
    assert.match((await page.locator('main').textContent()) ?? '', /prod — deny/);
    assert.match((await page.locator('main').textContent()) ?? '', /No signature status known/);
    await page.getByRole('button', { name: 'Build the AI-BOM' }).click();
    const link = page.getByRole('link', { name: 'Download the AI-BOM (CycloneDX JSON)' });
    await link.waitFor({ timeout: 30_000 });
    assert.match(
      (await page.locator('.bom').textContent()) ?? '',
      /CycloneDX 1\.\d.*Vulnerabilities \(findings\)\s*1/s,
    );
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const bom = JSON.parse(readFileSync((await download.path()) ?? '', 'utf8')) as { bomFormat: string };
    assert.equal(bom.bomFormat, 'CycloneDX');
    assert.match(
      (await page.locator('main').textContent()) ?? '',
      /Completeness \d+(\.\d+)? of 100; licence risk \w+/,
    );
    await checkPage('version');

    await page.getByRole('link', { name: 'Inventory' }).first().click();
    const row = page.getByRole('row', { name: /resnet/ });
    await row.locator('.sev-critical').waitFor();
    await page.getByLabel('Search by name').fill('no such model');
    assert.match((await page.locator('#inventory-summary').textContent()) ?? '', /^0 of 1 /);
    await page.getByLabel('Search by name').fill('');
    await checkPage('inventory');
    await page.getByRole('link', { name: 'resnet' }).click();
    await page.getByRole('heading', { name: 'Model resnet' }).waitFor();
    assert.equal(await page.locator('.badge-deny').first().textContent(), 'Blocked');
    await checkPage('model');
  });

  test('a benign model scans clean and moves to prod through the gate', async () => {
    await page.getByRole('link', { name: 'Upload and scan' }).first().click();
    await page.getByRole('heading', { name: 'Upload and scan' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('resnet');
    await page.getByLabel('File').setInputFiles({
      name: 'model.safetensors',
      mimeType: 'application/octet-stream',
      buffer: existsSync(BENIGN_MODEL) ? readFileSync(BENIGN_MODEL) : fallbackSafetensors(),
    });
    await page.getByRole('button', { name: 'Upload and scan' }).click();
    await page.getByRole('heading', { name: 'Result' }).waitFor({ timeout: 30_000 });
    assert.match((await page.locator('#scan-summary').textContent()) ?? '', /no findings/);
    await page.getByRole('textbox', { name: 'Alias' }).fill('prod');
    await page.getByRole('button', { name: 'Move alias here' }).click();
    const decision = page.locator('.decision');
    await decision.waitFor();
    assert.equal(await decision.locator('.badge').first().textContent(), 'Allowed');
    assert.match((await page.locator('main').textContent()) ?? '', /"prod" now points here/);
    await checkPage('gate-allowed');

    await page.getByRole('link', { name: 'Inventory' }).first().click();
    const row = page.getByRole('row', { name: /resnet/ });
    await row.locator('.badge-allow').waitFor();
    await row.getByText('no findings').waitFor();
    assert.match((await row.textContent()) ?? '', /2\s*model\.safetensors.*no findings.*prod\s*Allowed/s);
    await page.getByRole('link', { name: 'resnet' }).click();
    const moved = page.getByRole('row', { name: /model\.safetensors/ });
    await moved.locator('.badge-allow').waitFor();
    assert.match((await moved.textContent()) ?? '', /prod\s*Allowed \(the gate decided allow\)/);
  });

  test('audit log with filters and the ledger check; users, roles and API tokens', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('#ledger-status').waitFor();
    assert.match(
      (await page.locator('#ledger-status').textContent()) ?? '',
      /Ledger verified: all \d+ events recomputed/,
    );
    await checkPage('audit');
    await page.getByLabel('Action').fill('gate.denied');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=gate.denied/);
    const rows = page.locator('table.audit tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    assert.match(
      (await rows.first().textContent()) ?? '',
      /gate\.denied.*failure.*alice.*model vision\/resnet/,
    );
    assert.equal(
      await rows.first().getByRole('link', { name: 'model vision/resnet' }).getAttribute('href'),
      '#/p/vision/model/resnet',
    );

    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Users and roles' }).waitFor();
    await page.getByLabel('User name').fill('bob');
    await page.getByLabel('Initial password').fill('bob has a long passphrase');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('rowheader', { name: 'bob' }).waitFor();
    await page.getByLabel('User', { exact: true }).selectOption('bob');
    await page.getByLabel('On project').selectOption('vision');
    await page.getByLabel('Role', { exact: true }).selectOption('auditor');
    await page.getByRole('button', { name: 'Grant role' }).click();
    await page.getByRole('row', { name: /bob.*auditor on vision/ }).waitFor();
    await checkPage('admin');
    const revoke = page.getByRole('button', { name: 'Revoke auditor on vision from bob' });
    await revoke.click();
    await revoke.waitFor({ state: 'detached' });

    await page.getByLabel('Webhook URL').fill('http://127.0.0.1:9/palisade');
    await page.getByRole('button', { name: 'Register webhook' }).click();
    await page.getByText('Copy the signing secret now').waitFor();
    assert.match(await page.getByLabel('Secret of http://127.0.0.1:9/palisade').inputValue(), /.{16,}/);
    await page.getByRole('button', { name: 'Remove webhook http://127.0.0.1:9/palisade' }).click();
    await page.getByText('No webhook.').waitFor();

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Token name').fill('ci');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.locator('#new-token').inputValue();
    assert.match(secret, /^pal_[A-Za-z0-9]{30,}$/);
    const withToken = await fetch(`${served.url}/api/v1/projects`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(withToken.status, 200);
    await checkPage('account');
    await page.getByRole('button', { name: 'Revoke token ci' }).click();
    await page.getByRole('row', { name: /ci.*revoked/ }).waitFor();
    const revoked = await fetch(`${served.url}/api/v1/projects`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(revoked.status, 401);
    // Shown once: the list never carries the secret again.
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', new RegExp(secret));
  });

  test('a second user enrols an authenticator, changes the password, and then needs a code', async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByLabel('User name').fill('bob');
    await page.getByLabel('Password').fill('bob has a long passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inventory' }).waitFor();
    assert.match((await page.locator('main').textContent()) ?? '', /Ask an admin for a role/);
    assert.equal(await page.getByRole('link', { name: 'Administration' }).count(), 0);

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = ((await page.locator('.totp-secret').textContent()) ?? '').replace(/\s/g, '');
    await page.getByLabel('Code from the app').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('An authenticator app (TOTP) is enrolled').waitFor();
    await checkPage('account-mfa');

    await page.getByLabel('Current password').fill('bob has a long passphrase');
    await page.getByLabel('New password').fill('bob has another passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Sign in to Palisade' }).waitFor();
    assert.match((await page.locator('.notice').textContent()) ?? '', /Password changed/);

    await page.getByLabel('User name').fill('bob');
    await page.getByLabel('Password').fill('bob has another passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /code from your authenticator/);
    await page.getByLabel('Authenticator code').fill(totpCode(secret, 1));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inventory' }).waitFor();

    // Recovery codes, made from a session signed in with a code, stand in for the authenticator once each.
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Make new recovery codes' }).click();
    await page.locator('.recovery-codes').waitFor();
    const codes = await page.locator('.recovery-codes code').allTextContents();
    assert.equal(codes.length, 10);
    await checkPage('recovery-codes');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByLabel('User name').fill('bob');
    await page.getByLabel('Password').fill('bob has another passphrase');
    await page.getByText('Lost your authenticator?').click();
    await page.getByLabel('Recovery code').fill(codes[0] ?? '');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inventory' }).waitFor();
  });

  test('when the session ends, the next action returns to sign-in and says why', async () => {
    // A tab opened after sign-in shares the cookie but not the CSRF token: it reads, and must sign in to write.
    const tab = await context.newPage();
    await tab.goto(`${served.url}/#/account`);
    await tab.getByRole('heading', { name: 'Your account' }).waitFor();
    await tab.getByRole('button', { name: 'Sign out', exact: true }).click();
    await tab.getByRole('heading', { name: 'Sign in to Palisade' }).waitFor();
    assert.match((await tab.locator('.notice').textContent()) ?? '', /does not hold the token/);
    await tab.close();

    await context.clearCookies(); // as when the cookie expires
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Sign in to Palisade' }).waitFor();
    assert.match((await page.locator('.notice').textContent()) ?? '', /Your session has ended/);
    assert.equal(await page.locator('#account').textContent(), '');
  });

  test('every page passed axe and the CSP refused nothing', () => {
    writeFileSync(join(artifactDir(), 'pages.txt'), `${checked.join('\n')}\n`);
    assert.deepEqual(
      [
        'sign-in',
        'setup',
        'inventory-empty',
        'upload',
        'scan-result',
        'gate-blocked',
        'gate-allowed',
        'version',
        'inventory',
        'model',
        'audit',
        'admin',
        'account',
        'account-mfa',
        'recovery-codes',
      ].filter((name) => !checked.includes(name)),
      [],
    );
    assert.deepEqual(
      problems.filter((p) => !/401|409|Unauthorized|Conflict/.test(p)),
      [],
    );
  });
});
