import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TransparencyLog } from '../log/log.ts';
import { type LogStore, MemoryReferenceIndex, SqliteLogStore } from '../log/store.ts';
import { dsseSigner, dsseVerifier } from './dsse.ts';
import { signStatement } from './entry.ts';
import { formatLineageDot, formatLineageText, lineage } from './lineage.ts';
import { entriesForDependency, entriesForSubject, entriesWithDigest, findProvenance } from './lookup.ts';
import { policyDecisionStatement } from './predicates.ts';
import { type TrainingRun, trainingProvenance } from './slsa.ts';

const dir = mkdtempSync(join(tmpdir(), 'palisade-lookup-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const keys = generateKeyPairSync('ed25519');
const signer = dsseSigner(keys.privateKey);
const trusted = [dsseVerifier(keys.publicKey)];
const hex = (seed: string): string => createHash('sha256').update(seed).digest('hex');
const builderId = 'https://ci.example/runner';
let counter = 0;

function open(path = join(dir, `l-${counter++}.db`)) {
  const store = new SqliteLogStore(path);
  return { path, store, log: new TransparencyLog(store, 'ledger.example/test') };
}

function train(model: string, inputs: Partial<TrainingRun>): Uint8Array {
  return signStatement(
    trainingProvenance({ model: { name: model, sha256: hex(model) }, builderId, ...inputs }),
    signer,
  );
}

/** base ← (imdb, code) fine-tuned ← distilled; plus an unrelated model and raw non-attestation bytes. */
function history(log: TransparencyLog): void {
  log.append([new TextEncoder().encode('not an attestation')]);
  log.append([train('base', { datasets: [{ name: 'web', sha256: hex('web') }] })]);
  log.append([
    train('tuned', {
      datasets: [{ name: 'imdb', sha256: hex('imdb') }],
      code: { uri: 'git+https://example.com/train', gitCommit: 'c'.repeat(40) },
      baseModel: { sha256: hex('base') },
    }),
    train('other', {}),
  ]);
  log.append([train('distilled', { baseModel: { sha256: hex('tuned') } })]);
}

test('entries are found by subject and by dependency digest, and the index survives reopening', (t) => {
  const { path, store, log } = open();
  t.after(() => store.close());
  history(log);
  assert.deepEqual(
    entriesForSubject(log, `sha256:${hex('tuned')}`).map((e) => e.index),
    [2],
  );
  assert.deepEqual(
    entriesForSubject(log, hex('tuned')).map((e) => e.index),
    [2],
  );
  assert.deepEqual(
    entriesForDependency(log, hex('base')).map((e) => e.index),
    [2],
  );
  assert.deepEqual(
    entriesForDependency(log, 'c'.repeat(40)).map((e) => e.index),
    [2],
  );
  assert.deepEqual(entriesForSubject(log, hex('nothing')), []);
  // Every entry, attestation or not, is found by the digest of its bytes.
  const raw = new TextEncoder().encode('not an attestation');
  assert.deepEqual(entriesWithDigest(log, createHash('sha256').update(raw).digest('hex')), [0]);
  assert.equal(store.indexedSize(), 5);
  // A later append is picked up on the next lookup, also from another connection.
  const again = open(path);
  t.after(() => again.store.close());
  again.log.append([train('tuned', { datasets: [{ name: 'imdb-v2', sha256: hex('imdb2') }] })]);
  // The first handle still sees the size it had; a fresh one sees the new entry.
  assert.deepEqual(
    entriesForSubject(log, hex('tuned')).map((e) => e.index),
    [2],
  );
  const fresh = new TransparencyLog(store, 'ledger.example/test');
  assert.deepEqual(
    entriesForSubject(fresh, hex('tuned')).map((e) => e.index),
    [2, 5],
  );
});

test('a store without an index of its own gets one in memory', (t) => {
  const { store } = open();
  t.after(() => store.close());
  const plain: LogStore = {
    size: () => store.size(),
    append: (from, leaves, nodes) => store.append(from, leaves, nodes),
    node: (level, index) => store.node(level, index),
    scanEntries: () => store.scanEntries(),
    readEntries: (start, end) => store.readEntries(start, end),
    saveCheckpoint: (size, note) => store.saveCheckpoint(size, note),
    checkpoints: () => store.checkpoints(),
  };
  const log = new TransparencyLog(plain, 'ledger.example/test');
  assert.ok(log.index instanceof MemoryReferenceIndex);
  history(log);
  assert.deepEqual(
    entriesForDependency(log, hex('tuned')).map((e) => e.index),
    [4],
  );
  assert.equal(store.indexedSize(), 0);
});

test('findProvenance gives the facts a policy gate needs', (t) => {
  const { store, log } = open();
  t.after(() => store.close());
  history(log);
  const facts = findProvenance(log, hex('tuned'), { keys: trusted });
  assert.equal(facts.present, true);
  assert.equal(facts.verified, true);
  assert.equal(facts.index, 2);
  assert.equal(facts.builderId, builderId);
  assert.equal(facts.baseModel, `sha256:${hex('base')}`);
  assert.deepEqual(facts.datasets, [`sha256:${hex('imdb')}`]);
  assert.deepEqual(facts.code, { commit: 'c'.repeat(40), uri: 'git+https://example.com/train' });
  assert.deepEqual(facts.entries, { provenance: 1 });
  // Signed by a key nobody trusts: present but not verified.
  assert.equal(
    findProvenance(log, hex('tuned'), { keys: [dsseVerifier(generateKeyPairSync('ed25519').publicKey)] })
      .verified,
    false,
  );
  assert.equal(findProvenance(log, hex('tuned')).verified, false);
  const none = findProvenance(log, hex('unknown'), { keys: trusted });
  assert.deepEqual([none.present, none.verified], [false, false]);
  // Decisions appended later are counted by kind.
  log.append([
    signStatement(
      policyDecisionStatement(
        { digest: { sha256: hex('tuned') } },
        { decision: 'allow', policy: { name: 'prod' }, rules: [], decidedOn: '2026-01-02T03:04:05Z' },
      ),
      signer,
    ),
  ]);
  assert.deepEqual(findProvenance(log, hex('tuned'), { keys: trusted }).entries, {
    provenance: 1,
    'policy-decision': 1,
  });
});

test('lineage walks ancestors and descendants and renders text and DOT', (t) => {
  const { store, log } = open();
  t.after(() => store.close());
  history(log);
  const graph = lineage(log, hex('tuned'), { keys: trusted });
  assert.deepEqual(
    new Set(graph.ancestors),
    new Set([
      `sha256:${hex('imdb')}`,
      `gitCommit:${'c'.repeat(40)}`,
      `sha256:${hex('base')}`,
      `sha256:${hex('web')}`,
    ]),
  );
  assert.deepEqual(graph.descendants, [`sha256:${hex('distilled')}`]);
  assert.ok(!graph.nodes.some((n) => n.digest === `sha256:${hex('other')}`));
  assert.deepEqual(graph.edges.map((e) => `${e.role} ${e.entry}`).sort(), [
    'base-model 2',
    'base-model 4',
    'code 2',
    'dataset 1',
    'dataset 2',
  ]);
  const text = formatLineageText(graph);
  assert.match(
    text,
    /^sha256:[0-9a-f]{64} \(tuned\)\nLedger entries: provenance \[entry 2\]\nTrained from:\n/,
  );
  assert.match(text, /\n {2}← dataset sha256:[0-9a-f]{64} \(dataset:imdb\) \[entry 2\]\n/);
  assert.match(text, /\n {2}← code gitCommit:c{40} \(git\+https:\/\/example.com\/train\) \[entry 2\]\n/);
  assert.match(text, /\n {2}← base-model sha256:[0-9a-f]{64} \(base\) \[entry 2\]\n/);
  assert.match(text, / {4}← dataset sha256:[0-9a-f]{64} \(dataset:web\) \[entry 1\]/);
  assert.match(text, /Used by:\n {2}→ base-model sha256:[0-9a-f]{64} \(distilled\) \[entry 4\]/);
  assert.ok(graph.edges.every((e) => e.signers.length === 1));
  assert.doesNotMatch(text, /UNVERIFIED/);
  // Without trusted keys every edge is marked, in text and in DOT.
  const untrusted = lineage(log, hex('tuned'));
  assert.match(formatLineageText(untrusted), /\[entry 2 UNVERIFIED\]/);
  assert.equal(formatLineageDot(untrusted).match(/style=dashed, color=red/g)?.length, 5);
  const dot = formatLineageDot(graph);
  assert.match(dot, /^digraph lineage \{/);
  assert.equal(dot.match(/ -> /g)?.length, 5);
  assert.match(dot, /label="base\\nsha256:/);
  const lonely = formatLineageText(lineage(log, hex('other')));
  assert.match(
    lonely,
    /Trained from:\n {2}\(its provenance names no inputs\)\nUsed by:\n {2}\(nothing recorded\)/,
  );
  assert.match(
    formatLineageText(lineage(log, hex('unknown'))),
    /Ledger entries: none\nTrained from:\n {2}\(no provenance recorded\)/,
  );
});

test('lineage of a digest that provenance cycles back to terminates', (t) => {
  const { store, log } = open();
  t.after(() => store.close());
  log.append([
    train('a', { baseModel: { sha256: hex('b') } }),
    train('b', { baseModel: { sha256: hex('a') } }),
  ]);
  const graph = lineage(log, hex('a'));
  assert.equal(graph.edges.length, 2);
  assert.match(formatLineageText(graph), /\(cycle\)/);
});
