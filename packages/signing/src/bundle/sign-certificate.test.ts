import assert from 'node:assert/strict';
import { verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { isPalisadeError } from '@palisade/core';
import { issueTestChain } from '@palisade/testing';
import { preAuthEncoding } from './pae.ts';
import { parseBundle } from './parse.ts';
import { signModel } from './sign.ts';
import { verifyModel } from './verify.ts';

const VECTORS = resolve(import.meta.dirname, '../../../../../shared/vectors/oms');
const work = mkdtempSync(join(tmpdir(), 'palisade-oms-sign-cert-'));
after(() => rmSync(work, { recursive: true, force: true }));
const chain = issueTestChain();

function model(): string {
  const root = mkdtempSync(join(work, 'model-'));
  mkdirSync(join(root, 'sub'));
  writeFileSync(join(root, 'weights.bin'), 'weights');
  writeFileSync(join(root, 'sub', 'config.json'), '{}');
  return root;
}

const der = (pem: string): string => new X509Certificate(pem).raw.toString('base64');

function usageError(pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(isPalisadeError(error));
    assert.equal(error.code, 'USAGE');
    assert.match(error.message, pattern);
    return true;
  };
}

test('a certificate bundle carries [leaf, intermediate] as DER and an ECDSA signature by the leaf key', async () => {
  const { bundle } = await signModel(model(), {
    privateKey: chain.leafKey,
    certificateChain: [chain.leaf, chain.intermediate],
  });
  const json = JSON.parse(bundle);
  assert.deepEqual(json.verificationMaterial, {
    x509CertificateChain: {
      certificates: [{ rawBytes: der(chain.leaf) }, { rawBytes: der(chain.intermediate) }],
    },
    tlogEntries: [],
  });
  assert.equal(json.dsseEnvelope.signatures[0].keyid, '');
  const parsed = parseBundle(bundle);
  assert.equal(parsed.verificationMaterial.kind, 'x509CertificateChain');
  const pae = preAuthEncoding(parsed.dsseEnvelope.payloadType, parsed.dsseEnvelope.payload);
  const leafKey = new X509Certificate(chain.leaf).publicKey;
  const sig = parsed.dsseEnvelope.signatures[0]?.sig ?? new Uint8Array();
  assert.ok(cryptoVerify('sha256', pae, { key: leafKey, dsaEncoding: 'der' }, sig));
});

test('the bundle has the shape model_signing 1.1 writes for the certificate method', {
  skip: existsSync(VECTORS) ? false : `OMS vectors not found at ${VECTORS}`,
}, async () => {
  const reference = JSON.parse(
    readFileSync(join(VECTORS, 'signed-models/v1.1.0-certificate/model.sig'), 'utf8'),
  );
  const ours = JSON.parse(
    (
      await signModel(model(), {
        privateKey: chain.leafKey,
        certificateChain: [chain.leaf, chain.intermediate],
      })
    ).bundle,
  );
  const shape = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.slice(0, 1).map(shape)
      : typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]))
        : typeof value;
  assert.deepEqual(shape(ours), shape(reference));
  assert.deepEqual(Object.keys(ours.verificationMaterial), Object.keys(reference.verificationMaterial));
});

test('the signing certificate goes first wherever it is given; a full-chain PEM with the root is kept in order', async () => {
  const { bundle } = await signModel(model(), {
    privateKey: chain.leafKey,
    certificateChain: [`${chain.intermediate}${chain.leaf}`, chain.root],
  });
  const certificates = JSON.parse(bundle).verificationMaterial.x509CertificateChain.certificates;
  assert.deepEqual(
    certificates.map((c: { rawBytes: string }) => c.rawBytes),
    [der(chain.leaf), der(chain.intermediate), der(chain.root)],
  );
});

test('a chain out of order, without the signing key’s certificate, or not PEM is a usage error before hashing', async () => {
  const root = model();
  await assert.rejects(
    signModel(root, {
      privateKey: chain.leafKey,
      certificateChain: [chain.leaf, chain.root, chain.intermediate],
    }),
    usageError(/palisade-test-signer.*not issued by the next certificate.*palisade-test-root/s),
  );
  const other = issueTestChain();
  await assert.rejects(
    signModel(root, { privateKey: other.leafKey, certificateChain: [chain.leaf, chain.intermediate] }),
    usageError(/None of the given certificates is for the signing key/),
  );
  await assert.rejects(
    signModel(root, { privateKey: chain.leafKey, certificateChain: ['not a certificate'] }),
    usageError(/No PEM certificate/),
  );
  const forged = Buffer.from(new X509Certificate(chain.leaf).raw);
  forged[forged.length - 5] = (forged[forged.length - 5] ?? 0) ^ 1; // inside the issuer's signature
  const forgedPem = `-----BEGIN CERTIFICATE-----\n${forged.toString('base64')}\n-----END CERTIFICATE-----\n`;
  await assert.rejects(
    signModel(root, { privateKey: chain.leafKey, certificateChain: [forgedPem, chain.intermediate] }),
    usageError(/not issued by the next certificate/),
  );
});

test('Palisade verifies its own certificate bundle against the root, and not against another root', async () => {
  const root = model();
  const { bundle } = await signModel(root, {
    privateKey: chain.leafKey,
    certificateChain: [chain.leaf, chain.intermediate],
  });
  const verified = await verifyModel(root, bundle, { certificateChain: chain.root });
  assert.equal(verified.ok, true, verified.ok ? '' : `${verified.reason}: ${verified.message}`);
  const stranger = await verifyModel(root, bundle, { certificateChain: issueTestChain().root });
  assert.equal(stranger.ok, false);
});
