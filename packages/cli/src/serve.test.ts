import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { Io } from './io.ts';
import { main } from './main.ts';

function capture() {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  const lines: ((line: string) => void)[] = [];
  out.on('data', (d) => {
    stdout += d;
    for (const wait of lines.splice(0)) wait(stdout);
  });
  err.on('data', (d) => {
    stderr += d;
  });
  const io: Io = { stdout: out, stderr: err, env: {} };
  const firstOutput = () =>
    new Promise<string>((resolve) => (stdout ? resolve(stdout) : lines.push(resolve)));
  return { io, firstOutput, err: () => stderr };
}

async function serveOnce(dataDir: string): Promise<{
  url: string;
  setupToken: string | null;
  code: number;
  totpSecret: string | undefined;
  enrolment: string | undefined;
}> {
  let totpSecret: string | undefined;
  const run = capture();
  const exited = main(['serve', '--data-dir', dataDir, '--port', '0', '--format', 'json'], run.io);
  const started = JSON.parse(await run.firstOutput()) as {
    url: string;
    setupToken: string | null;
    database: string;
  };
  assert.equal(started.database, 'sqlite');
  assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await fetch(`${started.url}/healthz`);
  assert.equal(health.status, 200);
  if (started.setupToken !== null) {
    const setup = await fetch(`${started.url}/api/v1/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        setupToken: started.setupToken,
        username: 'admin',
        password: 'a long admin password',
      }),
    });
    assert.equal(setup.status, 201);
    totpSecret = ((await setup.json()) as { totpSecret: string }).totpSecret;
  }
  const login = await fetch(`${started.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'a long admin password' }),
  });
  const enrolment = ((await login.json()) as { totpSecret?: string }).totpSecret;
  const anonymous = await fetch(`${started.url}/api/v1/projects`);
  assert.equal(anonymous.status, 401);
  process.emit('SIGTERM');
  return { ...started, code: await exited, totpSecret, enrolment };
}

test('palisade serve: first start prints a one-time setup token, a restart keeps the admin and prints none', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'palisade-serve-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await serveOnce(dataDir);
  assert.equal(first.code, 0);
  assert.match(first.setupToken ?? '', /^[A-Za-z0-9_-]{43}$/);
  const rotate = capture();
  assert.equal(await main(['keys', 'rotate', '--data-dir', dataDir, '--format', 'json'], rotate.io), 0);
  assert.deepEqual(JSON.parse(await rotate.firstOutput()), { kekVersion: 2, blobs: 0, secrets: 1 });
  const second = await serveOnce(dataDir);
  assert.equal(second.code, 0);
  assert.equal(second.setupToken, null);
  // The admin's TOTP seed, sealed at rest, still opens after the rotation: the login hands it back for enrolment.
  assert.equal(second.enrolment, first.totpSecret);
});

test('palisade serve refuses plain HTTP outside loopback, and bad flags, with exit code 2', async () => {
  const exposed = capture();
  assert.equal(await main(['serve', '--host', '0.0.0.0', '--port', '0'], exposed.io), 2);
  assert.match(exposed.err(), /Refusing to serve plain HTTP on 0\.0\.0\.0/);
  const port = capture();
  assert.equal(await main(['serve', '--port', '70000'], port.io), 2);
  const tls = capture();
  assert.equal(await main(['serve', '--tls-cert', 'x.pem'], tls.io), 2);
  assert.match(tls.err(), /--tls-cert and --tls-key together/);
  const db = capture();
  assert.equal(await main(['serve', '--database', 'mysql://x', '--port', '0'], db.io), 2);
});

test('palisade serve keeps its data directory private to its owner', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'palisade-serve-mode-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  chmodSync(dataDir, 0o755);
  await serveOnce(dataDir);
  assert.equal(statSync(dataDir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dataDir, 'keys', 'kek.json')).mode & 0o777, 0o600);
});
