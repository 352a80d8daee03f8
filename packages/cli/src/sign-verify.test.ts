import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { captureIo } from '@palisade/testing';
import { main } from './main.ts';

const VECTORS = resolve(import.meta.dirname, '../../../../shared/vectors/oms');

async function run(args: string[]) {
  const io = captureIo();
  const code = await main(args, io.io);
  return { code, out: io.out(), err: io.err() };
}

function keyPair(dir: string, name: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const priv = join(dir, `${name}.pem`);
  const pub = join(dir, `${name}-pub.pem`);
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { priv, pub };
}

function fixtures(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-sign-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const model = join(dir, 'model');
  mkdirSync(join(model, 'sub'), { recursive: true });
  writeFileSync(join(model, 'weights.bin'), Buffer.alloc(4096, 7));
  writeFileSync(join(model, 'config.json'), '{"layers": 2}\n');
  writeFileSync(join(model, 'sub', 'tokenizer.json'), '{}\n');
  return { dir, model, key: keyPair(dir, 'key') };
}

test('sign writes model.sig inside a directory model and verify accepts it (exit 0)', async (t) => {
  const { model, key } = fixtures(t);
  const signed = await run(['sign', model, '--key', key.priv]);
  assert.equal(signed.code, 0, signed.err);
  assert.ok(existsSync(join(model, 'model.sig')));
  assert.match(signed.out, /Root digest: sha256:[0-9a-f]{64}/);
  assert.match(signed.out, /weights\.bin/);
  assert.match(signed.out, /sub\/tokenizer\.json/);
  const bundle = JSON.parse(readFileSync(join(model, 'model.sig'), 'utf8'));
  assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  const verified = await run(['verify', model, '--key', key.pub]);
  assert.equal(verified.code, 0, verified.out + verified.err);
  assert.match(verified.out, /^Verified /);
  const json = await run(['verify', model, '--key', key.pub, '--format', 'json']);
  assert.equal(json.code, 0);
  const result = JSON.parse(json.out);
  assert.equal(result.verified, true);
  assert.equal(result.files, 3);
});

test('a file model gets MODEL.sig beside it; sharded signing and --format json', async (t) => {
  const { model, key } = fixtures(t);
  const file = join(model, 'weights.bin');
  const signed = await run(['sign', file, '--key', key.priv, '--shard-size', '1000', '-f', 'json']);
  assert.equal(signed.code, 0, signed.err);
  const result = JSON.parse(signed.out);
  assert.equal(result.signature, `${file}.sig`);
  assert.equal(result.serialization.method, 'shards');
  assert.equal(result.resources.length, 5);
  assert.ok(existsSync(`${file}.sig`));
  assert.equal((await run(['verify', file, '--key', key.pub])).code, 0);
});

test('a changed, added or removed file fails verification (exit 1) and is named', async (t) => {
  const { model, key } = fixtures(t);
  assert.equal((await run(['sign', model, '--key', key.priv])).code, 0);
  writeFileSync(join(model, 'config.json'), '{"layers": 3}\n');
  const changed = await run(['verify', model, '--key', key.pub]);
  assert.equal(changed.code, 1);
  assert.match(changed.out, /^NOT VERIFIED/);
  assert.match(changed.out, /MANIFEST_DIGEST_MISMATCH/);
  assert.match(changed.out, /changed: config\.json/);
  writeFileSync(join(model, 'config.json'), '{"layers": 2}\n');
  writeFileSync(join(model, 'sub', 'extra.py'), 'import os\n');
  const added = await run(['verify', model, '--key', key.pub, '--format', 'json']);
  assert.equal(added.code, 1);
  const addedResult = JSON.parse(added.out);
  assert.equal(addedResult.verified, false);
  assert.equal(addedResult.reason, 'MANIFEST_EXTRA_FILE');
  assert.deepEqual(addedResult.differences.added, ['sub/extra.py']);
  unlinkSync(join(model, 'sub', 'extra.py'));
  unlinkSync(join(model, 'sub', 'tokenizer.json'));
  const removed = await run(['verify', model, '--key', key.pub]);
  assert.equal(removed.code, 1);
  assert.match(removed.out, /removed: sub\/tokenizer\.json/);
});

test('--ignore-paths leaves a file out when signing and verifying', async (t) => {
  const { model, key } = fixtures(t);
  writeFileSync(join(model, 'notes.txt'), 'draft\n');
  const signed = await run(['sign', model, '--key', key.priv, '--ignore-paths', 'notes.txt']);
  assert.equal(signed.code, 0, signed.err);
  assert.doesNotMatch(signed.out, /notes\.txt$/m);
  writeFileSync(join(model, 'notes.txt'), 'edited\n');
  assert.equal((await run(['verify', model, '--key', key.pub, '--ignore-paths', 'notes.txt'])).code, 0);
});

test('symlinks: refused by sign unless --allow-symlinks; one swapped in fails verification', async (t) => {
  const { dir, model, key } = fixtures(t);
  writeFileSync(join(dir, 'outside.bin'), Buffer.alloc(4096, 7));
  symlinkSync(join(dir, 'outside.bin'), join(model, 'linked.bin'));
  const refused = await run(['sign', model, '--key', key.priv]);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /symlink|symbolic link/i);
  const allowed = await run(['sign', model, '--key', key.priv, '--allow-symlinks']);
  assert.equal(allowed.code, 0, allowed.err);
  assert.match(allowed.out, /linked\.bin/);
  assert.equal((await run(['verify', model, '--key', key.pub])).code, 0);
  unlinkSync(join(model, 'linked.bin'));
  assert.equal((await run(['sign', model, '--key', key.priv])).code, 0);
  unlinkSync(join(model, 'weights.bin'));
  symlinkSync(join(dir, 'outside.bin'), join(model, 'weights.bin'));
  const swapped = await run(['verify', model, '--key', key.pub, '-f', 'json']);
  assert.equal(swapped.code, 1);
  assert.equal(JSON.parse(swapped.out).reason, 'SYMLINK_NOT_ALLOWED');
});

test('another key or an edited bundle fails verification (exit 1)', async (t) => {
  const { dir, model, key } = fixtures(t);
  assert.equal((await run(['sign', model, '--key', key.priv])).code, 0);
  const other = keyPair(dir, 'other');
  const wrong = await run(['verify', model, '--key', other.pub]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.out, /HINT_MISMATCH/);
  const sigPath = join(model, 'model.sig');
  const bundle = JSON.parse(readFileSync(sigPath, 'utf8'));
  const sig = Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64');
  sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 1;
  bundle.dsseEnvelope.signatures[0].sig = sig.toString('base64');
  const moved = join(dir, 'edited.sig');
  writeFileSync(moved, JSON.stringify(bundle));
  const edited = await run(['verify', model, '--key', key.pub, '--signature', moved, '-f', 'json']);
  assert.equal(edited.code, 1);
  assert.equal(JSON.parse(edited.out).reason, 'SIGNATURE_INVALID');
});

test('usage and input errors exit 2: missing key file, no --key, no model, missing signature', async (t) => {
  const { dir, model, key } = fixtures(t);
  const missingKey = await run(['sign', model, '--key', join(dir, 'nope.pem')]);
  assert.equal(missingKey.code, 2);
  assert.match(missingKey.err, /Cannot read the private key/);
  const noKey = await run(['verify', model]);
  assert.equal(noKey.code, 2);
  assert.match(noKey.err, /needs --key/);
  assert.equal((await run(['sign', '--key', key.priv])).code, 2);
  assert.equal((await run(['sign', join(dir, 'absent'), '--key', key.priv])).code, 2);
  const noSig = await run(['verify', model, '--key', key.pub]);
  assert.equal(noSig.code, 2);
  assert.match(noSig.err, /Cannot read the signature/);
  const missingPub = await run(['verify', model, '--key', join(dir, 'nope-pub.pem')]);
  assert.equal(missingPub.code, 2);
  assert.equal((await run(['sign', model, '--key', key.priv, '--shard-size', '0'])).code, 2);
});

test('reference vectors: the v1.1.0 elliptic-key model verifies; a certificate bundle with --key is METHOD_UNSUPPORTED', async (t) => {
  if (!existsSync(VECTORS)) {
    t.skip(`OMS vectors not found at ${VECTORS}`);
    return;
  }
  const pub = join(VECTORS, 'keys/signing-key-pub.pem');
  const ok = await run([
    'verify',
    join(VECTORS, 'signed-models/v1.1.0-elliptic-key'),
    '--key',
    pub,
    '-f',
    'json',
  ]);
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.equal(
    JSON.parse(ok.out).rootDigest,
    'sha256:92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4',
  );
  const cert = await run(['verify', join(VECTORS, 'signed-models/v1.1.0-certificate'), '--key', pub]);
  assert.equal(cert.code, 1);
  assert.match(cert.out, /METHOD_UNSUPPORTED/);
  assert.match(cert.out, /verify it with --certificate-chain/);
});

test('sign --help and verify --help describe the options and exit codes', async () => {
  for (const name of ['sign', 'verify']) {
    const help = await run([name, '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, new RegExp(`^Usage: palisade ${name} MODEL --key`));
    assert.match(help.out, /--signature FILE/);
    assert.match(help.out, /--ignore-paths PATH/);
    assert.match(help.out, /Exit codes: 0/);
    assert.match(help.out, /Examples:/);
  }
});
