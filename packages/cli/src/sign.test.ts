import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { issueTestChain } from '@palisade/testing';
import type { Io } from './io.ts';
import { main } from './main.ts';

const work = mkdtempSync(join(tmpdir(), 'palisade-cli-sign-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function run(args: string[], tty = false, columns = 100) {
  const out = new PassThrough();
  const err = Object.assign(new PassThrough(), { isTTY: tty, columns });
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => {
    stdout += d;
  });
  err.on('data', (d) => {
    stderr += d;
  });
  const io: Io = { stdout: out, stderr: err, env: {} };
  const code = await main(args, io);
  return { code, out: stdout, err: stderr };
}

function model(name: string, bytes = 4096): string {
  const root = join(work, name);
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'weights.bin'), Buffer.alloc(bytes, 7));
  writeFileSync(join(root, 'sub', 'config.json'), '{"layers": 2}\n');
  return root;
}

function writePem(name: string, text: string | Buffer): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

test('sign shows hashing progress on a terminal, and not with --quiet or when stderr is not a terminal', async () => {
  const root = model('progress', 5_000_000);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = writePem('progress-key.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const tty = await run(['sign', root, '--key', key], true);
  assert.equal(tty.code, 0, tty.err);
  assert.match(tty.err, /5\/5 MB hashed \(2\/2 files/);
  const sizeless = await run(['sign', root, '--key', key], true, 0); // `script`, some CI consoles
  assert.equal(sizeless.code, 0, sizeless.err);
  assert.match(sizeless.err, /MB hashed/);
  assert.equal((await run(['sign', root, '--key', key, '--quiet'], true)).err, '');
  assert.equal((await run(['sign', root, '--key', key])).err, '');
});

test('sign --certificate-chain writes a certificate bundle, leaf first, that verify accepts against the root', async () => {
  const chain = issueTestChain();
  const root = model('certificate');
  const args = ['sign', root, '--key', writePem('leaf.key', chain.leafKey), '--format', 'json'];
  const result = await run([
    ...args,
    '--certificate-chain',
    writePem('intermediate.pem', chain.intermediate),
    '--certificate-chain',
    writePem('leaf.pem', chain.leaf),
  ]);
  assert.equal(result.code, 0, result.err);
  assert.equal(JSON.parse(result.out).method, 'certificate');
  const bundle = JSON.parse(readFileSync(join(root, 'model.sig'), 'utf8'));
  const certificates = bundle.verificationMaterial.x509CertificateChain.certificates;
  assert.deepEqual(
    certificates.map((c: { rawBytes: string }) => c.rawBytes),
    [chain.leaf, chain.intermediate].map((pem) => new X509Certificate(pem).raw.toString('base64')),
  );
  const rootPem = writePem('root.pem', chain.root);
  const verified = await run(['verify', root, '--certificate-chain', rootPem]);
  assert.equal(verified.code, 0, verified.out + verified.err);
  writeFileSync(join(root, 'weights.bin'), 'changed');
  const changed = await run(['verify', root, '--certificate-chain', rootPem]);
  assert.equal(changed.code, 1);
  assert.match(changed.out, /weights\.bin/);
  const wrongOrder = await run([
    ...args,
    '--certificate-chain',
    writePem('leaf-and-root.pem', `${chain.leaf}${chain.root}`),
  ]);
  assert.equal(wrongOrder.code, 2);
  assert.match(wrongOrder.err, /not issued by the next certificate/);
});

test('sign --algorithm ml-dsa-65 writes the Palisade extension; anything else is a usage error', async () => {
  const root = model('ml-dsa');
  const { privateKey } = generateKeyPairSync('ml-dsa-65');
  const key = writePem('ml-dsa.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const signed = await run(['sign', root, '--key', key, '--algorithm', 'ml-dsa-65']);
  assert.equal(signed.code, 0, signed.err);
  assert.match(signed.out, /key \(ml-dsa-65, Palisade extension\)/);
  const bundle = JSON.parse(readFileSync(join(root, 'model.sig'), 'utf8'));
  assert.equal(bundle.dsseEnvelope.signatures[0].keyid, 'palisade-extension:ml-dsa-65');
  assert.equal((await run(['sign', root, '--key', key])).code, 2);
  assert.equal((await run(['sign', root, '--key', key, '--algorithm', 'rsa'])).code, 2);
});
