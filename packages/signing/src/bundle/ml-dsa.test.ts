import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isPalisadeError } from '@palisade/core';
import { isSigningError } from '../errors.ts';
import { ML_DSA_65_KEYID, mlDsaAvailable, verifyMlDsaSignature } from './ml-dsa.ts';
import { parseBundle } from './parse.ts';
import { signModel } from './sign.ts';
import { verifyModel } from './verify.ts';

const SKIP = mlDsaAvailable() ? false : `no ML-DSA in this Node.js (OpenSSL ${process.versions.openssl})`;
const work = mkdtempSync(join(tmpdir(), 'palisade-oms-mldsa-'));
after(() => rmSync(work, { recursive: true, force: true }));

function model(): string {
  const root = mkdtempSync(join(work, 'model-'));
  mkdirSync(join(root, 'sub'));
  writeFileSync(join(root, 'weights.bin'), 'weights');
  writeFileSync(join(root, 'sub', 'config.json'), '{}');
  return root;
}

function reason(expected: string) {
  return (error: unknown): boolean => {
    assert.ok(isSigningError(error), String(error));
    assert.equal(error.reason, expected);
    return true;
  };
}

/** The same bundle with another payload, the signature kept. */
function withPayload(bundle: string, edit: (statement: string) => string): string {
  const json = JSON.parse(bundle);
  const statement = Buffer.from(json.dsseEnvelope.payload, 'base64').toString('utf8');
  json.dsseEnvelope.payload = Buffer.from(edit(statement)).toString('base64');
  return JSON.stringify(json);
}

test('an ML-DSA-65 bundle is marked as the Palisade extension and verifies with its key', {
  skip: SKIP,
}, async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ml-dsa-65');
  const { bundle } = await signModel(model(), { privateKey, algorithm: 'ml-dsa-65' });
  const json = JSON.parse(bundle);
  assert.equal(json.dsseEnvelope.signatures[0].keyid, ML_DSA_65_KEYID);
  const hint = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'pem' }))
    .digest('hex');
  assert.deepEqual(json.verificationMaterial, { publicKey: { hint }, tlogEntries: [] });
  assert.equal(Buffer.from(json.dsseEnvelope.signatures[0].sig, 'base64').length, 3309);
  assert.deepEqual(verifyMlDsaSignature(parseBundle(bundle), publicKey), []);
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  assert.deepEqual(verifyMlDsaSignature(parseBundle(bundle), pem), []);
});

test('a changed payload, another ML-DSA key or an ECDSA bundle is rejected by the ML-DSA check', {
  skip: SKIP,
}, async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ml-dsa-65');
  const root = model();
  const { bundle } = await signModel(root, { privateKey, algorithm: 'ml-dsa-65' });
  const tampered = withPayload(bundle, (s) => s.replace('weights.bin', 'weights.bim'));
  assert.throws(() => verifyMlDsaSignature(parseBundle(tampered), publicKey), reason('SIGNATURE_INVALID'));
  const other = generateKeyPairSync('ml-dsa-65').publicKey;
  assert.throws(() => verifyMlDsaSignature(parseBundle(bundle), other), reason('HINT_MISMATCH'));
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecBundle = (await signModel(root, { privateKey: ec.privateKey })).bundle;
  assert.throws(() => verifyMlDsaSignature(parseBundle(ecBundle), publicKey), reason('KEY_MISMATCH'));
  const unmarked = JSON.parse(bundle);
  unmarked.dsseEnvelope.signatures[0].keyid = '';
  assert.throws(
    () => verifyMlDsaSignature(parseBundle(JSON.stringify(unmarked)), publicKey),
    reason('KEY_MISMATCH'),
  );
});

test('an ECDSA verifier does not accept an ML-DSA bundle (what other OMS verifiers see)', {
  skip: SKIP,
}, async () => {
  const { privateKey } = generateKeyPairSync('ml-dsa-65');
  const root = model();
  const { bundle } = await signModel(root, { privateKey, algorithm: 'ml-dsa-65' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const result = await verifyModel(root, bundle, { publicKey: ec.publicKey });
  assert.equal(result.ok, false);
});

test('ML-DSA is opt-in and key-only: mismatched keys and algorithms are usage errors', {
  skip: SKIP,
}, async () => {
  const root = model();
  const mlDsa = generateKeyPairSync('ml-dsa-65');
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const usage = (error: unknown): boolean => isPalisadeError(error) && error.code === 'USAGE';
  await assert.rejects(signModel(root, { privateKey: mlDsa.privateKey }), usage);
  await assert.rejects(signModel(root, { privateKey: ec.privateKey, algorithm: 'ml-dsa-65' }), usage);
  await assert.rejects(
    signModel(root, { privateKey: generateKeyPairSync('ml-dsa-44').privateKey, algorithm: 'ml-dsa-65' }),
    usage,
  );
  await assert.rejects(
    signModel(root, { privateKey: mlDsa.privateKey, algorithm: 'ml-dsa-65', certificateChain: ['x'] }),
    usage,
  );
  const { bundle } = await signModel(root, { privateKey: mlDsa.privateKey, algorithm: 'ml-dsa-65' });
  assert.throws(() => verifyMlDsaSignature(parseBundle(bundle), ec.publicKey), usage);
});
