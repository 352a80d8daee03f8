import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { findProvenance, SqliteLogStore, TransparencyLog } from '@palisade/ledger';
import { signModel } from '@palisade/signing';
import { runMain } from '@palisade/testing';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { main } from './main.ts';

const CORPUS = resolve(import.meta.dirname, '../../../../shared/corpus/peers');
const MALICIOUS_PICKLE = join(CORPUS, 'picklescan/tests/data/malicious0.pkl');
const SAFETENSORS = join(CORPUS, 'modelaudit/tests/assets/samples/safetensors/safe_model.safetensors');
const FACTS_SCHEMA = resolve(import.meta.dirname, '../../policy/schema/facts-v1.schema.json');
const DECISION_SCHEMA = resolve(import.meta.dirname, '../../policy/schema/decision-v1.schema.json');

const run = (args: string[]) => runMain(main, args);

/** A benign safetensors model (corpus) with an Apache-2.0 model card, in a fresh directory. */
function benignModel(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-gate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const model = join(dir, 'model');
  mkdirSync(model);
  copyFileSync(SAFETENSORS, join(model, 'model.safetensors'));
  writeFileSync(join(model, 'README.md'), '---\nlicense: apache-2.0\n---\n# Tiny model\n\nA test model.\n');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const priv = join(dir, 'key.pem');
  const pub = join(dir, 'key-pub.pem');
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { dir, model, priv, pub, privateKey };
}

async function sign(model: string, privateKey: string) {
  const signed = await signModel(model, { privateKey: readFileSync(privateKey) });
  writeFileSync(join(model, 'model.sig'), signed.bundle);
  return signed.manifest.rootDigest;
}

function exceptionsFile(dir: string, expires: string): string {
  const path = join(dir, `exceptions-${expires}.yaml`);
  writeFileSync(
    path,
    [
      'exceptions:',
      '  - rule: baseline/signature-trusted',
      "    name: 'model'",
      '    justification: the vendor signs from the next release on',
      '    approver: security@example.com',
      `    expires: ${expires}`,
      '',
    ].join('\n'),
  );
  return path;
}

test('a malicious pickle from the corpus is denied by baseline, naming the finding', async () => {
  const text = await run(['gate', MALICIOUS_PICKLE, '--policy', 'baseline']);
  assert.equal(text.code, 1, text.err);
  assert.match(text.out, /^DENIED: /);
  assert.match(text.out, /DENY\s+baseline\/no-critical-or-high-findings/);
  assert.match(text.out, /PICKLE-[A-Z-]+ \(critical\)/);
  const json = await run(['gate', MALICIOUS_PICKLE, '--policy', 'baseline', '--format', 'json']);
  const decision = JSON.parse(json.out);
  assert.equal(decision.decision, 'deny');
  const rule = decision.results.find(
    (r: { rule: string }) => r.rule === 'baseline/no-critical-or-high-findings',
  );
  assert.equal(rule.outcome, 'fail');
  assert.ok(rule.facts['scan.counts.critical'] > 0);
  assert.ok(rule.reasons.some((r: string) => r.startsWith('PICKLE-')));
  assert.equal(decision.facts.artifact.pickleFamily, true);
});

test('a benign, signed safetensors model with a permissive licence and verified provenance is allowed in prod', async (t) => {
  const m = benignModel(t);
  const root = await sign(m.model, m.priv);
  // Provenance recorded as a user records it: palisade ledger init, then palisade attest (signed by the log key).
  const ledger = join(m.dir, 'ledger', 'ledger.db');
  assert.equal((await run(['ledger', 'init', '--ledger', ledger])).code, 0);
  const attested = await run([
    'attest',
    'provenance',
    '--ledger',
    ledger,
    '--model',
    m.model,
    '--proof',
    join(m.dir, 'p'),
  ]);
  assert.equal(attested.code, 0, attested.err);
  const args = ['gate', m.model, '--policy', 'baseline', '--environment', 'prod', '--key', m.pub];
  const result = await run([...args, '--ledger', ledger, '--origin', 'in-house', '--format', 'json']);
  assert.equal(result.code, 0, result.out + result.err);
  const decision = JSON.parse(result.out);
  assert.equal(decision.decision, 'allow');
  assert.equal(decision.artifact.digest, `sha256:${root}`);
  assert.equal(decision.facts.signature.status, 'verified');
  assert.deepEqual(
    decision.facts.bom.licenses.map((l: { id: string; risk: string }) => [l.id, l.risk]),
    [['Apache-2.0', 'permissive']],
  );
  assert.equal(decision.facts.provenance.status, 'present');
  assert.equal(decision.facts.provenance.verified, true);
  const provenance = decision.results.find(
    (r: { rule: string }) => r.rule === 'baseline/provenance-for-in-house-models',
  );
  assert.equal(provenance.outcome, 'pass');
  // The facts follow their published schema.
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(FACTS_SCHEMA, 'utf8')));
  assert.ok(validate(decision.facts), JSON.stringify(validate.errors));
  const validateDecision = ajv.compile(JSON.parse(readFileSync(DECISION_SCHEMA, 'utf8')));
  assert.ok(validateDecision(decision), JSON.stringify(validateDecision.errors));
  // An in-house model without provenance in the ledger is denied.
  const fresh = join(m.dir, 'empty', 'ledger.db');
  assert.equal((await run(['ledger', 'init', '--ledger', fresh])).code, 0);
  const missing = await run([...args, '--ledger', fresh, '--origin', 'in-house']);
  assert.equal(missing.code, 1);
  assert.match(missing.out, /DENY\s+baseline\/provenance-for-in-house-models/);
});

test('an unsigned model is denied in prod and warned in dev', async (t) => {
  const m = benignModel(t);
  const prod = await run(['gate', m.model, '--policy', 'baseline', '--environment', 'prod']);
  assert.equal(prod.code, 1, prod.out + prod.err);
  assert.match(prod.out, /DENY\s+baseline\/signature-trusted \(high, enforce\)/);
  assert.match(prod.out, /no signature found/);
  const dev = await run(['gate', m.model, '--policy', 'baseline']);
  assert.equal(dev.code, 0, dev.out + dev.err);
  assert.match(dev.out, /^ALLOWED with warnings: /);
  assert.match(dev.out, /WARN\s+baseline\/signature-trusted \(high, warn\)/);
});

test('a tampered signed model is denied: the signature is invalid', async (t) => {
  const m = benignModel(t);
  await sign(m.model, m.priv);
  writeFileSync(join(m.model, 'README.md'), '---\nlicense: apache-2.0\n---\n# Changed\n');
  const result = await run([
    'gate',
    m.model,
    '--policy',
    'baseline',
    '--environment',
    'prod',
    '--key',
    m.pub,
    '--format',
    'json',
  ]);
  assert.equal(result.code, 1);
  const decision = JSON.parse(result.out);
  assert.equal(decision.facts.signature.status, 'invalid');
});

test('an exception with a future expiry allows; an expired one does not and says so', async (t) => {
  const m = benignModel(t);
  const base = ['gate', m.model, '--policy', 'baseline', '--environment', 'prod'];
  const live = await run([...base, '--exceptions', exceptionsFile(m.dir, '2999-12-31')]);
  assert.equal(live.code, 0, live.out + live.err);
  assert.match(live.out, /WAIVED baseline\/signature-trusted/);
  assert.match(live.out, /exception until 2999-12-31, approved by security@example.com/);
  const other = await run([
    'gate',
    m.model,
    '--policy',
    'atlas',
    '--exceptions',
    exceptionsFile(m.dir, '2999-12-31'),
  ]);
  assert.match(other.err, /the exception for baseline\/signature-trusted names no rule of the packs given/);
  const expired = await run([...base, '--exceptions', exceptionsFile(m.dir, '2020-01-31')]);
  assert.equal(expired.code, 1);
  assert.match(expired.out, /exception EXPIRED on 2020-01-31/);
});

test('SARIF output, and the decision recorded in the ledger with a new checkpoint', async (t) => {
  const m = benignModel(t);
  const ledger = join(m.dir, 'ledger', 'ledger.db');
  assert.equal((await run(['ledger', 'init', '--ledger', ledger])).code, 0);
  const result = await run([
    'gate',
    m.model,
    '--policy',
    'baseline',
    '--ledger',
    ledger,
    '--record',
    '--format',
    'sarif',
  ]);
  assert.equal(result.code, 0, result.err);
  const sarif = JSON.parse(result.out);
  assert.equal(sarif.version, '2.1.0');
  assert.ok(
    sarif.runs[0].results.some(
      (r: { ruleId: string; level: string }) =>
        r.ruleId === 'baseline/signature-trusted' && r.level === 'warning',
    ),
  );
  assert.match(result.err, /Decision recorded in .* at index 0/);
  // Signed by another key (--ledger-key), appended after the first one.
  const { privateKey } = generateKeyPairSync('ed25519');
  const gateKey = join(m.dir, 'gate-key.pem');
  writeFileSync(gateKey, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const second = await run([
    'gate',
    m.model,
    '--policy',
    'baseline',
    '--ledger',
    ledger,
    '--record',
    '--ledger-key',
    gateKey,
  ]);
  assert.match(second.err, /at index 1/);
  // The ledger still verifies against its trusted checkpoint, and both decisions name the model.
  const verified = await run(['ledger', 'verify', '--ledger', ledger]);
  assert.equal(verified.code, 0, verified.out + verified.err);
  const store = new SqliteLogStore(ledger);
  t.after(() => store.close());
  const log = new TransparencyLog(store, 'ledger.example/test');
  const digest = JSON.parse((await run(['gate', m.model, '--policy', 'baseline', '--format', 'json'])).out)
    .artifact.digest;
  assert.equal(findProvenance(log, digest).entries['policy-decision'], 2);
});

test('usage errors exit 2 with a message that says what to do', async () => {
  const cases: [string[], RegExp][] = [
    [['gate', SAFETENSORS], /needs --policy/],
    [['gate', SAFETENSORS, '--policy', 'nope'], /No built-in policy pack "nope"/],
    [
      ['gate', SAFETENSORS, '--policy', 'baseline', '--environment', 'production'],
      /--environment takes dev, staging, prod/,
    ],
    [
      ['gate', SAFETENSORS, '--policy', 'baseline', '--origin', 'mine'],
      /--origin takes in-house or third-party/,
    ],
    [['gate', '/no/such/model', '--policy', 'baseline'], /No such file or directory/],
    [['gate', SAFETENSORS, '--policy', 'baseline', '--record'], /give both/],
    [['gate', SAFETENSORS, '--policy', 'baseline', '--ledger-key', 'k.pem'], /give --record too/],
    [['gate', SAFETENSORS, '--policy', 'baseline', '--ledger', '/no/such/ledger.db'], /ledger init/],
    [['gate', SAFETENSORS, '--policy', './missing-pack.yaml'], /Cannot read the policy pack/],
  ];
  for (const [args, message] of cases) {
    const result = await run(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.err}`);
    assert.match(result.err, message);
  }
});

test('evaluation reports of palisade drift become facts a pack reads', async (t) => {
  const m = benignModel(t);
  const reference = join(m.dir, 'reference.csv');
  const current = join(m.dir, 'current.csv');
  const rows = (shift: number) =>
    [
      'x,label',
      ...Array.from({ length: 200 }, (_, i) => `${((i * 37) % 100) / 10 + shift},${i % 3 === 0 ? 'a' : 'b'}`),
    ].join('\n');
  writeFileSync(reference, rows(0));
  writeFileSync(current, rows(5));
  const report = join(m.dir, 'drift.json');
  const drift = await run([
    'drift',
    '--reference',
    reference,
    '--current',
    current,
    '--format',
    'json',
    '-o',
    report,
  ]);
  assert.equal(drift.code, 0, drift.err);
  const result = await run([
    'gate',
    m.model,
    '--policy',
    'eu-ai-act-high-risk',
    '--evaluation',
    report,
    '--format',
    'json',
  ]);
  const decision = JSON.parse(result.out);
  assert.equal(decision.facts.evaluations.drift.status, 'failed');
  const rule = decision.results.find(
    (r: { rule: string }) => r.rule === 'eu-ai-act-high-risk/art72-no-data-drift',
  );
  assert.equal(rule.outcome, 'fail');
  assert.equal(rule.effect, 'warn');
  const none = await run(['gate', m.model, '--policy', 'eu-ai-act-high-risk', '--format', 'json']);
  const skipped = JSON.parse(none.out).results.find(
    (r: { rule: string }) => r.rule === 'eu-ai-act-high-risk/art72-no-data-drift',
  );
  assert.equal(skipped.outcome, 'not-applicable');
  writeFileSync(join(m.dir, 'plain.json'), '{"accuracy": 0.9}');
  const bad = await run(['gate', m.model, '--policy', 'baseline', '--evaluation', join(m.dir, 'plain.json')]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /carries no evaluation facts/);
});

test('a palisade pii report of the training data: a secret denies, personal data warns', async (t) => {
  const m = benignModel(t);
  const data = join(m.dir, 'train.csv');
  writeFileSync(
    data,
    'name,email,note\nann,ann@example.com,ok\nbob,bob@example.org,token ghp_8fK2mQ9xL4vT7nR1pZ6wY3cH5jB0dA2sE4gU\n',
  );
  const report = join(m.dir, 'pii.json');
  const pii = await run(['pii', data, '--format', 'json', '-o', report]);
  assert.ok(pii.code === 0 || pii.code === 1, pii.err);
  const result = await run(['gate', m.model, '--policy', 'baseline', '--evaluation', report]);
  assert.equal(result.code, 1, result.out + result.err);
  assert.match(result.out, /DENY\s+baseline\/no-secrets-in-data/);
  assert.match(
    result.out,
    /WARN\s+baseline\/personal-data-reviewed[^\n]*\n\s+personal data found: EMAIL_ADDRESS, GITHUB_TOKEN/,
  );
});
