import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer, totpNow } from '@palisade/server';
import { runMain } from '@palisade/testing';
import { main } from './main.ts';

const PASSWORD = 'correct horse battery staple 42';
const MALICIOUS = Buffer.from("cos\nsystem\n(S'touch /tmp/palisade-never'\ntR.", 'latin1');

/** A real server with a first admin, a project and an API token that may write evidence. */
async function serverWithToken(dir: string) {
  const server = await startServer({
    dataDir: join(dir, 'server'),
    port: 0,
    // Cheap Argon2id for the test only (the CLI never sets these).
    argon2: { memory: 256, passes: 1, parallelism: 1, tagLength: 32 },
  });
  const call = async (path: string, body: unknown, session?: { cookie: string; csrf: string }) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(session ? { cookie: session.cookie, 'x-csrf-token': session.csrf } : {}),
      },
      body: JSON.stringify(body),
    });
    return { response, json: (await response.json()) as Record<string, string> };
  };
  const setup = await call('/api/v1/setup', {
    setupToken: server.setupToken,
    username: 'root',
    password: PASSWORD,
  });
  assert.equal(setup.response.status, 201);
  const login = await call('/api/v1/auth/login', {
    username: 'root',
    password: PASSWORD,
    totp: totpNow(setup.json.totpSecret as string, Date.now()),
  });
  assert.equal(login.response.status, 200);
  const session = {
    cookie: login.response.headers.getSetCookie()[0]?.split(';')[0] ?? '',
    csrf: login.json.csrfToken as string,
  };
  assert.equal((await call('/api/v1/projects', { name: 'ci' }, session)).response.status, 201);
  const token = await call(
    '/api/v1/tokens',
    { name: 'ci', scopes: ['project:read', 'artifact:read', 'artifact:write'] },
    session,
  );
  assert.equal(token.response.status, 201);
  return { server, token: token.json.token as string };
}

test('scan, gate and bom record their reports on a server with --server (token from PALISADE_TOKEN)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-server-evidence-'));
  const { server, token } = await serverWithToken(dir);
  t.after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const model = join(dir, 'evil.pkl');
  writeFileSync(model, MALICIOUS);
  const env = { PALISADE_TOKEN: token };
  const server_ = ['--server', server.url, '--project', 'ci'];
  const scan = await runMain(main, ['scan', model, ...server_], env);
  assert.equal(scan.code, 1, scan.err);
  assert.match(
    scan.err,
    /Recorded on http:\/\/127\.0\.0\.1:\d+ as scan evidence .* for ci\/evil\.pkl@sha256:[0-9a-f]{64}/,
  );
  const gate = await runMain(
    main,
    ['gate', model, '--policy', 'baseline', '-q', ...server_, '--name', 'evil.pkl'],
    env,
  );
  assert.equal(gate.code, 1, gate.err);
  const bom = await runMain(main, ['bom', model, '--no-scan', ...server_], env);
  assert.equal(bom.code, 0, bom.err);

  const digest = scan.err.match(/@(sha256:[0-9a-f]{64})/)?.[1] as string;
  // A file is named by its SHA-256, the digest an upload of it is stored under.
  assert.equal(digest, `sha256:${createHash('sha256').update(MALICIOUS).digest('hex')}`);
  const listed = await fetch(
    `${server.url}/api/v1/projects/ci/models/evil.pkl/versions/${encodeURIComponent(digest)}/evidence`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  const body = (await listed.json()) as { evidence: { kind: string }[] };
  assert.equal(listed.status, 200, JSON.stringify(body));
  const { evidence } = body;
  assert.deepEqual(evidence.map((e) => e.kind).sort(), ['bom', 'gate', 'scan']);
});

test('--server flags are checked before any work: token, project, one path, https', async () => {
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['scan', 'a.pkl', '--server', 'https://palisade.example'], {}, /PALISADE_TOKEN/],
    [['scan', 'a.pkl', '--server', 'https://palisade.example'], { PALISADE_TOKEN: 'pal_x' }, /--project/],
    [
      ['scan', 'a.pkl', 'b.pkl', '--server', 'https://p.example', '--project', 'ci'],
      { PALISADE_TOKEN: 'pal_x' },
      /exactly one PATH/,
    ],
    [['scan', 'a.pkl', '--project', 'ci'], {}, /goes with --server/],
  ];
  for (const [argv, env, message] of cases) {
    const run = await runMain(main, argv, env);
    assert.equal(run.code, 2, argv.join(' '));
    assert.match(run.err, message);
  }
});
