import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mlDsaAvailable } from './ml-dsa.ts';
import { signModel } from './sign.ts';
import { verifyModel } from './verify.ts';

const SKIP = mlDsaAvailable() ? false : 'this Node.js has no ML-DSA';
const work = mkdtempSync(join(tmpdir(), 'palisade-verify-mldsa-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('verifyModel routes an ML-DSA-65 public key to the extension check and reports the algorithm', {
  skip: SKIP,
}, async () => {
  writeFileSync(join(work, 'weights.bin'), Buffer.alloc(1024, 3));
  const { privateKey, publicKey } = generateKeyPairSync('ml-dsa-65');
  const { bundle } = await signModel(work, { privateKey, algorithm: 'ml-dsa-65' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const result = await verifyModel(work, bundle, { publicKey: pem });
  assert.ok(result.ok, result.ok ? '' : `${result.reason}: ${result.message}`);
  assert.ok(result.signer.method === 'key' && result.signer.algorithm === 'ML-DSA-65');
  // Another ML-DSA key, and an EC key, both fail with a reason.
  const other = generateKeyPairSync('ml-dsa-65').publicKey;
  const wrong = await verifyModel(work, bundle, { publicKey: other });
  assert.ok(!wrong.ok);
  assert.equal(wrong.reason, 'HINT_MISMATCH');
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  const mixed = await verifyModel(work, bundle, { publicKey: ec });
  assert.ok(!mixed.ok);
  assert.equal(mixed.reason, 'HINT_MISMATCH');
  // An Ed25519 key is neither: a usage error.
  await assert.rejects(verifyModel(work, bundle, { publicKey: generateKeyPairSync('ed25519').publicKey }), {
    code: 'USAGE',
  });
});
