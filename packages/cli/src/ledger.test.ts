import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import {
  cosignatureSigner,
  ed25519PublicFromSeed,
  formatVerifierKey,
  MemoryWitnessStore,
  parseVerifierKey,
  SqliteLogStore,
  TransparencyLog,
  Witness,
} from '@palisade/ledger';
import { runMain } from '@palisade/testing';
import { main } from './main.ts';

const run = (args: string[]) => runMain(main, args);

/** A workspace with a ledger, a model, a dataset and a git repository written by hand (no git binary needed). */
async function workspace(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-ledger-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ledger = join(dir, 'state', 'ledger.db');
  const model = join(dir, 'model');
  const data = join(dir, 'data');
  const code = join(dir, 'code');
  mkdirSync(model);
  mkdirSync(data);
  mkdirSync(join(code, '.git', 'refs', 'heads'), { recursive: true });
  writeFileSync(join(model, 'weights.bin'), Buffer.alloc(1024, 3));
  writeFileSync(join(data, 'train.csv'), 'text,label\nfine,1\n');
  writeFileSync(join(code, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(
    join(code, '.git', 'packed-refs'),
    `# pack-refs with: peeled\n${'d'.repeat(40)} refs/heads/main\n`,
  );
  writeFileSync(
    join(code, '.git', 'config'),
    '[core]\n\tbare = false\n[remote "upstream"]\n\turl = https://example.com/fork.git\n[remote "origin"]\n\turl = https://user:token@github.com/acme/train.git\n',
  );
  const init = await run(['ledger', 'init', '--ledger', ledger, '--origin', 'ledger.example/ml']);
  assert.equal(init.code, 0, init.err);
  return { dir, ledger, model, data, code };
}

test('init writes the log key with 0600 permissions and refuses to overwrite a ledger', async (t) => {
  const { ledger } = await workspace(t);
  const stateDir = join(ledger, '..');
  assert.deepEqual(readdirSync(stateDir).sort(), [
    'ledger.checkpoint',
    'ledger.db',
    'ledger.key',
    'ledger.pub',
  ]);
  assert.equal(statSync(join(stateDir, 'ledger.key')).mode & 0o777, 0o600);
  assert.match(readFileSync(join(stateDir, 'ledger.pub'), 'utf8'), /^ledger\.example\/ml\+[0-9a-f]{8}\+/);
  const again = await run(['ledger', 'init', '--ledger', ledger]);
  assert.equal(again.code, 2);
  assert.match(again.err, /already exists/);
  // A database written without keys (e.g. by a library caller) is adopted, its history checkpointed.
  const bare = join(stateDir, 'bare.db');
  const store = new SqliteLogStore(bare);
  new TransparencyLog(store, 'x').append([new TextEncoder().encode('decision')]);
  store.close();
  const adopted = await run(['ledger', 'init', '--ledger', bare, '--origin', 'ledger.example/adopted']);
  assert.equal(adopted.code, 0, adopted.err);
  assert.match(adopted.out, /^Adopted the existing ledger/);
  assert.equal((await run(['ledger', 'verify', '--ledger', bare])).code, 0);
  const missing = await run(['ledger', 'verify', '--ledger', join(stateDir, 'none.db')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /palisade ledger init/);
});

test('attest provenance records model ← dataset, code, base model; the proof checks offline; lineage shows it', async (t) => {
  const { dir, ledger, model, data, code } = await workspace(t);
  const attested = await run([
    'attest',
    'provenance',
    '--ledger',
    ledger,
    '--model',
    model,
    '--dataset',
    data,
    '--code',
    code,
    '-f',
    'json',
  ]);
  assert.equal(attested.code, 0, attested.err);
  const first = JSON.parse(attested.out);
  assert.equal(first.index, 0);
  assert.match(first.entryDigest, /^sha256:[0-9a-f]{64}$/);
  // The remote is origin's, without the embedded credentials; the commit comes from packed-refs.
  assert.deepEqual(first.code, {
    uri: 'git+https://github.com/acme/train.git',
    commit: 'd'.repeat(40),
    ref: 'refs/heads/main',
  });
  // The model digest is the one `palisade sign` signs.
  assert.equal(first.model, `sha256:${execDigest(model)}`);
  assert.equal(first.proof, `${model}.tlog-proof`);

  const tuned = join(dir, 'tuned.safetensors');
  writeFileSync(tuned, Buffer.alloc(64, 9));
  const second = await run([
    'attest',
    'provenance',
    '--ledger',
    ledger,
    '--model',
    tuned,
    '--base-model',
    model,
  ]);
  assert.equal(second.code, 0, second.err);
  assert.match(second.out, /as ledger entry 1\n/);
  assert.match(second.out, new RegExp(`Base model: +${first.model}`));

  const checked = await run([
    'ledger',
    'check-proof',
    `${model}.tlog-proof`,
    '--ledger',
    ledger,
    '--model',
    model,
  ]);
  assert.equal(checked.code, 0, checked.out + checked.err);
  assert.match(checked.out, /checks: entry 0 \(provenance\)/);
  // With only the verifier key, elsewhere: still checks. Against another model: fails with exit 1.
  const vkey = readFileSync(join(ledger, '..', 'ledger.pub'), 'utf8').trim();
  const offline = await run([
    'ledger',
    'check-proof',
    `${model}.tlog-proof`,
    '--log-key',
    vkey,
    '--ledger',
    join(dir, 'nowhere.db'),
  ]);
  assert.equal(offline.code, 0, offline.out + offline.err);
  const wrong = await run([
    'ledger',
    'check-proof',
    `${model}.tlog-proof`,
    '--ledger',
    ledger,
    '--model',
    tuned,
  ]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.out, /not the model/);

  const text = await run(['lineage', tuned, '--ledger', ledger]);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /\n {2}← base-model sha256:[0-9a-f]{64} \(model\) \[entry 1\]\n/);
  assert.match(text.out, /\n {4}← dataset sha256:[0-9a-f]{64} \(dataset:data\) \[entry 0\]\n/);
  assert.match(
    text.out,
    /\n {4}← code gitCommit:d{40} \(git\+https:\/\/github\.com\/acme\/train\.git@refs\/heads\/main\) \[entry 0\]\n/,
  );
  const down = await run(['lineage', first.model, '--ledger', ledger, '-f', 'json']);
  assert.deepEqual(JSON.parse(down.out).descendants, [
    JSON.parse((await run(['lineage', tuned, '--ledger', ledger, '-f', 'json'])).out).root,
  ]);
  const dot = await run(['lineage', first.model, '--ledger', ledger, '-f', 'dot']);
  assert.match(dot.out, /^digraph lineage \{[\s\S]* -> [\s\S]*\}\n$/);
});

/** The OMS root digest of a one-file directory: SHA-256 over the file's SHA-256. */
function execDigest(model: string): string {
  const file = createHash('sha256')
    .update(readFileSync(join(model, 'weights.bin')))
    .digest();
  return createHash('sha256').update(file).digest('hex');
}

test('append takes statements, envelopes and OMS bundles; prove prints a proof check-proof accepts', async (t) => {
  const { dir, ledger, model } = await workspace(t);
  const statement = join(dir, 'scan.json');
  writeFileSync(
    statement,
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'model', digest: { sha256: 'a'.repeat(64) } }],
      predicateType: 'https://palisade.dev/attestation/scan-result/v1',
      predicate: {
        scanner: { name: 'palisade', version: '0.1.0' },
        findings: { critical: 0, high: 0, medium: 0, low: 0, info: 1 },
        scannedOn: '2026-01-02T03:04:05Z',
      },
    }),
  );
  const key = join(dir, 'key.pem');
  execFileSync('openssl', [
    'ecparam',
    '-name',
    'prime256v1',
    '-genkey',
    '-noout',
    '-out',
    join(dir, 'sec1.pem'),
  ]);
  execFileSync('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', join(dir, 'sec1.pem'), '-out', key]);
  const signed = await run(['sign', model, '--key', key]);
  assert.equal(signed.code, 0, signed.err);
  const pub = join(dir, 'pub.pem');
  execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
  // An envelope signed by a key the ledger was not told about is refused.
  const unknownSigner = await run(['ledger', 'append', join(model, 'model.sig'), '--ledger', ledger]);
  assert.equal(unknownSigner.code, 2);
  assert.match(unknownSigner.err, /not signed by the log key or a --signer-key/);
  const appended = await run([
    'ledger',
    'append',
    statement,
    join(model, 'model.sig'),
    '--signer-key',
    pub,
    '--ledger',
    ledger,
    '-f',
    'json',
  ]);
  assert.equal(appended.code, 0, appended.err);
  const rows = JSON.parse(appended.out).entries;
  assert.deepEqual(
    rows.map((r: { kind: string }) => r.kind),
    ['scan-result', 'model-signature'],
  );
  const proof = await run(['ledger', 'prove', rows[1].digest, '--ledger', ledger]);
  assert.equal(proof.code, 0, proof.err);
  assert.match(proof.out, /^c2sp\.org\/tlog-proof@v1\nextra [A-Za-z0-9+/=]+\nindex 1\n/);
  const file = join(dir, 'sig.tlog-proof');
  writeFileSync(file, proof.out);
  // The OMS signature is the user's ECDSA key, not the log key: trusted only with --signer-key.
  const untrusted = await run(['ledger', 'check-proof', file, '--ledger', ledger, '--model', model]);
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.out, /not signed by the log key/);
  const trusted = await run([
    'ledger',
    'check-proof',
    file,
    '--ledger',
    ledger,
    '--model',
    model,
    '--signer-key',
    pub,
  ]);
  assert.equal(trusted.code, 0, trusted.out + trusted.err);
  // By subject digest: the newest entry about it.
  const bySubject = await run(['ledger', 'prove', 'a'.repeat(64), '--ledger', ledger]);
  assert.match(bySubject.out, /\nindex 0\n/);
  const unknown = await run(['ledger', 'prove', 'b'.repeat(64), '--ledger', ledger]);
  assert.equal(unknown.code, 2);
  // A changed entry in the extra line no longer matches the signed checkpoint.
  const tampered = proof.out.replace(/^extra (\S+)$/m, (_, b64: string) => {
    const entry = JSON.parse(Buffer.from(b64, 'base64').toString());
    entry.signatures[0].keyid = 'x';
    return `extra ${Buffer.from(JSON.stringify(entry)).toString('base64')}`;
  });
  writeFileSync(file, tampered);
  const bad = await run(['ledger', 'check-proof', file, '--ledger', ledger]);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /does not prove leaf 1/);
  const garbage = await run(['ledger', 'append', join(model, 'weights.bin'), '--ledger', ledger]);
  assert.equal(garbage.code, 2);
  const deep = join(dir, 'deep.json');
  writeFileSync(deep, `{"_type":${'['.repeat(5000)}${']'.repeat(5000)}}`);
  const nested = await run(['ledger', 'append', deep, '--ledger', ledger]);
  assert.notEqual(nested.code, 0);
  assert.match(nested.err, /nests deeper/);
});

test('verify exits 1 naming the first changed entry, and catches a rolled-back file', async (t) => {
  const { dir, ledger, model } = await workspace(t);
  for (let i = 0; i < 3; i++) {
    writeFileSync(join(model, 'weights.bin'), Buffer.alloc(16, i));
    assert.equal((await run(['attest', 'provenance', '--ledger', ledger, '--model', model])).code, 0);
  }
  const old = join(dir, 'old.db');
  // A copy taken after 3 entries, then 2 more entries and checkpoints.
  copyFileSync(ledger, old);
  for (let i = 3; i < 5; i++) {
    writeFileSync(join(model, 'weights.bin'), Buffer.alloc(16, i));
    assert.equal((await run(['attest', 'provenance', '--ledger', ledger, '--model', model])).code, 0);
  }
  const good = await run(['ledger', 'verify', '--ledger', ledger]);
  assert.equal(good.code, 0, good.out);
  assert.match(good.out, /verified: 5 entries/);

  const db = new DatabaseSync(ledger);
  db.prepare(
    "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), 'a', 'b') AS BLOB) WHERE idx = 3",
  ).run();
  db.close();
  const edited = await run(['ledger', 'verify', '--ledger', ledger, '-f', 'json']);
  assert.equal(edited.code, 1);
  assert.equal(JSON.parse(edited.out).firstBadIndex, 3);

  // Roll the database back to the older copy: it is consistent on its own, but not with ledger.checkpoint.
  copyFileSync(old, ledger);
  rmSync(`${ledger}-wal`, { force: true });
  rmSync(`${ledger}-shm`, { force: true });
  const rolledBack = await run(['ledger', 'verify', '--ledger', ledger]);
  assert.equal(rolledBack.code, 1);
  assert.match(rolledBack.out, /history changed at entry 3/);
  assert.match(rolledBack.out, /rolled back/);
  // And the ledger will not sign over the rolled-back file: ledger.checkpoint still holds size 5.
  const refused = await run(['ledger', 'checkpoint', '--ledger', ledger]);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /refusing to sign a checkpoint inconsistent with the one of size 5/);
});

test('checkpoint and export-tiles publish the log as c2sp.org/tlog-tiles static files', async (t) => {
  const { dir, ledger, model } = await workspace(t);
  assert.equal((await run(['attest', 'provenance', '--ledger', ledger, '--model', model])).code, 0);
  const checkpoint = await run(['ledger', 'checkpoint', '--ledger', ledger]);
  assert.match(checkpoint.out, /^ledger\.example\/ml\n1\n[A-Za-z0-9+/]{43}=\n\n— ledger\.example\/ml /);
  const out = join(dir, 'public');
  const exported = await run(['ledger', 'export-tiles', out, '--ledger', ledger]);
  assert.equal(exported.code, 0, exported.err);
  assert.equal(readFileSync(join(out, 'checkpoint'), 'utf8'), checkpoint.out);
  assert.equal(readFileSync(join(out, 'tile', '0', '000.p', '1')).length, 32);
  const bundle = readFileSync(join(out, 'tile', 'entries', '000.p', '1'));
  assert.equal(bundle.readUInt16BE(0), bundle.length - 2);
  const again = await run(['ledger', 'export-tiles', out, '--ledger', ledger]);
  assert.match(again.out, /1 files written, 2 immutable files already there/);
  const usage = await run(['ledger', 'frobnicate', '--ledger', ledger]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /init, append, verify/);
});

test('check-proof enforces witness cosignatures; prove works without the log key from the stored checkpoint', async (t) => {
  const { dir, ledger, model } = await workspace(t);
  assert.equal((await run(['attest', 'provenance', '--ledger', ledger, '--model', model])).code, 0);
  const proofFile = `${model}.tlog-proof`;
  const proof = readFileSync(proofFile, 'utf8');
  const checkpoint = proof.slice(proof.indexOf('\n\n') + 2);
  const vkey = readFileSync(join(ledger, '..', 'ledger.pub'), 'utf8').trim();
  const seed = new Uint8Array(32).fill(7);
  const witness = new Witness(
    cosignatureSigner('witness.example', seed),
    new Map([['ledger.example/ml', parseVerifierKey(vkey)]]),
    new MemoryWitnessStore(),
  );
  const cosigned = witness.addCheckpoint(`old 0\n\n${checkpoint}`);
  assert.equal(cosigned.status, 200, cosigned.body);
  const witnessKey = formatVerifierKey('witness.example', 0x04, ed25519PublicFromSeed(seed));
  const without = await run([
    'ledger',
    'check-proof',
    proofFile,
    '--ledger',
    ledger,
    '--witness',
    witnessKey,
  ]);
  assert.equal(without.code, 1);
  assert.match(without.out, /0 of 1 required cosignatures/);
  writeFileSync(proofFile, `${proof}${cosigned.body}`);
  const witnessed = await run([
    'ledger',
    'check-proof',
    proofFile,
    '--ledger',
    ledger,
    '--witness',
    witnessKey,
  ]);
  assert.equal(witnessed.code, 0, witnessed.out + witnessed.err);
  // A reader without ledger.key proves from the latest stored checkpoint.
  const key = join(ledger, '..', 'ledger.key');
  renameSync(key, join(dir, 'away.key'));
  const proved = await run([
    'ledger',
    'prove',
    JSON.parse((await run(['lineage', model, '--ledger', ledger, '-f', 'json'])).out).root,
    '--ledger',
    ledger,
  ]);
  assert.equal(proved.code, 0, proved.err);
  assert.match(proved.out, /\nindex 0\n/);
});

test('attest provenance signs with the user key given by --key; check-proof trusts it only with --signer-key', async (t) => {
  const { dir, ledger, model } = await workspace(t);
  const key = join(dir, 'ed.pem');
  const pub = join(dir, 'ed-pub.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
  execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
  const attested = await run([
    'attest',
    'provenance',
    '--ledger',
    ledger,
    '--model',
    model,
    '--key',
    key,
    '--builder-id',
    'https://ci.example/7',
    '--invocation-id',
    'run-7',
  ]);
  assert.equal(attested.code, 0, attested.err);
  const proof = `${model}.tlog-proof`;
  const untrusted = await run(['ledger', 'check-proof', proof, '--ledger', ledger]);
  assert.equal(untrusted.code, 1);
  const trusted = await run([
    'ledger',
    'check-proof',
    proof,
    '--ledger',
    ledger,
    '--signer-key',
    pub,
    '-f',
    'json',
  ]);
  assert.equal(trusted.code, 0, trusted.out);
  assert.equal(JSON.parse(trusted.out).signers.length, 1);
  // Lineage checks each edge's signature the same way.
  const base = join(dir, 'base.bin');
  writeFileSync(base, 'base weights');
  const tuned = await run([
    'attest',
    'provenance',
    '--ledger',
    ledger,
    '--model',
    model,
    '--base-model',
    base,
    '--key',
    key,
  ]);
  assert.equal(tuned.code, 0, tuned.err);
  const unverified = await run(['lineage', model, '--ledger', ledger]);
  assert.match(unverified.out, /← base-model sha256:[0-9a-f]{64} \(base\.bin\) \[entry 1 UNVERIFIED\]/);
  const verified = await run(['lineage', model, '--ledger', ledger, '--signer-key', pub]);
  assert.match(verified.out, /← base-model sha256:[0-9a-f]{64} \(base\.bin\) \[entry 1\]/);
  const missing = await run(['attest', 'provenance', '--ledger', ledger]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /needs --model/);
  const notGit = await run([
    'attest',
    'provenance',
    '--ledger',
    ledger,
    '--model',
    model,
    '--code',
    join(dir, 'state'),
  ]);
  assert.equal(notGit.code, 2);
});

test('an OMS bundle too large for an entry is logged by reference, and its proof checks against the model', async (t) => {
  const { dir, ledger } = await workspace(t);
  const model = join(dir, 'many');
  mkdirSync(model);
  for (let i = 0; i < 400; i++) writeFileSync(join(model, `shard-${i}.bin`), String(i));
  const key = join(dir, 'k.pem');
  const pub = join(dir, 'k-pub.pem');
  execFileSync('openssl', [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    key,
  ]);
  execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
  assert.equal((await run(['sign', model, '--key', key])).code, 0);
  assert.ok(statSync(join(model, 'model.sig')).size > 65_535);
  const appended = await run([
    'ledger',
    'append',
    join(model, 'model.sig'),
    '--signer-key',
    pub,
    '--ledger',
    ledger,
    '-f',
    'json',
  ]);
  assert.equal(appended.code, 0, appended.err);
  const [row] = JSON.parse(appended.out).entries;
  assert.equal(row.kind, 'model-signature');
  const proof = await run([
    'ledger',
    'prove',
    row.digest,
    '--ledger',
    ledger,
    '-o',
    join(dir, 'many.tlog-proof'),
  ]);
  assert.equal(proof.code, 0, proof.err);
  const checked = await run([
    'ledger',
    'check-proof',
    join(dir, 'many.tlog-proof'),
    '--ledger',
    ledger,
    '--model',
    model,
  ]);
  assert.equal(checked.code, 0, checked.out + checked.err);
});

test('cosign: a witness cosigns consistent checkpoints, proofs carry it, and it refuses a rolled-back ledger', async (t) => {
  const { dir, ledger, model } = await workspace(t);
  const args = [
    '--ledger',
    ledger,
    '--witness-key',
    join(dir, 'w.key'),
    '--witness-state',
    join(dir, 'w.db'),
  ];
  assert.equal((await run(['attest', 'provenance', '--ledger', ledger, '--model', model])).code, 0);
  const first = await run(['ledger', 'cosign', ...args, '--witness-name', 'witness.example', '-f', 'json']);
  assert.equal(first.code, 0, first.out + first.err);
  const { witness, created } = JSON.parse(first.out);
  assert.equal(created, true);
  assert.match(witness, /^witness\.example\+[0-9a-f]{8}\+/);
  assert.equal(statSync(join(dir, 'w.key')).mode & 0o777, 0o600);
  const copy = join(dir, 'copy.db');
  copyFileSync(ledger, copy);
  writeFileSync(join(model, 'weights.bin'), 'v2');
  assert.equal((await run(['attest', 'provenance', '--ledger', ledger, '--model', model])).code, 0);
  assert.equal((await run(['ledger', 'cosign', ...args])).code, 0);
  const proof = await run([
    'ledger',
    'prove',
    JSON.parse((await run(['lineage', model, '--ledger', ledger, '-f', 'json'])).out).root,
    '--ledger',
    ledger,
    '-o',
    join(dir, 'p.proof'),
  ]);
  assert.equal(proof.code, 0, proof.err);
  const witnessed = await run([
    'ledger',
    'check-proof',
    join(dir, 'p.proof'),
    '--ledger',
    ledger,
    '--witness',
    witness,
  ]);
  assert.equal(witnessed.code, 0, witnessed.out);
  assert.equal((await run(['ledger', 'verify', '--ledger', ledger])).code, 0);
  // The ledger rolled back to the copy: the witness, which saw size 2, refuses it.
  copyFileSync(copy, ledger);
  rmSync(`${ledger}-wal`, { force: true });
  rmSync(`${ledger}-shm`, { force: true });
  rmSync(join(ledger, '..', 'ledger.checkpoint'));
  const refused = await run(['ledger', 'cosign', ...args]);
  assert.equal(refused.code, 1);
  assert.match(refused.out, /refused the checkpoint \(409\)/);
});
