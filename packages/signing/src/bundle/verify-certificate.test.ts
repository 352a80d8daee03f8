import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { verifyModel } from './verify.ts';

const VECTORS = resolve(import.meta.dirname, '../../../../../shared/vectors/oms');
const SKIP = existsSync(VECTORS) ? false : `OMS vectors not found at ${VECTORS}`;
const MODELS = join(VECTORS, 'signed-models');
const ROOT_CA = (): string => readFileSync(join(VECTORS, 'keys/ca-cert.pem'), 'utf8');
const FOLDER_ROOT = '61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226';
const work = mkdtempSync(join(tmpdir(), 'palisade-oms-cert-'));
after(() => rmSync(work, { recursive: true, force: true }));

const CERTIFICATE_VECTORS = [
  { version: 'v1.1.0', ignore: [] },
  { version: 'v1.0.1', ignore: ['ignore-me'] },
  { version: 'v1.0.0', ignore: [] },
  { version: 'v0.3.1', ignore: [] },
] as const;

/** The Sigstore public-good Fulcio root, as PEM: a real root that did not issue these certificates. */
function fulcioRootPem(): string {
  const trusted = JSON.parse(
    readFileSync(resolve(VECTORS, '../tlog/sigstore/trusted_root.public-good.json'), 'utf8'),
  );
  const der = trusted.certificateAuthorities[1].certChain.certificates[1].rawBytes as string;
  return `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;
}

async function verifyVector(dir: string, options: Record<string, unknown> = {}) {
  return verifyModel(dir, readFileSync(join(dir, 'model.sig')), { certificateChain: ROOT_CA(), ...options });
}

for (const { version, ignore } of CERTIFICATE_VECTORS) {
  test(`${version}-certificate verifies: chain leaf → intermediate → ca-cert.pem at the leaf notBefore`, {
    skip: SKIP,
  }, async () => {
    const result = await verifyVector(join(MODELS, `${version}-certificate`), { ignorePaths: ignore });
    assert.ok(result.ok, result.ok ? '' : `${result.reason}: ${result.message}`);
    assert.equal(result.statement.rootDigest, FOLDER_ROOT);
    assert.equal(result.signer.method, 'certificate');
    assert.ok(result.signer.method === 'certificate' && result.signer.chain.length === 3);
    assert.deepEqual(result.warnings, []);
  });
}

test('v0.2.0-certificate verifies through the legacy PAE and the v0.2 statement, with warnings', {
  skip: SKIP,
}, async () => {
  const result = await verifyVector(join(MODELS, 'v0.2.0-certificate'));
  assert.ok(result.ok, result.ok ? '' : `${result.reason}: ${result.message}`);
  assert.equal(result.statement.subjectName, 'compat-undefined-not-present');
  assert.deepEqual(
    result.statement.resources.map((r) => r.name),
    ['signme-1', 'signme-2'],
  );
  assert.ok(result.signer.method === 'certificate' && result.signer.legacyPae);
  assert.equal(result.warnings.length, 2);
});

test('v0.2.0-certificate: a changed file is still caught (the legacy manifest is compared like any other)', {
  skip: SKIP,
}, async () => {
  const dir = mkdtempSync(join(work, 'v02-'));
  cpSync(join(MODELS, 'v0.2.0-certificate'), dir, { recursive: true });
  chmodSync(join(dir, 'signme-1'), 0o644);
  writeFileSync(join(dir, 'signme-1'), 'changed');
  const result = await verifyVector(dir);
  assert.ok(!result.ok);
  assert.equal(result.reason, 'MANIFEST_DIGEST_MISMATCH');
  assert.deepEqual(
    result.differences?.changed.map((c) => c.name),
    ['signme-1'],
  );
});

test('trust anchors may be given as DER, or as several PEM files with unrelated certificates among them', {
  skip: SKIP,
}, async () => {
  const der = new X509Certificate(ROOT_CA()).raw;
  const dir = join(MODELS, 'v1.1.0-certificate');
  const a = await verifyVector(dir, { certificateChain: der });
  assert.ok(a.ok, a.ok ? '' : `${a.reason}: ${a.message}`);
  const b = await verifyVector(dir, { certificateChain: [fulcioRootPem(), ROOT_CA()] });
  assert.ok(b.ok, b.ok ? '' : `${b.reason}: ${b.message}`);
});

test('OMS valid/certificate.bundle.json verifies against the v1.1.0-elliptic-key model', {
  skip: SKIP,
}, async () => {
  const result = await verifyModel(
    join(MODELS, 'v1.1.0-elliptic-key'),
    readFileSync(join(VECTORS, 'test-vectors/v1.0/valid/certificate.bundle.json')),
    { certificateChain: ROOT_CA() },
  );
  assert.ok(result.ok, result.ok ? '' : `${result.reason}: ${result.message}`);
});

test('another root (the Sigstore Fulcio root) is CHAIN_INVALID naming the leaf and its issuer', {
  skip: SKIP,
}, async () => {
  const result = await verifyVector(join(MODELS, 'v1.1.0-certificate'), {
    certificateChain: fulcioRootPem(),
  });
  assert.ok(!result.ok);
  assert.equal(result.reason, 'CHAIN_INVALID');
  assert.match(result.message, /CN=intermediate-ca/);
});

test('certificate time: an instant outside the validity is CERTIFICATE_EXPIRED; "now" passes until 2035', {
  skip: SKIP,
}, async () => {
  const dir = join(MODELS, 'v1.1.0-certificate');
  const late = await verifyVector(dir, { certificateTime: new Date('2036-01-01T00:00:00Z') });
  assert.ok(!late.ok);
  assert.equal(late.reason, 'CERTIFICATE_EXPIRED');
  const early = await verifyVector(dir, { certificateTime: new Date('2025-01-01T00:00:00Z') });
  assert.ok(!early.ok);
  assert.equal(early.reason, 'CERTIFICATE_EXPIRED');
  const now = await verifyVector(dir, { certificateTime: 'now' });
  assert.equal(now.ok, new Date() < new Date('2035-04-30T00:00:00Z'));
});

test('identity checks on a certificate bundle: the vector leaf has no SAN, so any identity is IDENTITY_MISMATCH', {
  skip: SKIP,
}, async () => {
  const result = await verifyVector(join(MODELS, 'v1.1.0-certificate'), { identity: 'ml@example.com' });
  assert.ok(!result.ok);
  assert.equal(result.reason, 'IDENTITY_MISMATCH');
  assert.match(result.message, /no subject alternative name/);
});

test('tampering a certificate bundle: payload, signature, dropped intermediate, swapped leaf', {
  skip: SKIP,
}, async () => {
  const dir = join(MODELS, 'v1.1.0-certificate');
  const bundle = JSON.parse(readFileSync(join(dir, 'model.sig'), 'utf8'));
  const check = async (edit: (b: typeof bundle) => void, reason: string) => {
    const copy = structuredClone(bundle);
    edit(copy);
    const result = await verifyModel(dir, JSON.stringify(copy), { certificateChain: ROOT_CA() });
    assert.ok(!result.ok, reason);
    assert.equal(result.reason, reason);
  };
  await check((b) => {
    const payload = Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8');
    b.dsseEnvelope.payload = Buffer.from(payload.replace('signme-1', 'signme-x')).toString('base64');
  }, 'SIGNATURE_INVALID');
  await check((b) => {
    const sig = Buffer.from(b.dsseEnvelope.signatures[0].sig, 'base64');
    sig[10] = (sig[10] ?? 0) ^ 0x40;
    b.dsseEnvelope.signatures[0].sig = sig.toString('base64');
  }, 'SIGNATURE_INVALID');
  await check((b) => {
    b.verificationMaterial.x509CertificateChain.certificates.pop();
  }, 'CHAIN_INVALID');
  // The intermediate as the signer: an RSA key, which OMS does not sign with.
  await check((b) => {
    b.verificationMaterial.x509CertificateChain.certificates.shift();
  }, 'CERTIFICATE_USAGE');
  // Another P-384 leaf (the v1.0.0 one is the same key, so use a Fulcio leaf): the signature no longer matches.
  const keyless = JSON.parse(readFileSync(join(MODELS, 'v1.1.0-sigstore/model.sig'), 'utf8'));
  await check((b) => {
    b.verificationMaterial.x509CertificateChain.certificates[0] = keyless.verificationMaterial.certificate;
  }, 'SIGNATURE_INVALID');
});

test('a key bundle verified with a certificate chain is METHOD_UNSUPPORTED, pointing to --key', {
  skip: SKIP,
}, async () => {
  const keyBundle = join(MODELS, 'v1.1.0-elliptic-key');
  const result = await verifyVector(keyBundle);
  assert.ok(!result.ok);
  assert.equal(result.reason, 'METHOD_UNSUPPORTED');
  assert.match(result.message, /--key/);
});

test('unusable trust input is a usage error, not a verification result', { skip: SKIP }, async () => {
  const dir = join(MODELS, 'v1.1.0-certificate');
  await assert.rejects(verifyVector(dir, { certificateChain: 'not a certificate' }), { code: 'USAGE' });
  await assert.rejects(verifyModel(dir, readFileSync(join(dir, 'model.sig')), {}), { code: 'USAGE' });
});
