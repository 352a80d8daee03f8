import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { isSigningError } from '../errors.ts';
import { verifyEmbeddedScts } from '../sigstore/sct.ts';
import { parseTrustedRoot } from '../sigstore/trusted-root.ts';
import { parseCertificate } from '../x509/certificate.ts';
import { verifyModel } from './verify.ts';

const VECTORS = resolve(import.meta.dirname, '../../../../../shared/vectors');
const SKIP = existsSync(join(VECTORS, 'oms')) ? false : `vectors not found at ${VECTORS}`;
const MODELS = join(VECTORS, 'oms/signed-models');
const TRUSTED_ROOT_PATH = join(VECTORS, 'tlog/sigstore/trusted_root.public-good.json');
const IDENTITY = 'stefanb@us.ibm.com';
const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';
const FOLDER_ROOT = '61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226';
const work = mkdtempSync(join(tmpdir(), 'palisade-oms-keyless-'));
after(() => rmSync(work, { recursive: true, force: true }));

const trustedRootText = (): string => readFileSync(TRUSTED_ROOT_PATH, 'utf8');

async function verifyKeyless(dir: string, bundle: string | Buffer, options: Record<string, unknown> = {}) {
  return verifyModel(dir, bundle, {
    trustedRoot: trustedRootText(),
    identity: IDENTITY,
    issuer: ISSUER,
    signaturePath: join(dir, 'model.sig'),
    ...options,
  });
}

const KEYLESS_VECTORS = [
  { version: 'v1.1.0', ignore: [], index: '598151086' },
  { version: 'v1.0.1', ignore: ['ignore-me'], index: '588939812' },
  { version: 'v1.0.0', ignore: [], index: '206344181' },
  { version: 'v0.3.1', ignore: [], index: '206342049' },
] as const;

for (const { version, ignore, index } of KEYLESS_VECTORS) {
  test(`${version}-sigstore verifies offline: Rekor entry, SET, inclusion proof, Fulcio chain, identity`, {
    skip: SKIP,
  }, async () => {
    const dir = join(MODELS, `${version}-sigstore`);
    const result = await verifyKeyless(dir, readFileSync(join(dir, 'model.sig')), { ignorePaths: ignore });
    assert.ok(result.ok, result.ok ? '' : `${result.reason}: ${result.message}`);
    assert.equal(result.statement.rootDigest, FOLDER_ROOT);
    assert.ok(result.signer.method === 'sigstore');
    assert.deepEqual(result.signer.identities, [IDENTITY]);
    assert.equal(result.signer.issuer, ISSUER);
    assert.equal(result.signer.tlog.logIndex, index);
    assert.equal(result.signer.tlog.baseUrl, 'https://rekor.sigstore.dev');
    assert.match(result.signer.chain.at(-1) ?? '', /CN=sigstore\b/);
  });
}

test('OMS valid/sigstore.bundle.json verifies, also against the custom_trust_config.json ClientTrustConfig', {
  skip: SKIP,
}, async () => {
  const dir = join(MODELS, 'v1.1.0-sigstore');
  const bundle = readFileSync(join(VECTORS, 'oms/test-vectors/v1.0/valid/sigstore.bundle.json'));
  const a = await verifyKeyless(dir, bundle);
  assert.ok(a.ok, a.ok ? '' : `${a.reason}: ${a.message}`);
  const config = readFileSync(join(VECTORS, 'oms/trust/custom_trust_config.json'));
  const b = await verifyKeyless(dir, bundle, { trustedRoot: parseTrustedRoot(config) });
  assert.ok(b.ok, b.ok ? '' : `${b.reason}: ${b.message}`);
  // The custom config trusts only GitHub's TSA: the Sigstore timestamp is ignored with a warning.
  assert.ok(b.signer.method === 'sigstore' && b.signer.timestamps.length === 0);
  assert.match(b.warnings.join('\n'), /1 RFC 3161 timestamp\(s\) were signed by no timestamp authority/);
  assert.ok(a.signer.method === 'sigstore');
  assert.deepEqual(a.signer.timestamps, [
    { authority: 'https://timestamp.sigstore.dev/api/v1/timestamp', time: '2025-10-10T02:12:20.000Z' },
  ]);
});

test('identity policy: another identity or issuer is rejected, naming what the certificate holds', {
  skip: SKIP,
}, async () => {
  const dir = join(MODELS, 'v1.1.0-sigstore');
  const bundle = readFileSync(join(dir, 'model.sig'));
  const who = await verifyKeyless(dir, bundle, { identity: 'attacker@example.com' });
  assert.ok(!who.ok);
  assert.equal(who.reason, 'IDENTITY_MISMATCH');
  assert.match(who.message, /stefanb@us\.ibm\.com/);
  const issuer = await verifyKeyless(dir, bundle, { issuer: 'https://accounts.google.com' });
  assert.ok(!issuer.ok);
  assert.equal(issuer.reason, 'ISSUER_MISMATCH');
  await assert.rejects(
    verifyModel(dir, bundle, { trustedRoot: trustedRootText(), identity: IDENTITY }),
    { code: 'USAGE' },
    'keyless without an issuer is a usage error',
  );
});

interface EntryJson {
  logId: { keyId: string };
  kindVersion: { kind: string; version: string };
  integratedTime: string;
  canonicalizedBody: string;
  inclusionPromise: { signedEntryTimestamp: string };
  inclusionProof: { logIndex: string; hashes: string[]; checkpoint: { envelope: string } };
}

interface Bundle {
  dsseEnvelope: { payload: string; signatures: { sig: string }[] };
  verificationMaterial: { certificate: { rawBytes: string }; tlogEntries: EntryJson[] };
}

async function rejectEdited(edit: (bundle: Bundle) => void, reason: string, message?: RegExp): Promise<void> {
  const dir = join(MODELS, 'v1.1.0-sigstore');
  const bundle = JSON.parse(readFileSync(join(dir, 'model.sig'), 'utf8')) as Bundle;
  edit(bundle);
  const result = await verifyKeyless(dir, JSON.stringify(bundle));
  assert.ok(!result.ok, reason);
  assert.equal(result.reason, reason, result.message);
  if (message) assert.match(result.message, message);
}

function flip(base64: string, at: number): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[at] = (bytes[at] ?? 0) ^ 1;
  return bytes.toString('base64');
}

test('tampering the envelope: an edited payload or signature is SIGNATURE_INVALID', {
  skip: SKIP,
}, async () => {
  await rejectEdited((b) => {
    const text = Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8');
    b.dsseEnvelope.payload = Buffer.from(text.replace('signme-1', 'signme-9')).toString('base64');
  }, 'SIGNATURE_INVALID');
  await rejectEdited((b) => {
    b.dsseEnvelope.signatures[0] = { sig: flip(b.dsseEnvelope.signatures[0]?.sig ?? '', 12) };
  }, 'SIGNATURE_INVALID');
});

test("a whole envelope re-signed by someone else (another bundle's certificate and signature) is caught by the log entry", {
  skip: SKIP,
}, async () => {
  const other = JSON.parse(readFileSync(join(MODELS, 'v1.0.0-sigstore/model.sig'), 'utf8')) as Bundle;
  // The v1.0.0 certificate and signature are genuine and match each other; the v1.1.0 Rekor entry logs others.
  await rejectEdited((b) => {
    b.dsseEnvelope = other.dsseEnvelope;
    b.verificationMaterial.certificate = other.verificationMaterial.certificate;
  }, 'TLOG_ENTRY_MISMATCH');
});

test('tampering the Rekor entry: body, SET, inclusion proof, checkpoint, log id, kind', {
  skip: SKIP,
}, async () => {
  const entry = (b: Bundle) => b.verificationMaterial.tlogEntries[0] as EntryJson;
  await rejectEdited(
    (b) => {
      const body = JSON.parse(Buffer.from(entry(b).canonicalizedBody, 'base64').toString('utf8'));
      body.spec.payloadHash.value = '0'.repeat(64);
      entry(b).canonicalizedBody = Buffer.from(JSON.stringify(body)).toString('base64');
    },
    'TLOG_ENTRY_MISMATCH',
    /payload hash/,
  );
  await rejectEdited((b) => {
    entry(b).inclusionPromise.signedEntryTimestamp = flip(entry(b).inclusionPromise.signedEntryTimestamp, 20);
  }, 'SET_INVALID');
  await rejectEdited((b) => {
    entry(b).integratedTime = String(Number(entry(b).integratedTime) + 1);
  }, 'SET_INVALID');
  await rejectEdited(
    (b) => {
      delete (entry(b) as Partial<EntryJson>).inclusionPromise;
    },
    'SET_INVALID',
    /RFC 3161/,
  );
  await rejectEdited((b) => {
    entry(b).inclusionProof.hashes[3] = flip(entry(b).inclusionProof.hashes[3] ?? '', 0);
  }, 'INCLUSION_PROOF_INVALID');
  await rejectEdited((b) => {
    entry(b).inclusionProof.logIndex = String(Number(entry(b).inclusionProof.logIndex) - 1);
  }, 'INCLUSION_PROOF_INVALID');
  await rejectEdited((b) => {
    delete (entry(b) as Partial<EntryJson>).inclusionProof;
  }, 'INCLUSION_PROOF_INVALID');
  await rejectEdited((b) => {
    const note = entry(b).inclusionProof.checkpoint.envelope as string;
    entry(b).inclusionProof.checkpoint.envelope = note.replace(
      /\n(\d+)\n/,
      (_m, n) => `\n${Number(n) + 1}\n`,
    );
  }, 'CHECKPOINT_INVALID');
  await rejectEdited((b) => {
    const note = entry(b).inclusionProof.checkpoint.envelope as string;
    entry(b).inclusionProof.checkpoint.envelope = note.replace(
      /wNI9a(\S+)\n$/,
      (_m, sig) => `wNI9a${flip(sig, 30)}\n`,
    );
  }, 'CHECKPOINT_INVALID');
  await rejectEdited(
    (b) => {
      entry(b).logId.keyId = Buffer.alloc(32, 7).toString('base64');
    },
    'TLOG_INVALID',
    /does not list/,
  );
  await rejectEdited(
    (b) => {
      b.verificationMaterial.tlogEntries = Array.from({ length: 9 }, () => entry(b));
    },
    'TLOG_INVALID',
    /at most 8/,
  );
  await rejectEdited(
    (b) => {
      entry(b).kindVersion = { kind: 'hashedrekord', version: '0.0.1' };
    },
    'TLOG_INVALID',
    /hashedrekord/,
  );
});

test('SCTs: a trusted root without the CT log, or whose CT key was not yet valid, is SCT_INVALID', {
  skip: SKIP,
}, async () => {
  const dir = join(MODELS, 'v1.1.0-sigstore');
  const bundle = readFileSync(join(dir, 'model.sig'));
  const root = JSON.parse(trustedRootText());
  const ctlogs = root.ctlogs;
  root.ctlogs = [];
  const none = await verifyKeyless(dir, bundle, { trustedRoot: JSON.stringify(root) });
  assert.ok(!none.ok);
  assert.equal(none.reason, 'SCT_INVALID');
  assert.match(none.message, /unknown log/);
  root.ctlogs = ctlogs;
  for (const log of root.ctlogs) log.publicKey.validFor = { start: '2030-01-01T00:00:00Z' };
  const early = await verifyKeyless(dir, bundle, { trustedRoot: JSON.stringify(root) });
  assert.ok(!early.ok);
  assert.equal(early.reason, 'SCT_INVALID');
  assert.match(early.message, /not valid at 2025-10-10/);
  const ok = await verifyKeyless(dir, bundle);
  assert.ok(ok.ok && ok.signer.method === 'sigstore');
  assert.deepEqual(ok.signer.ctlogs, ['https://ctfe.sigstore.dev/2022']);
});

test('an SCT checked against the wrong issuer key does not verify (the signed precertificate binds the issuer)', {
  skip: SKIP,
}, () => {
  const bundle = JSON.parse(readFileSync(join(MODELS, 'v1.1.0-sigstore/model.sig'), 'utf8')) as Bundle;
  const leaf = parseCertificate(Buffer.from(bundle.verificationMaterial.certificate.rawBytes, 'base64'));
  const { ctlogs } = parseTrustedRoot(trustedRootText());
  assert.throws(
    () => verifyEmbeddedScts(leaf, leaf, ctlogs),
    (error) =>
      isSigningError(error) && error.reason === 'SCT_INVALID' && /does not verify/.test(error.message),
  );
});

test('trust root without a Fulcio CA valid at the integrated time is CHAIN_INVALID', {
  skip: SKIP,
}, async () => {
  const root = JSON.parse(trustedRootText());
  // Keep only the CA that expired in 2022: the 2025 signature has no CA.
  root.certificateAuthorities = root.certificateAuthorities.slice(0, 1);
  const dir = join(MODELS, 'v1.1.0-sigstore');
  const result = await verifyKeyless(dir, readFileSync(join(dir, 'model.sig')), {
    trustedRoot: JSON.stringify(root),
  });
  assert.ok(!result.ok);
  assert.equal(result.reason, 'CHAIN_INVALID');
  // Pretending the old CA is still valid does not help: it did not issue the certificate.
  root.certificateAuthorities[0].validFor = { start: '2021-01-01T00:00:00Z' };
  const stretched = await verifyKeyless(dir, readFileSync(join(dir, 'model.sig')), {
    trustedRoot: JSON.stringify(root),
  });
  assert.ok(!stretched.ok);
  assert.equal(stretched.reason, 'CHAIN_INVALID');
});

test('a keyless model with one byte changed is MANIFEST_DIGEST_MISMATCH after every signature check passes', {
  skip: SKIP,
}, async () => {
  const dir = mkdtempSync(join(work, 'model-'));
  cpSync(join(MODELS, 'v1.1.0-sigstore'), dir, { recursive: true });
  chmodSync(join(dir, 'signme-2'), 0o644);
  const bytes = readFileSync(join(dir, 'signme-2'));
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  writeFileSync(join(dir, 'signme-2'), bytes);
  const result = await verifyKeyless(dir, readFileSync(join(dir, 'model.sig')));
  assert.ok(!result.ok);
  assert.equal(result.reason, 'MANIFEST_DIGEST_MISMATCH');
});

test('OMS invalid vectors on the keyless path: each rejected with its parse reason', {
  skip: SKIP,
}, async () => {
  const dir = join(MODELS, 'v1.1.0-sigstore');
  const cases = [
    ['invalid/empty.bundle.json', /empty/],
    ['invalid/missing-envelope.bundle.json', /dsseEnvelope/],
    ['invalid/missing-verification-material.bundle.json', /verificationMaterial/],
    ['invalid/missing-tlog-entries.bundle.json', /tlogEntries/],
  ] as const;
  for (const [file, message] of cases) {
    const result = await verifyKeyless(dir, readFileSync(join(VECTORS, 'oms/test-vectors/v1.0', file)));
    assert.ok(!result.ok, file);
    assert.equal(result.reason, 'BUNDLE_PARSE', file);
    assert.match(result.message, message, file);
  }
});

test('key and certificate bundles given a trusted root are METHOD_UNSUPPORTED, naming the right flag', {
  skip: SKIP,
}, async () => {
  for (const [dir, flag] of [
    ['v1.1.0-elliptic-key', /--key/],
    ['v1.1.0-certificate', /--certificate-chain/],
  ] as const) {
    const model = join(MODELS, dir);
    const result = await verifyKeyless(model, readFileSync(join(model, 'model.sig')));
    assert.ok(!result.ok, dir);
    assert.equal(result.reason, 'METHOD_UNSUPPORTED', dir);
    assert.match(result.message, flag);
  }
});

test('trusted root files: wrong media type, no logs, bad JSON are INPUT_INVALID', () => {
  const bad = [
    '{',
    JSON.stringify({ mediaType: 'application/json' }),
    JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [] }),
  ];
  for (const text of bad) assert.throws(() => parseTrustedRoot(text), { code: 'INPUT_INVALID' }, text);
});
