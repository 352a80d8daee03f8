import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalKeyProvider } from '../crypto/key-provider.ts';
import { IdentityStore } from '../identity/store.ts';
import { MIGRATIONS, migrate } from './migrations.ts';
import { postgresUrl } from './postgres.ts';
import { DIALECTS, type TestDatabase, testDatabase } from './test-databases.ts';

/** The same storage behaviour on both engines: one query layer, one schema, one set of expectations. */
for (const dialect of DIALECTS) {
  const withDb = (name: string, body: (t: TestDatabase) => Promise<void>) =>
    test(`${dialect}: ${name}`, async (context) => {
      const opened = await testDatabase(dialect);
      if (opened === undefined) {
        context.skip('PostgreSQL is not reachable');
        return;
      }
      try {
        await body(opened);
      } finally {
        await opened.cleanup();
      }
    });

  withDb('migrations apply once and are recorded', async ({ db }) => {
    const rows = await db.all<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id');
    assert.deepEqual(
      rows.map((r) => Number(r.id)),
      MIGRATIONS.map((m) => m.id),
    );
    assert.deepEqual(await migrate(db), []);
  });

  withDb('a transaction commits as a whole or not at all', async ({ db }) => {
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO blobs (digest, size, created_at) VALUES (?, ?, ?)', ['sha256:a', 1, 1]);
    });
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO blobs (digest, size, created_at) VALUES (?, ?, ?)', ['sha256:b', 2, 2]);
        await tx.run('INSERT INTO blobs (digest, size, created_at) VALUES (?, ?, ?)', ['sha256:a', 3, 3]);
      }),
    );
    const rows = await db.all<{ digest: string; size: number }>(
      'SELECT digest, size FROM blobs ORDER BY digest',
    );
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [{ digest: 'sha256:a', size: 1 }],
    );
  });

  withDb('concurrent statements wait for an open transaction instead of joining it', async ({ db }) => {
    let inside: () => void = () => {};
    const entered = new Promise<void>((resolve) => {
      inside = resolve;
    });
    let finish: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const failing = db.transaction(async (tx) => {
      await tx.run('INSERT INTO blobs (digest, size, created_at) VALUES (?, ?, ?)', ['sha256:tx', 1, 1]);
      inside();
      await gate;
      throw new Error('roll back');
    });
    await entered;
    const outside = db.run('INSERT INTO blobs (digest, size, created_at) VALUES (?, ?, ?)', [
      'sha256:out',
      1,
      1,
    ]);
    finish();
    await assert.rejects(failing, /roll back/);
    await outside;
    const rows = await db.all<{ digest: string }>('SELECT digest FROM blobs ORDER BY digest');
    assert.deepEqual(
      rows.map((r) => r.digest),
      ['sha256:out'],
    );
  });

  withDb('users, role bindings, sessions and single-use TOTP steps', async ({ db, dataDir }) => {
    const store = new IdentityStore(db, LocalKeyProvider.open(dataDir));
    assert.equal(await store.countUsers(), 0);
    const ann = await store.createUser({ username: 'ann', passwordHash: '$argon2id$x' }, 1000);
    await assert.rejects(store.createUser({ username: 'ann', passwordHash: 'y' }, 1001));
    assert.equal((await store.userByName('ann'))?.id, ann.id);
    assert.equal(await store.userByName('bob'), undefined);
    await store.grant(ann.id, 'p1', 'viewer', 1);
    await store.grant(ann.id, 'p1', 'viewer', 2);
    await store.grant(ann.id, '*', 'auditor', 3);
    assert.deepEqual(await store.bindings(ann.id), [
      { projectId: '*', role: 'auditor' },
      { projectId: 'p1', role: 'viewer' },
    ]);
    assert.equal(await store.revoke(ann.id, 'p1', 'viewer'), true);
    assert.equal(await store.revoke(ann.id, 'p1', 'viewer'), false);

    await store.setTotpPending(ann.id, 'SECRET');
    assert.equal(await store.confirmTotp(ann.id, 100), true);
    const enrolled = await store.userById(ann.id);
    assert.equal(enrolled && store.openTotp(enrolled, 'secret'), 'SECRET');
    const raw = await db.get<{ totp_secret: string }>('SELECT totp_secret FROM users WHERE id = ?', [ann.id]);
    assert.match(raw?.totp_secret ?? '', /^pal-sealed:1:1:/, 'the seed is sealed at rest');
    assert.equal(await store.consumeTotpStep(ann.id, 100), false);
    assert.equal(await store.consumeTotpStep(ann.id, 101), true);
    assert.equal(await store.consumeTotpStep(ann.id, 101), false);

    const session = {
      idHash: 'h1',
      userId: ann.id,
      csrfHash: 'c1',
      mfa: true,
      createdAt: 5,
      lastSeenAt: 5,
      expiresAt: 2 ** 41,
    };
    await store.createSession(session);
    assert.deepEqual(await store.session('h1'), session);
    await store.touchSession('h1', 9);
    assert.equal((await store.session('h1'))?.lastSeenAt, 9);
    assert.equal(await store.deleteUserSessions(ann.id), 1);
    assert.equal(await store.session('h1'), undefined);
  });

  withDb('API tokens are found by hash, listed without it, and revoked once', async ({ db, dataDir }) => {
    const store = new IdentityStore(db, LocalKeyProvider.open(dataDir));
    const user = await store.createUser({ username: 'ci', passwordHash: 'x' }, 1);
    const token = await store.createToken(
      { userId: user.id, name: 'ci', tokenHash: 'th', scopes: ['read'], expiresAt: 2 ** 42 },
      10,
    );
    assert.deepEqual((await store.tokenWithUser('th'))?.token, token);
    assert.equal((await store.tokenWithUser('th'))?.user.username, 'ci');
    assert.equal((await store.listTokens(user.id)).length, 1);
    assert.equal(await store.revokeToken(user.id, token.id, 20), true);
    assert.equal(await store.revokeToken(user.id, token.id, 21), false);
    assert.equal((await store.tokenWithUser('th'))?.token.revokedAt, 20);
  });

  withDb('a setup token is consumed once, and throttling state persists', async ({ db, dataDir }) => {
    const store = new IdentityStore(db, LocalKeyProvider.open(dataDir));
    await store.addSetupToken('s1', 1);
    assert.equal(await db.transaction((tx) => store.consumeSetupToken('s1', 2, tx)), true);
    assert.equal(await db.transaction((tx) => store.consumeSetupToken('s1', 3, tx)), false);
    assert.deepEqual(await store.throttle('login:ann'), { failures: 0, blockedUntil: 0 });
    await store.setThrottle('login:ann', 3, 500, 1);
    await store.setThrottle('login:ann', 4, 900, 2);
    assert.deepEqual(await store.throttle('login:ann'), { failures: 4, blockedUntil: 900 });
    await store.clearThrottle('login:ann');
    assert.deepEqual(await store.throttle('login:ann'), { failures: 0, blockedUntil: 0 });
  });
}

test('a remote PostgreSQL must be reached over TLS unless the URL says otherwise', () => {
  assert.equal(postgresUrl('postgres://u@127.0.0.1:5432/db').hostname, '127.0.0.1');
  assert.equal(postgresUrl('postgres://u@localhost/db?schema=x').hostname, 'localhost');
  assert.throws(
    () => postgresUrl('postgres://u@db.internal/palisade'),
    /needs TLS: add \?sslmode=verify-full/,
  );
  assert.equal(
    postgresUrl('postgres://u@db.internal/palisade?sslmode=verify-full').searchParams.get('sslmode'),
    'verify-full',
  );
  assert.equal(postgresUrl('postgres://u@db.internal/palisade?sslmode=disable').hostname, 'db.internal');
  assert.throws(() => postgresUrl('postgres://[bad'), /not a valid postgres/);
});
