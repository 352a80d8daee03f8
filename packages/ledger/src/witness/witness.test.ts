import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fuzzSeconds, mutateBytes, xorshift32 } from '@palisade/testing';
import { encodeBase64 } from '../bytes.ts';
import { consistencyProof } from '../merkle/proof.ts';
import { MemoryHashSource, treeHash } from '../merkle/source.ts';
import { signCheckpoint, verifyCheckpoint } from '../note/checkpoint.ts';
import { cosignatureSigner, cosignatureVerifier } from '../note/cosignature.ts';
import { ed25519PublicFromSeed, ed25519Signer, ed25519Verifier } from '../note/ed25519.ts';
import { MemoryWitnessStore, SqliteWitnessStore, Witness, type WitnessStore } from './witness.ts';

const origin = 'ledger.example/log';
const seed = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);
const logSigner = ed25519Signer(origin, seed(1));
const logKey = ed25519Verifier(origin, ed25519PublicFromSeed(seed(1)));
const witnessSigner = cosignatureSigner('witness.example', seed(2), () => 1_700_000_000n);
const witnessKey = cosignatureVerifier('witness.example', ed25519PublicFromSeed(seed(2)));
const dir = mkdtempSync(join(tmpdir(), 'palisade-witness-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const tree = new MemoryHashSource();
for (let i = 0; i < 20; i++) tree.append(new Uint8Array([i]));

function checkpoint(size: number, signer = logSigner, root = treeHash(tree, size)): string {
  return signCheckpoint({ origin, size, rootHash: root, extensions: [] }, [signer]);
}

function request(
  old: number,
  size: number,
  note = checkpoint(size),
  proof = old > 0 && old < size ? consistencyProof(tree, old, size) : [],
): string {
  return `old ${old}\n${proof.map((h) => `${encodeBase64(h)}\n`).join('')}\n${note}`;
}

function witness(store: WitnessStore = new MemoryWitnessStore()): Witness {
  return new Witness(witnessSigner, new Map([[origin, logKey]]), store);
}

test('a witness cosigns consistent checkpoints and the cosignature verifies', () => {
  const w = witness();
  const first = w.addCheckpoint(request(0, 5));
  assert.equal(first.status, 200, first.body);
  assert.match(first.body, /^— witness\.example [A-Za-z0-9+/]+=*\n$/);
  const cosigned = `${checkpoint(5)}${first.body}`;
  assert.equal(
    verifyCheckpoint(cosigned, { log: logKey, witnesses: [witnessKey], witnessThreshold: 1 }).witnesses[0],
    'witness.example',
  );
  assert.equal(w.addCheckpoint(request(5, 12)).status, 200);
  // The same checkpoint again is fine (freshness); a smaller or stale old size is not.
  assert.equal(w.addCheckpoint(request(12, 12)).status, 200);
});

test('each failure gets its c2sp.org/tlog-witness status', () => {
  const w = witness();
  assert.equal(w.addCheckpoint(request(0, 5)).status, 200);
  assert.equal(w.addCheckpoint('garbage').status, 400);
  const unknown = signCheckpoint(
    { origin: 'other.example/log', size: 1, rootHash: treeHash(tree, 1), extensions: [] },
    [ed25519Signer('other.example/log', seed(1))],
  );
  assert.equal(w.addCheckpoint(request(0, 1, unknown)).status, 404);
  assert.equal(w.addCheckpoint(request(5, 8, checkpoint(8, ed25519Signer(origin, seed(9))))).status, 403);
  assert.equal(w.addCheckpoint(request(9, 8)).status, 400);
  const stale = w.addCheckpoint(request(3, 8));
  assert.deepEqual([stale.status, stale.contentType, stale.body], [409, 'text/x.tlog.size', '5\n']);
  // Same size, another root: a split view.
  const fork = w.addCheckpoint(request(5, 5, checkpoint(5, logSigner, treeHash(tree, 6))));
  assert.equal(fork.status, 409);
  assert.notEqual(fork.contentType, 'text/x.tlog.size');
  // A wrong proof, and a proof for the wrong sizes.
  assert.equal(w.addCheckpoint(request(5, 8, checkpoint(8), consistencyProof(tree, 4, 8))).status, 422);
  assert.equal(w.addCheckpoint(request(5, 8, checkpoint(8, logSigner, treeHash(tree, 9)))).status, 422);
  // A non-empty proof from size 0, and a size-0 checkpoint with a root that is not the empty root.
  const fresh = witness();
  assert.equal(fresh.addCheckpoint(request(0, 8, checkpoint(8), consistencyProof(tree, 4, 8))).status, 422);
  assert.equal(fresh.addCheckpoint(request(0, 0, checkpoint(0, logSigner, treeHash(tree, 3)))).status, 422);
  assert.equal(fresh.addCheckpoint(request(0, 0, checkpoint(0))).status, 200);
  // The failed requests changed nothing: the state is still size 5.
  assert.equal(w.addCheckpoint(request(5, 8)).status, 200);
});

test('the SQLite witness store keeps its state across restarts and swaps atomically', () => {
  const path = join(dir, 'witness.db');
  const store = new SqliteWitnessStore(path);
  assert.equal(witness(store).addCheckpoint(request(0, 7)).status, 200);
  store.close();
  const reopened = new SqliteWitnessStore(path);
  assert.equal(reopened.get(origin)?.size, 7);
  assert.equal(reopened.compareAndSwap(origin, 3, { size: 9, rootHash: treeHash(tree, 9) }), false);
  assert.equal(witness(reopened).addCheckpoint(request(0, 9)).body, '7\n');
  assert.equal(witness(reopened).addCheckpoint(request(7, 9)).status, 200);
  reopened.close();
});

test('fuzz: add-checkpoint answers every mutated request with a status and never throws', () => {
  const random = xorshift32(0x77e5_0001);
  const seeds = [request(0, 5), request(5, 12), request(12, 12)].map((text) =>
    new TextEncoder().encode(text),
  );
  const deadline = Date.now() + fuzzSeconds(1) * 1000;
  let runs = 0;
  while (Date.now() < deadline || runs < 1) {
    const store = new MemoryWitnessStore();
    const w = witness(store);
    assert.equal(w.addCheckpoint(request(0, 5)).status, 200);
    const base = seeds[Math.floor(random() * seeds.length)] as Uint8Array;
    const input = mutateBytes(base, random, {
      tokens: [0x0a, 0x20, 0x2b, 0x2f, 0x3d, 0x30],
      pool: seeds,
      maxRounds: 4,
    });
    const response = w.addCheckpoint(new TextDecoder().decode(input));
    assert.ok([200, 400, 403, 404, 409, 422].includes(response.status));
    // Whatever was accepted, the witness only ever remembers a head of the real tree.
    const state = store.get(origin);
    assert.ok(state !== undefined && Buffer.from(state.rootHash).equals(treeHash(tree, state.size)));
    runs++;
  }
  assert.ok(runs > 0);
});
