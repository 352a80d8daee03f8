import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpError } from './http/problem.ts';
import { backoffMs, RateLimiter } from './identity/throttle.ts';
import { ADMIN_PASSWORD, serverTest, totpCode, USER_PASSWORD } from './test-harness.ts';

const detail = (body: unknown) => (body as { detail: string }).detail;
const kind = (body: unknown) => (body as { type: string }).type.replace('https://palisade.dev/problems/', '');

serverTest('the setup token creates exactly one admin, once; there is no default account', async (h) => {
  const again = await h.call('POST', '/api/v1/setup', {
    body: { setupToken: h.server.setupToken, username: 'second', password: 'another long password' },
  });
  assert.equal(again.status, 401);
  const users = await h.call('GET', '/api/v1/users', { as: h.admin });
  assert.deepEqual(
    (users.body as { users: { username: string; mfa: boolean; roles: unknown[] }[] }).users.map((u) => [
      u.username,
      u.mfa,
      u.roles,
    ]),
    [['root', true, [{ project: '*', role: 'admin' }]]],
  );
  for (const guess of ['admin', 'root']) {
    const reply = await h.call('POST', '/api/v1/auth/login', {
      body: { username: guess, password: 'admin' },
    });
    assert.equal(reply.status, 401);
  }
});

serverTest(
  'admins must pass TOTP; codes are single-use; the session cookie is __Host-, Secure, HttpOnly, SameSite=Strict',
  async (h) => {
    const noCode = await h.call('POST', '/api/v1/auth/login', {
      body: { username: 'root', password: ADMIN_PASSWORD },
    });
    assert.equal(noCode.status, 401);
    assert.equal(kind(noCode.body), 'mfa-required');
    const wrong = await h.call('POST', '/api/v1/auth/login', {
      body: { username: 'root', password: ADMIN_PASSWORD, totp: '000000' },
    });
    assert.equal(wrong.status, 401);

    // A user promoted to admin must enrol TOTP at the next login, and its older session gains nothing.
    const bob = await h.user('bob', [['*', 'viewer']]);
    await h.call('POST', '/api/v1/users/bob/roles', { as: h.admin, body: { project: '*', role: 'admin' } });
    const stale = await h.call('POST', '/api/v1/projects', { as: bob, body: { name: 'by-bob' } });
    assert.equal(stale.status, 403, 'a session without MFA does not carry admin rights');
    const enrol = await h.call('POST', '/api/v1/auth/login', {
      body: { username: 'bob', password: USER_PASSWORD },
    });
    assert.equal(enrol.status, 401);
    assert.equal(kind(enrol.body), 'mfa-enrollment-required');
    const secret = (enrol.body as { totpSecret: string }).totpSecret;
    assert.match(
      (enrol.body as { otpauthUri: string }).otpauthUri,
      /^otpauth:\/\/totp\/Palisade%3Abob\?secret=/,
    );
    h.advance(30_000);
    const code = totpCode(secret, h.now());
    const ok = await h.call('POST', '/api/v1/auth/login', {
      body: { username: 'bob', password: USER_PASSWORD, totp: code },
    });
    assert.equal(ok.status, 200);
    assert.equal((ok.body as { mfa: boolean }).mfa, true);
    const cookie = ok.headers.getSetCookie()[0] ?? '';
    assert.match(
      cookie,
      /^__Host-palisade-session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=28800$/,
    );
    const replay = await h.call('POST', '/api/v1/auth/login', {
      body: { username: 'bob', password: USER_PASSWORD, totp: code },
    });
    assert.equal(replay.status, 401, 'the same code is refused the second time');
    const session = {
      cookie: cookie.split(';')[0] ?? '',
      csrf: (ok.body as { csrfToken: string }).csrfToken,
    };
    const created = await h.call('POST', '/api/v1/projects', { as: session, body: { name: 'by-bob' } });
    assert.equal(created.status, 201);
  },
);

serverTest(
  'cookie-authenticated writes need the CSRF token and a same-site origin',
  async (h) => {
    const body = { name: 'p1' };
    const noToken = await h.call('POST', '/api/v1/projects', { as: { cookie: h.admin.cookie ?? '' }, body });
    assert.equal(noToken.status, 403);
    assert.equal(kind(noToken.body), 'csrf');
    const wrongToken = await h.call('POST', '/api/v1/projects', {
      as: { cookie: h.admin.cookie ?? '', csrf: 'x' },
      body,
    });
    assert.equal(wrongToken.status, 403);
    const crossSite = await h.call('POST', '/api/v1/projects', {
      as: h.admin,
      body,
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(crossSite.status, 403);
    const otherOrigin = await h.call('POST', '/api/v1/projects', {
      as: h.admin,
      body,
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(otherOrigin.status, 403);
    const read = await h.call('GET', '/api/v1/projects', { as: { cookie: h.admin.cookie ?? '' } });
    assert.equal(read.status, 200);
    const ok = await h.call('POST', '/api/v1/projects', {
      as: h.admin,
      body,
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(ok.status, 201);
  },
  ['sqlite'],
);

serverTest(
  'failed logins back off per account and per address (429 + Retry-After); unknown users look the same',
  async (h) => {
    await h.user('carol', [['*', 'viewer']]);
    const unknown = await h.call('POST', '/api/v1/auth/login', {
      body: { username: 'nobody', password: 'whatever it is' },
    });
    const wrong = await h.call('POST', '/api/v1/auth/login', {
      body: { username: 'carol', password: 'not her password' },
    });
    assert.equal(unknown.status, 401);
    assert.equal(wrong.status, 401);
    assert.equal(detail(unknown.body), detail(wrong.body));
    for (let i = 0; i < 3; i++) {
      await h.call('POST', '/api/v1/auth/login', {
        body: { username: 'carol', password: 'not her password' },
      });
    }
    const blocked = await h.call('POST', '/api/v1/auth/login', {
      body: { username: 'carol', password: USER_PASSWORD },
    });
    assert.equal(blocked.status, 429, 'even the right password waits once the account is backing off');
    assert.equal(blocked.headers.get('retry-after'), '1');
    h.advance(1_000);
    const allowed = await h.call('POST', '/api/v1/auth/login', {
      body: { username: 'carol', password: USER_PASSWORD },
    });
    assert.equal(allowed.status, 200);
  },
  ['sqlite'],
);

serverTest(
  'API tokens: shown once, scoped, refused when revoked, expired, malformed or used to mint tokens',
  async (h) => {
    const reader = await h.token(h.admin, ['project:read'], 1);
    assert.match(reader.token, /^pal_[0-9A-Za-z]{36}$/);
    const listed = await h.call('GET', '/api/v1/tokens', { as: h.admin });
    assert.equal(listed.text.includes(reader.token), false, 'the secret is never shown again');
    const asToken = { token: reader.token };
    assert.equal((await h.call('GET', '/api/v1/projects', { as: asToken })).status, 200);
    const me = await h.call('GET', '/api/v1/me', { as: asToken });
    assert.equal((me.body as { via: string }).via, 'token');
    const outOfScope = await h.call('POST', '/api/v1/projects', { as: asToken, body: { name: 'nope' } });
    assert.equal(outOfScope.status, 403, 'an admin’s token does only what its scopes say');
    const mint = await h.call('POST', '/api/v1/tokens', {
      as: asToken,
      body: { name: 'x', scopes: ['project:read'] },
    });
    assert.equal(mint.status, 403, 'tokens are minted from an interactive session only');
    const typo = `${reader.token.slice(0, -1)}${reader.token.endsWith('x') ? 'y' : 'x'}`;
    const malformed = await h.call('GET', '/api/v1/projects', { as: { token: typo } });
    assert.equal(malformed.status, 401);

    const revoked = await h.token(h.admin, ['project:read']);
    assert.equal((await h.call('DELETE', `/api/v1/tokens/${revoked.id}`, { as: h.admin })).status, 204);
    const afterRevoke = await h.call('GET', '/api/v1/projects', { as: { token: revoked.token } });
    assert.equal(afterRevoke.status, 401);
    assert.match(detail(afterRevoke.body), /revoked/);

    h.advance(86_400_000 + 1);
    const expired = await h.call('GET', '/api/v1/projects', { as: asToken });
    assert.equal(expired.status, 401);
    assert.match(detail(expired.body), /expired/);
  },
);

serverTest(
  'sessions end after 30 idle minutes, at logout, and when the password changes',
  async (h) => {
    const dave = await h.user('dave', [['*', 'viewer']]);
    assert.equal((await h.call('GET', '/api/v1/me', { as: dave })).status, 200);
    h.advance(29 * 60_000);
    assert.equal((await h.call('GET', '/api/v1/me', { as: dave })).status, 200, 'activity keeps it alive');
    h.advance(31 * 60_000);
    const idle = await h.call('GET', '/api/v1/me', { as: dave });
    assert.equal(idle.status, 401);
    assert.equal(kind(idle.body), 'session-expired');

    const again = await h.login('dave', USER_PASSWORD);
    const logout = await h.call('POST', '/api/v1/auth/logout', { as: again });
    assert.equal(logout.status, 204);
    assert.match(logout.headers.getSetCookie()[0] ?? '', /Max-Age=0/);
    assert.equal((await h.call('GET', '/api/v1/me', { as: again })).status, 401);

    const third = await h.login('dave', USER_PASSWORD);
    const weak = await h.call('POST', '/api/v1/me/password', {
      as: third,
      body: { current: USER_PASSWORD, password: 'password123' },
    });
    assert.equal(weak.status, 400);
    const changed = await h.call('POST', '/api/v1/me/password', {
      as: third,
      body: { current: USER_PASSWORD, password: 'a brand new passphrase' },
    });
    assert.equal(changed.status, 204);
    assert.equal((await h.call('GET', '/api/v1/me', { as: third })).status, 401);
    await h.login('dave', 'a brand new passphrase');
  },
  ['sqlite'],
);

serverTest(
  'a non-admin may enrol TOTP; from then on its logins need a code',
  async (h) => {
    const erin = await h.user('erin', [['*', 'viewer']]);
    const begin = await h.call('POST', '/api/v1/me/totp', { as: erin });
    assert.equal(begin.status, 201);
    const secret = (begin.body as { totpSecret: string }).totpSecret;
    assert.equal(
      (await h.call('POST', '/api/v1/me/totp/confirm', { as: erin, body: { code: '123456' } })).status,
      400,
    );
    const confirm = await h.call('POST', '/api/v1/me/totp/confirm', {
      as: erin,
      body: { code: totpCode(secret, h.now()) },
    });
    assert.equal(confirm.status, 204);
    await assert.rejects(h.login('erin', USER_PASSWORD), /401/);
    await h.login('erin', USER_PASSWORD, secret);
  },
  ['sqlite'],
);

test('back-off doubles after five failures, caps at 15 minutes, and blocks a day at 100', () => {
  assert.deepEqual([1, 4, 5, 6, 7, 10].map(backoffMs), [0, 0, 1000, 2000, 4000, 32_000]);
  assert.equal(backoffMs(40), 15 * 60_000);
  assert.equal(backoffMs(100), 24 * 3600_000);
});

test('the per-address limiter sheds bursts with 429 and refills over time', () => {
  const limiter = new RateLimiter(3, 60);
  for (let i = 0; i < 3; i++) limiter.take('a', 0);
  assert.throws(
    () => limiter.take('a', 0),
    (error: unknown) =>
      error instanceof HttpError && error.status === 429 && error.headers['retry-after'] === '1',
  );
  limiter.take('b', 0);
  limiter.take('a', 1000);
});

serverTest(
  'token creation has its own rate-limit bucket per user: the eleventh in a minute waits',
  async (h) => {
    for (let i = 0; i < 10; i++) await h.token(h.admin, ['project:read']);
    const eleventh = await h.call('POST', '/api/v1/tokens', {
      as: h.admin,
      body: { name: 'x', scopes: ['project:read'] },
    });
    assert.equal(eleventh.status, 429);
    assert.equal(eleventh.headers.get('retry-after'), '6');
    const other = await h.user('olga', [['*', 'viewer']]);
    assert.equal(
      (await h.call('POST', '/api/v1/tokens', { as: other, body: { name: 'x', scopes: ['project:read'] } }))
        .status,
      201,
    );
    h.advance(6_000);
    assert.equal(
      (await h.call('POST', '/api/v1/tokens', { as: h.admin, body: { name: 'x', scopes: ['project:read'] } }))
        .status,
      201,
    );
  },
  ['sqlite'],
);

serverTest(
  'recovery codes: ten single-use codes stand in for a lost authenticator; a new set voids the old one',
  async (h) => {
    const made = await h.call('POST', '/api/v1/me/recovery-codes', { as: h.admin });
    assert.equal(made.status, 201, made.text);
    const codes = (made.body as { codes: string[] }).codes;
    assert.equal(codes.length, 10);
    for (const code of codes) assert.match(code, /^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
    const login = (recoveryCode: string) =>
      h.call('POST', '/api/v1/auth/login', {
        body: { username: 'root', password: ADMIN_PASSWORD, recoveryCode },
      });
    const first = await login((codes[0] ?? '').toLowerCase().replaceAll('-', ''));
    assert.equal(first.status, 200, 'a code works, in any case and without dashes');
    assert.equal((first.body as { mfa: boolean }).mfa, true);
    assert.equal((await login(codes[0] ?? '')).status, 401, 'once');
    const again = await h.call('POST', '/api/v1/me/recovery-codes', { as: h.admin });
    assert.equal((await login(codes[1] ?? '')).status, 401, 'the old set stopped working');
    assert.equal((await login((again.body as { codes: string[] }).codes[0] ?? '')).status, 200);
    const plain = await h.user('pat', [['*', 'viewer']]);
    assert.equal(
      (await h.call('POST', '/api/v1/me/recovery-codes', { as: plain })).status,
      409,
      'TOTP first',
    );
  },
  ['sqlite'],
);
