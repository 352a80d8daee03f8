import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { runMain } from '@palisade/testing';
import { main } from './main.ts';

const SHARED = resolve(import.meta.dirname, '../../../../shared/vectors');
const OMS = join(SHARED, 'oms');
const MODELS = join(OMS, 'signed-models');
const TRUSTED_ROOT = join(SHARED, 'tlog/sigstore/trusted_root.public-good.json');
const CA = join(OMS, 'keys/ca-cert.pem');
const IDENTITY = ['--identity', 'stefanb@us.ibm.com', '--issuer', 'https://sigstore.verify.ibm.com/oauth2'];
const SKIP = existsSync(OMS) ? false : `OMS vectors not found at ${OMS}`;

const run = (args: string[]) => runMain(main, args);

const ignoreFor = (version: string): string[] =>
  version === 'v1.0.1' ? ['--ignore-paths', 'ignore-me'] : [];

test('--certificate-chain: every certificate vector verifies (exit 0), v0.2.0 with its legacy warnings', {
  skip: SKIP,
}, async () => {
  for (const version of ['v1.1.0', 'v1.0.1', 'v1.0.0', 'v0.3.1', 'v0.2.0']) {
    const model = join(MODELS, `${version}-certificate`);
    const result = await run([
      'verify',
      model,
      '--certificate-chain',
      CA,
      ...ignoreFor(version),
      '-f',
      'json',
    ]);
    assert.equal(result.code, 0, `${version}: ${result.out}${result.err}`);
    const json = JSON.parse(result.out);
    assert.equal(json.method, 'certificate');
    assert.equal(json.signer.chain.length, 3);
    assert.equal(json.warnings.length, version === 'v0.2.0' ? 2 : 0, version);
  }
});

test('--trust-root: every keyless vector verifies offline (exit 0) and names the signer', {
  skip: SKIP,
}, async () => {
  for (const version of ['v1.1.0', 'v1.0.1', 'v1.0.0', 'v0.3.1']) {
    const model = join(MODELS, `${version}-sigstore`);
    const result = await run([
      'verify',
      model,
      '--trust-root',
      TRUSTED_ROOT,
      ...IDENTITY,
      ...ignoreFor(version),
    ]);
    assert.equal(result.code, 0, `${version}: ${result.out}${result.err}`);
    assert.match(
      result.out,
      /Signed by: stefanb@us\.ibm\.com via https:\/\/sigstore\.verify\.ibm\.com\/oauth2/,
    );
    assert.match(result.out, /rekor\.sigstore\.dev entry \d+/);
  }
  const config = await run([
    'verify',
    join(MODELS, 'v1.1.0-sigstore'),
    '--trust-root',
    join(OMS, 'trust/custom_trust_config.json'),
    ...IDENTITY,
  ]);
  assert.equal(config.code, 0, config.out + config.err);
});

test('not verified (exit 1) with the reason: wrong identity, wrong issuer, expired at a given time', {
  skip: SKIP,
}, async () => {
  const keyless = join(MODELS, 'v1.1.0-sigstore');
  const who = await run([
    'verify',
    keyless,
    '--trust-root',
    TRUSTED_ROOT,
    '--identity',
    'eve@example.com',
    '--issuer',
    'https://sigstore.verify.ibm.com/oauth2',
    '-f',
    'json',
  ]);
  assert.equal(who.code, 1);
  assert.equal(JSON.parse(who.out).reason, 'IDENTITY_MISMATCH');
  const issuer = await run([
    'verify',
    keyless,
    '--trust-root',
    TRUSTED_ROOT,
    '--identity',
    'stefanb@us.ibm.com',
    '--issuer',
    'https://github.com/login/oauth',
  ]);
  assert.equal(issuer.code, 1);
  assert.match(issuer.out, /^NOT VERIFIED/);
  assert.match(issuer.out, /ISSUER_MISMATCH: .*sigstore\.verify\.ibm\.com/);
  const late = await run([
    'verify',
    join(MODELS, 'v1.1.0-certificate'),
    '--certificate-chain',
    CA,
    '--certificate-time',
    '2036-01-01T00:00:00Z',
  ]);
  assert.equal(late.code, 1);
  assert.match(late.out, /CERTIFICATE_EXPIRED/);
});

test('a keyless model with a file added fails (exit 1) naming the file', { skip: SKIP }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-verify-trust-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(MODELS, 'v1.1.0-sigstore'), dir, { recursive: true });
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'payload.py'), 'import os\n');
  const result = await run(['verify', dir, '--trust-root', TRUSTED_ROOT, ...IDENTITY]);
  assert.equal(result.code, 1);
  assert.match(result.out, /MANIFEST_EXTRA_FILE/);
  assert.match(result.out, /added: {3}payload\.py/);
});

test('every OMS invalid vector is rejected (exit 1) with BUNDLE_PARSE, whichever trust is given', {
  skip: SKIP,
}, async () => {
  const model = join(MODELS, 'v1.1.0-sigstore');
  for (const file of ['empty', 'missing-envelope', 'missing-verification-material', 'missing-tlog-entries']) {
    const signature = join(OMS, `test-vectors/v1.0/invalid/${file}.bundle.json`);
    for (const trust of [
      ['--trust-root', TRUSTED_ROOT, ...IDENTITY],
      ['--certificate-chain', CA],
    ]) {
      const result = await run(['verify', model, ...trust, '--signature', signature, '-f', 'json']);
      assert.equal(result.code, 1, file);
      assert.equal(JSON.parse(result.out).reason, 'BUNDLE_PARSE', file);
    }
  }
});

test('usage errors exit 2: no trust, two kinds of trust, keyless without --issuer, flags that do not apply', {
  skip: SKIP,
}, async () => {
  const model = join(MODELS, 'v1.1.0-sigstore');
  const cases: [string[], RegExp][] = [
    [[], /needs --key, --certificate-chain or --trust-root/],
    [
      ['--key', join(OMS, 'keys/signing-key-pub.pem'), '--certificate-chain', CA],
      /exactly one; 2 were given/,
    ],
    [['--trust-root', TRUSTED_ROOT, '--identity', 'stefanb@us.ibm.com'], /needs --identity and --issuer/],
    [['--key', join(OMS, 'keys/signing-key-pub.pem'), '--identity', 'x'], /apply to certificates/],
    [['--certificate-chain', CA, '--certificate-time', 'yesterday'], /signing, now or an RFC 3339 time/],
    [['--trust-root', join(OMS, 'absent.json'), ...IDENTITY], /Cannot read the Sigstore trusted root/],
    [['--trust-root', CA, ...IDENTITY], /Invalid Sigstore trusted root/],
    [['--certificate-chain', TRUSTED_ROOT], /not PEM or DER certificates/],
  ];
  for (const [args, message] of cases) {
    const result = await run(['verify', model, ...args]);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.err, message, args.join(' '));
  }
});

test('verify --help lists the three kinds of trust and the identity flags', async () => {
  const help = await run(['verify', '--help']);
  assert.equal(help.code, 0);
  for (const flag of [
    '--certificate-chain FILE',
    '--trust-root FILE',
    '--identity ID',
    '--issuer URL',
    '--certificate-time WHEN',
  ]) {
    assert.ok(help.out.includes(flag), flag);
  }
});

test('an ML-DSA-65 signature (Palisade extension) verifies with --key and its public key', async (t) => {
  let pair: ReturnType<typeof generateKeyPairSync>;
  try {
    pair = generateKeyPairSync('ml-dsa-65');
  } catch {
    t.skip('this Node.js has no ML-DSA');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'palisade-verify-mldsa-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const model = join(dir, 'model');
  mkdirSync(model);
  writeFileSync(join(model, 'weights.bin'), Buffer.alloc(2048, 1));
  writeFileSync(join(dir, 'k.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'k-pub.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
  const signed = await run(['sign', model, '--key', join(dir, 'k.pem'), '--algorithm', 'ml-dsa-65']);
  assert.equal(signed.code, 0, signed.out + signed.err);
  const verified = await run(['verify', model, '--key', join(dir, 'k-pub.pem'), '-f', 'json']);
  assert.equal(verified.code, 0, verified.out + verified.err);
  assert.equal(JSON.parse(verified.out).signer.algorithm, 'ML-DSA-65');
});
