import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { TEST_TMP } from './db/test-databases.ts';
import { startServer } from './server.ts';
import { TEST_ARGON2 } from './test-harness.ts';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI. */
function certificates(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=palisade test CA',
  );
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const name of ['server', 'client']) {
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }
  const read = (name: string) => readFileSync(join(dir, name));
  return { dir, ca: read('ca.pem'), clientCert: read('client.pem'), clientKey: read('client.key') };
}

function get(
  url: string,
  options: { ca: Buffer; cert?: Buffer; key?: Buffer },
): Promise<{ status: number; hsts: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/healthz`, { ...options }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          hsts: res.headers['strict-transport-security'] as string | undefined,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS with TLS 1.2+ and HSTS; mutual TLS refuses clients without a certificate from the CA', {
  skip: !hasOpenssl() && 'no openssl',
}, async (t) => {
  const dir = mkdtempSync(join(TEST_TMP, 'palisade-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = certificates(dir);
  const tls = { cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };

  const server = await startServer({
    dataDir: join(dir, 'data'),
    port: 0,
    host: '127.0.0.1',
    tls,
    argon2: TEST_ARGON2,
  });
  t.after(() => server.close());
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const ok = await get(server.url, { ca: pki.ca });
  assert.equal(ok.status, 200);
  assert.equal(ok.hsts, 'max-age=63072000; includeSubDomains');
  const port = Number(new URL(server.url).port);
  const protocol = await new Promise<string | null>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: pki.ca, maxVersion: 'TLSv1.2' }, () => {
      resolve(socket.getProtocol());
      socket.end();
    });
    socket.on('error', reject);
  });
  assert.equal(protocol, 'TLSv1.2', 'TLS 1.2 clients are served');
  await assert.rejects(
    new Promise((resolve, reject) => {
      const socket = connect(
        { host: '127.0.0.1', port, ca: pki.ca, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' },
        () => resolve(socket),
      );
      socket.on('error', reject);
    }),
    'TLS 1.1 is refused',
  );

  const mutual = await startServer({
    dataDir: join(dir, 'data-mtls'),
    port: 0,
    host: '127.0.0.1',
    tls: { ...tls, clientCa: join(dir, 'ca.pem') },
    argon2: TEST_ARGON2,
  });
  t.after(() => mutual.close());
  await assert.rejects(get(mutual.url, { ca: pki.ca }), 'no client certificate');
  const withCert = await get(mutual.url, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
  assert.equal(withCert.status, 200);
});
