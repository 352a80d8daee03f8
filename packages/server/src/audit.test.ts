import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SequencedEvent } from './audit/event.ts';
import { type Harness, serverTest, USER_PASSWORD } from './test-harness.ts';

async function events(h: Harness, query = ''): Promise<SequencedEvent[]> {
  const reply = await h.call('GET', `/api/v1/audit${query}`, { as: h.admin });
  assert.equal(reply.status, 200, reply.text);
  return (reply.body as { events: SequencedEvent[] }).events;
}

/** Runs SQL against the audit ledger's own tables, behind the server's back (an attacker with database access). */
async function tamper(h: Harness, sqliteSql: string, postgresSql: string): Promise<void> {
  const { db, dataDir } = h.server.app.services;
  if (db.dialect === 'sqlite') {
    const raw = new DatabaseSync(join(dataDir, 'audit.db'));
    raw.exec(sqliteSql);
    raw.close();
  } else {
    await db.run(postgresSql);
  }
}

serverTest(
  'authentication, state changes and denied requests are audit events, queryable and free of secrets',
  async (h) => {
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'alpha' } });
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'beta' } });
    const viewer = await h.user('vic', [['alpha', 'viewer']]);
    await h.call('POST', '/api/v1/auth/login', { body: { username: 'vic', password: 'wrong password!' } });
    const denied = await h.call('POST', '/api/v1/projects/alpha/models', { as: viewer, body: { name: 'm' } });
    assert.equal(denied.status, 403);
    await h.call('GET', '/api/v1/projects/beta', { as: viewer });
    const { token } = await h.token(h.admin, ['project:read']);
    await h.call('GET', '/api/v1/users', { as: { token } });

    const all = await events(h, '?limit=1000');
    const summary = all.map((e) => `${e.action}:${e.outcome}:${e.actor.username ?? '-'}`);
    for (const expected of [
      'setup:success:root',
      'auth.login:success:root',
      'createProject:success:root',
      'createUser:success:root',
      'grantRole:success:root',
      'auth.login:success:vic',
      'auth.login:failure:vic',
      'access.denied:failure:vic',
      'createToken:success:root',
      'access.denied:failure:root',
    ]) {
      assert.ok(summary.includes(expected), `${expected} in ${summary.join(', ')}`);
    }
    assert.deepEqual(
      all.map((e) => e.seq),
      all.map((_, i) => i),
      'sequence numbers are the ledger indexes',
    );
    const hidden = all.find(
      (e) => e.action === 'access.denied' && e.request?.route === '/api/v1/projects/{project}',
    );
    assert.equal(hidden?.request?.status, 404, 'reading an invisible project is recorded as denied');
    assert.deepEqual(hidden?.object, { type: 'project', id: 'beta' });

    // Filters: by actor, action and object.
    assert.ok((await events(h, '?actor=vic')).every((e) => e.actor.username === 'vic'));
    assert.deepEqual(
      (await events(h, '?action=createProject')).map((e) => e.object?.id),
      ['alpha', 'beta'],
    );
    assert.equal((await events(h, '?objectType=project&objectId=beta')).length, 2);
    assert.equal((await events(h, `?since=${new Date(h.now() + 60_000).toISOString()}`)).length, 0);
    assert.equal((await h.call('GET', '/api/v1/audit?since=yesterday', { as: h.admin })).status, 400);

    // Never a password, token or session id in the trail.
    const { dataDir, db } = h.server.app.services;
    const raw =
      db.dialect === 'sqlite'
        ? readFileSync(join(dataDir, 'audit.db')).toString('latin1') +
          readFileSync(join(dataDir, 'audit.db-wal')).toString('latin1')
        : JSON.stringify(await db.all("SELECT convert_from(entry, 'UTF8') AS e FROM ledger_entries"));
    for (const secret of [
      USER_PASSWORD,
      'wrong password!',
      token,
      (h.admin.cookie ?? '').split('=')[1] ?? 'x',
      h.admin.csrf ?? 'x',
    ]) {
      assert.equal(raw.includes(secret), false, 'a secret leaked into the audit ledger');
    }
  },
);

serverTest('the OCSF export maps events to classes and activities a SIEM understands', async (h) => {
  await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'alpha' } });
  await h.call('GET', '/api/v1/users', { as: { token: (await h.token(h.admin, ['project:read'])).token } });
  const reply = await h.call('GET', '/api/v1/audit/export', { as: h.admin });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers.get('content-type'), 'application/x-ndjson');
  const lines = reply.text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const line of lines) {
    assert.equal(line.type_uid, (line.class_uid as number) * 100 + (line.activity_id as number));
    assert.equal(line.category_uid, Math.floor((line.class_uid as number) / 1000));
    assert.equal((line.metadata as { version: string }).version, '1.1.0');
    assert.equal(typeof line.time, 'number');
  }
  const logon = lines.find((l) => (l.unmapped as { action: string }).action === 'auth.login');
  assert.deepEqual(
    [logon?.class_uid, logon?.activity_id, logon?.type_uid, logon?.status_id],
    [3002, 1, 300201, 1],
  );
  const create = lines.find((l) => (l.unmapped as { action: string }).action === 'createProject');
  assert.deepEqual([create?.class_uid, create?.activity_id], [3004, 1]);
  const denied = lines.find((l) => (l.unmapped as { action: string }).action === 'access.denied');
  assert.deepEqual(
    [denied?.class_uid, denied?.activity_id, denied?.status_id, denied?.severity_id],
    [6003, 2, 2, 3],
  );
  assert.equal((denied?.actor as { user: { name: string } } | undefined)?.user.name, 'root');
  const exported = await events(h, '?action=audit.export');
  assert.equal(exported.length, 1, 'the export itself is recorded');
});

serverTest(
  'tampering with audit rows is detected: an edited event is named, and truncation breaks the checkpoint',
  async (h) => {
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'alpha' } });
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'beta' } });
    await h.server.app.services.audit.checkpoint();
    const clean = await h.call('GET', '/api/v1/audit/verify', { as: h.admin });
    assert.deepEqual((clean.body as { ok: boolean }).ok, true, clean.text);
    const target = (await events(h, '?action=createProject')).at(-1)?.seq ?? -1;
    // An attacker rewrites "beta" into "gamma" in the stored event.
    await tamper(
      h,
      `UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), 'beta', 'gamma') AS BLOB) WHERE idx = ${target}`,
      `UPDATE ledger_entries SET entry = convert_to(replace(convert_from(entry, 'UTF8'), 'beta', 'gamma'), 'UTF8') WHERE idx = ${target}`,
    );
    const edited = (await h.call('GET', '/api/v1/audit/verify', { as: h.admin })).body as {
      ok: boolean;
      firstBadIndex: number;
      problems: string[];
    };
    assert.equal(edited.ok, false);
    assert.equal(edited.firstBadIndex, target);
    assert.match(edited.problems[0] ?? '', new RegExp(`entry ${target}`));
  },
);

serverTest(
  'deleting the latest audit events is detected by the signed checkpoint',
  async (h) => {
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'alpha' } });
    await h.server.app.services.audit.checkpoint();
    const size = (await events(h, '?limit=1000')).length;
    await tamper(
      h,
      `DELETE FROM entries WHERE idx >= ${size - 2}; UPDATE state SET size = ${size - 2} WHERE id = 1`,
      `DELETE FROM ledger_entries WHERE idx >= ${size - 2}`,
    );
    const verdict = (await h.call('GET', '/api/v1/audit/verify', { as: h.admin })).body as {
      ok: boolean;
      problems: string[];
    };
    assert.equal(verdict.ok, false);
    assert.ok(
      verdict.problems.some((p) => /checkpoint|missing|deleted/.test(p)),
      verdict.problems.join('; '),
    );
  },
  ['sqlite'],
);
