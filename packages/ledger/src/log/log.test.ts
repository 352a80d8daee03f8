import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { consistencyProof, inclusionProof, verifyConsistency, verifyInclusion } from '../merkle/proof.ts';
import { MemoryHashSource, treeHash } from '../merkle/source.ts';
import { cosignatureSigner } from '../note/cosignature.ts';
import { generateEd25519Key, parseSignerKey, parseVerifierKey } from '../note/keys.ts';
import { addSignatures } from '../note/note.ts';
import { TransparencyLog } from './log.ts';
import { SqliteLogStore } from './store.ts';

const ORIGIN = 'ledger.example/test';
const { skey, vkey } = generateEd25519Key(ORIGIN);
const signer = parseSignerKey(skey);
const policy = { log: parseVerifierKey(vkey) };
const dir = mkdtempSync(join(tmpdir(), 'palisade-ledger-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function entry(i: number): Uint8Array {
  return new TextEncoder().encode(`{"v":1,"n":${i}}`);
}

function fresh(): { path: string; store: SqliteLogStore; log: TransparencyLog } {
  const path = join(dir, `log-${counter++}.db`);
  const store = new SqliteLogStore(path);
  return { path, store, log: new TransparencyLog(store, ORIGIN) };
}

function filled(n: number, checkpointEvery = 0): ReturnType<typeof fresh> {
  const made = fresh();
  for (let i = 0; i < n; i++) {
    made.log.append([entry(i)]);
    if (checkpointEvery > 0 && (i + 1) % checkpointEvery === 0) made.log.checkpoint(signer);
  }
  return made;
}

/** Runs raw SQL against the file behind the log's back, then reopens the log. */
function tamper(made: ReturnType<typeof fresh>, sql: string): TransparencyLog {
  made.store.close();
  const db = new DatabaseSync(made.path);
  db.exec(sql);
  db.close();
  return new TransparencyLog(new SqliteLogStore(made.path), ORIGIN);
}

describe('TransparencyLog on SqliteLogStore', () => {
  test('append, prove and verify', () => {
    const { store, log } = fresh();
    assert.equal(log.size, 0);
    assert.deepEqual(log.root(), treeHash(new MemoryHashSource()));
    assert.equal(log.append([entry(0), entry(1), entry(2)]), 0);
    assert.equal(log.append([]), 3);
    assert.equal(log.append([entry(3)]), 3);
    const root = log.root();
    for (let i = 0; i < 4; i++) verifyInclusion(i, 4, log.leafHash(i), log.inclusionProof(i), root);
    const old = log.root(3);
    verifyConsistency(3, 4, old, root, log.consistencyProof(3, 4));
    const cp = log.checkpoint(signer);
    assert.equal(log.latestCheckpoint(), cp);
    assert.deepEqual(log.verify(policy), { ok: true, size: 4, problems: [] });
    store.close();
  });

  test('reopened logs continue the same tree', () => {
    const made = filled(13);
    made.store.close();
    const log = new TransparencyLog(new SqliteLogStore(made.path), ORIGIN);
    log.append([entry(13), entry(14)]);
    const memory = new MemoryHashSource();
    for (let i = 0; i < 15; i++) memory.append(entry(i));
    assert.deepEqual(log.root(), treeHash(memory));
    assert.equal(log.verify(policy).ok, true);
  });

  test('proofs equal those from MemoryHashSource for random sizes', () => {
    const { log } = fresh();
    const memory = new MemoryHashSource();
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const batch = Array.from({ length: 1 + random(40) }, (_, i) => entry(memory.size + i));
      log.append(batch);
      for (const e of batch) memory.append(e);
      const n = memory.size;
      assert.deepEqual(log.root(), treeHash(memory));
      for (let k = 0; k < 5; k++) {
        const size = 1 + random(n);
        const index = random(size);
        assert.deepEqual(log.inclusionProof(index, size), inclusionProof(memory, index, size));
        const m = 1 + random(size);
        assert.deepEqual(log.consistencyProof(m, size), consistencyProof(memory, m, size));
      }
    }
  });

  test('refuses bad ranges and oversized entries', () => {
    const { log } = filled(3);
    assert.throws(() => log.inclusionProof(3, 3), { code: 'INPUT_INVALID' });
    assert.throws(() => log.root(4), { code: 'INPUT_INVALID' });
    assert.throws(() => log.append([new Uint8Array(70_000)]), { code: 'INPUT_INVALID' });
    assert.equal(log.size, 3);
  });
});

describe('verify names where history was changed', () => {
  test('an edited entry', () => {
    const made = filled(20, 5);
    const log = tamper(made, "UPDATE entries SET entry = X'00' WHERE idx = 11");
    const result = log.verify(policy);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadIndex, 11);
    assert.match(result.problems[0] ?? '', /entry 11 .*edited/);
  });

  test('an edited entry with its leaf hash recomputed', () => {
    const made = filled(20, 5);
    made.store.close();
    const db = new DatabaseSync(made.path);
    const forged = new TextEncoder().encode('forged');
    const hash = new MemoryHashSource();
    hash.append(forged);
    db.prepare('UPDATE entries SET entry = ?, leaf_hash = ? WHERE idx = 13').run(forged, hash.leafHash(0));
    db.close();
    const result = new TransparencyLog(new SqliteLogStore(made.path), ORIGIN).verify(policy);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadIndex, 12); // the stored pair hash over entries 12–13 no longer matches
    assert.match(result.problems.join('\n'), /12–13/);
  });

  test('a deleted entry', () => {
    const result = tamper(filled(20, 5), 'DELETE FROM entries WHERE idx = 7').verify(policy);
    assert.equal(result.firstBadIndex, 7);
    assert.match(result.problems[0] ?? '', /entry 7 is missing/);
  });

  test('the last entries deleted', () => {
    const result = tamper(filled(20, 5), 'DELETE FROM entries WHERE idx >= 18').verify(policy);
    assert.equal(result.firstBadIndex, 18);
    assert.equal(result.ok, false);
  });

  test('two entries swapped', () => {
    const made = filled(20, 5);
    const result = tamper(
      made,
      `UPDATE entries SET idx = -1 WHERE idx = 4; UPDATE entries SET idx = 4 WHERE idx = 9;
       UPDATE entries SET idx = 9 WHERE idx = -1;`,
    ).verify(policy);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadIndex, 4);
  });

  test('an entry inserted in the middle', () => {
    const result = tamper(
      filled(20, 5),
      `UPDATE entries SET idx = -idx - 1 WHERE idx >= 6; UPDATE entries SET idx = -idx WHERE idx < 0;
       INSERT INTO entries (idx, leaf_hash, entry) SELECT 6, leaf_hash, entry FROM entries WHERE idx = 0;`,
    ).verify(policy);
    assert.equal(result.ok, false);
    assert.equal(result.firstBadIndex, 6);
  });

  test('an entry inserted at the end', () => {
    const result = tamper(
      filled(20, 5),
      'INSERT INTO entries (idx, leaf_hash, entry) SELECT 20, leaf_hash, entry FROM entries WHERE idx = 0',
    ).verify(policy);
    assert.equal(result.firstBadIndex, 20);
    assert.match(result.problems[0] ?? '', /inserted/);
  });

  test('a forged checkpoint', () => {
    const made = filled(10, 5);
    const other = parseSignerKey(generateEd25519Key(ORIGIN).skey);
    made.log.checkpoint(other);
    const result = made.log.verify(policy);
    assert.equal(result.ok, false);
    assert.match(result.problems.join('\n'), /checkpoint does not verify/);
  });

  test('a file rolled back to an older copy', () => {
    const made = filled(12, 4);
    const copy = `${made.path}.old`;
    made.store.close();
    copyFileSync(made.path, copy);
    const log = new TransparencyLog(new SqliteLogStore(made.path), ORIGIN);
    log.append([entry(12), entry(13)]);
    const published = log.checkpoint(signer); // kept outside the database, e.g. by a witness
    const rolledBack = new TransparencyLog(new SqliteLogStore(copy), ORIGIN);
    assert.equal(rolledBack.verify(policy).ok, true); // alone, an older copy is self-consistent
    const result = rolledBack.verify(policy, { trusted: [published] });
    assert.equal(result.ok, false);
    assert.equal(result.firstBadIndex, 12);
    assert.match(result.problems[0] ?? '', /size 14 is ahead of the 12 entries/);
  });

  test('a rewritten history under a trusted checkpoint', () => {
    const made = filled(8);
    const published = made.log.checkpoint(signer);
    made.store.close();
    rmSync(made.path);
    const forged = new TransparencyLog(new SqliteLogStore(made.path), ORIGIN);
    forged.append(Array.from({ length: 8 }, (_, i) => entry(i === 5 ? 99 : i)));
    const result = forged.verify(policy, { trusted: [published] });
    assert.equal(result.ok, false);
    assert.match(result.problems[0] ?? '', /size 8 does not match/);
  });
});

test('a stored checkpoint can gain cosignatures, never a different text', () => {
  const made = filled(4);
  const note = made.log.checkpoint(signer);
  const witness = cosignatureSigner('w.example', new Uint8Array(32).fill(3), () => 1n);
  const cosigned = addSignatures(note, [witness]);
  made.log.saveCosignedCheckpoint(cosigned);
  assert.equal(made.log.latestCheckpoint(), cosigned);
  assert.equal(made.log.verify(policy).ok, true);
  made.log.append([entry(4)]);
  const other = addSignatures(made.log.checkpoint(signer), [witness]);
  assert.throws(
    () => made.log.saveCosignedCheckpoint(other.replace('\n5\n', '\n4\n')),
    /signed no checkpoint with this text at size 4/,
  );
});

describe('the log never signs two inconsistent checkpoints', () => {
  test('a checkpoint covers what another process appended meanwhile (no false rollback alarm)', () => {
    const made = filled(3);
    const other = new TransparencyLog(new SqliteLogStore(made.path), ORIGIN);
    other.append([entry(3), entry(4)]);
    other.checkpoint(signer);
    const note = made.log.checkpoint(signer);
    assert.match(note, /^ledger\.example\/test\n5\n/);
    assert.equal(made.log.size, 5);
    made.log.append([entry(5)]);
    assert.equal(made.log.verify(policy).ok, true);
  });

  test('a rolled-back or forked store is refused, against its own latest checkpoint or one kept elsewhere', () => {
    const made = filled(12, 4);
    const copy = `${made.path}.old`;
    made.store.close();
    copyFileSync(made.path, copy);
    const log = new TransparencyLog(new SqliteLogStore(made.path), ORIGIN);
    log.append([entry(12), entry(13)]);
    const published = log.checkpoint(signer);
    log.append([entry(14)]);
    assert.match(log.checkpoint(signer, [published]), /^ledger\.example\/test\n15\n/);
    // The older copy grows differently: its own checkpoints are fine, the one published elsewhere is not.
    const rolledBack = new TransparencyLog(new SqliteLogStore(copy), ORIGIN);
    assert.throws(() => rolledBack.checkpoint(signer, [published]), /size 14 signed before: it is ahead/);
    rolledBack.append([entry(99), entry(98), entry(97)]);
    assert.throws(
      () => rolledBack.checkpoint(signer, [published]),
      /size 14 signed before: root-mismatch|size 14 signed before/,
    );
    // A stored checkpoint catches a store whose history was rewritten under it.
    const original = filled(8);
    const signed = original.log.checkpoint(signer);
    const forged = fresh();
    forged.log.append(Array.from({ length: 8 }, (_, i) => entry(i === 5 ? 99 : i)));
    forged.store.saveCheckpoint(8, signed);
    forged.log.append([entry(8)]);
    const reopened = forged.log;
    assert.throws(
      () => reopened.checkpoint(signer),
      /inconsistent with the one of size 8 signed before: root-mismatch/,
    );
  });
});
