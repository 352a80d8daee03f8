import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { dsseSigner, dsseVerifier } from '../attest/dsse.ts';
import { signStatement } from '../attest/entry.ts';
import { trainingProvenance } from '../attest/slsa.ts';
import { consistencyProof, inclusionProof } from '../merkle/proof.ts';
import { MemoryHashSource, treeHash } from '../merkle/source.ts';
import { generateEd25519Key, parseSignerKey, parseVerifierKey } from '../note/keys.ts';
import { PostgresLog, type SqlPool } from './postgres.ts';

// PostgreSQL at 127.0.0.1:5432 (trust auth, database `test`) or PALISADE_TEST_POSTGRES; each run uses its own
// schema, dropped afterwards. Skipped, with the reason shown, only when the server cannot be reached (and
// PALISADE_REQUIRE_POSTGRES is not 1).
const URL = process.env.PALISADE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const ORIGIN = 'ledger.example/pg';
const { skey, vkey } = generateEd25519Key(ORIGIN);
const policy = { log: parseVerifierKey(vkey) };
const schema = `ledger_${randomBytes(6).toString('hex')}`;
type Pool = SqlPool & { end(): Promise<void> };
let admin: Pool | undefined;
const pools: Pool[] = [];
let unreachable = '';

async function connect(searchPath: string): Promise<Pool> {
  const pg = (await import('pg')).default;
  const made = new pg.Pool({ connectionString: URL, max: 2, options: `-c search_path=${searchPath}` });
  pools.push(made as unknown as Pool);
  return made as unknown as Pool;
}

before(async () => {
  const pg = (await import('pg')).default;
  const probe = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 2000 });
  try {
    await probe.connect();
    await probe.end();
  } catch (error) {
    unreachable = `PostgreSQL unreachable at ${URL}: ${(error as Error).message}`;
    // CI that provides PostgreSQL sets PALISADE_REQUIRE_POSTGRES=1, so a skip there is a failure.
    if (process.env.PALISADE_REQUIRE_POSTGRES === '1') throw new Error(unreachable);
    return;
  }
  admin = await connect('public');
});

after(async () => {
  if (admin === undefined) return;
  const { rows } = await admin.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE '${schema}%'`);
  for (const row of rows) await admin.query(`DROP SCHEMA ${String(row.nspname)} CASCADE`);
  for (const made of pools) await made.end();
});

const entry = (i: number): Uint8Array => new TextEncoder().encode(`{"n":${i}}`);

/** A log in schema `<run>_<name>`, through a pool of its own (as another machine would connect). */
async function fresh(name: string): Promise<PostgresLog> {
  await (admin as Pool).query(`CREATE SCHEMA IF NOT EXISTS ${schema}_${name}`);
  return PostgresLog.open(await connect(`${schema}_${name}`), ORIGIN);
}

describe('PostgresLog', () => {
  test('appends in batches; roots and proofs equal the in-memory tree; reopening continues the tree', async (t) => {
    if (admin === undefined) return t.skip(unreachable);
    const log = await fresh('a');
    const memory = new MemoryHashSource();
    for (let batch = 0; batch < 7; batch++) {
      const entries = Array.from({ length: 1 + batch * 5 }, (_, i) => entry(memory.size + i));
      assert.equal(await log.append(entries), memory.size);
      for (const e of entries) memory.append(e);
    }
    assert.equal(log.size, memory.size);
    for (const size of [1, 2, 17, memory.size])
      assert.deepEqual(await log.root(size), treeHash(memory, size));
    for (const index of [0, 5, 63, memory.size - 1])
      assert.deepEqual(await log.inclusionProof(index), inclusionProof(memory, index, memory.size));
    assert.deepEqual(await log.consistencyProof(13), consistencyProof(memory, 13, memory.size));
    const reopened = await fresh('a');
    assert.equal(reopened.size, memory.size);
    await reopened.append([entry(memory.size)]);
    memory.append(entry(memory.size));
    assert.deepEqual(await reopened.root(), treeHash(memory));
    assert.equal((await reopened.entries(memory.size - 1)).length, 1);
  });

  test('a stale writer is refused and picks up the new size', async (t) => {
    if (admin === undefined) return t.skip(unreachable);
    const one = await fresh('b');
    const two = await fresh('b');
    await one.append([entry(0), entry(1)]);
    await assert.rejects(two.append([entry(9)]), /log grew to 2 under a writer at 0/);
    assert.equal(two.size, 2);
    assert.equal(await two.append([entry(2)]), 2);
    // The first machine signs the tree as it is now, not the size it last saw.
    assert.match(await one.checkpoint(parseSignerKey(skey)), /^ledger\.example\/pg\n3\n/);
    assert.equal(await one.append([entry(3)]), 3);
  });

  test('verify passes, then names an edited entry and catches a rollback against a trusted checkpoint', async (t) => {
    if (admin === undefined) return t.skip(unreachable);
    const log = await fresh('c');
    const signer = parseSignerKey(skey);
    await log.append(Array.from({ length: 40 }, (_, i) => entry(i)));
    await log.checkpoint(signer);
    await log.append(Array.from({ length: 10 }, (_, i) => entry(40 + i)));
    const trusted = await log.checkpoint(signer);
    assert.deepEqual(await log.verify(policy), { ok: true, size: 50, problems: [] });
    const local = admin as Pool;
    await local.query(`UPDATE ${schema}_c.ledger_entries SET entry = $1 WHERE idx = 17`, [
      Buffer.from('{"n":"x"}'),
    ]);
    const edited = await log.verify(policy);
    assert.equal(edited.ok, false);
    assert.equal(edited.firstBadIndex, 17);
    await local.query(`UPDATE ${schema}_c.ledger_entries SET entry = $1 WHERE idx = 17`, [
      Buffer.from(entry(17)),
    ]);
    // Roll back: the last 10 entries, their nodes and the newer checkpoint vanish; only the trusted copy remains.
    await local.query(`DELETE FROM ${schema}_c.ledger_entries WHERE idx >= 40`);
    await local.query(`DELETE FROM ${schema}_c.ledger_nodes WHERE (idx + 1) * (2 ^ level)::bigint > 40`);
    await local.query(`DELETE FROM ${schema}_c.ledger_checkpoints WHERE size > 40`);
    await local.query(`UPDATE ${schema}_c.ledger_state SET size = 40`);
    const reopened = await fresh('c');
    const rolledBack = await reopened.verify(policy);
    assert.equal(rolledBack.ok, true);
    const caught = await (await fresh('c')).verify(policy, { trusted: [trusted] });
    assert.equal(caught.ok, false);
    assert.equal(caught.firstBadIndex, 40);
    // The log refuses to sign a checkpoint that contradicts one it signed before and that was kept elsewhere.
    await reopened.append([entry(99)]);
    await assert.rejects(reopened.checkpoint(signer, [trusted]), /inconsistent with the one of size 50/);
  });

  test('provenance lookups and lineage run on PostgreSQL as on SQLite', async (t) => {
    if (admin === undefined) return t.skip(unreachable);
    const log = await fresh('d');
    const keys = generateKeyPairSync('ed25519');
    const signer = dsseSigner(keys.privateKey);
    const hex = (seed: string): string => createHash('sha256').update(seed).digest('hex');
    const train = (model: string, base?: string) =>
      signStatement(
        trainingProvenance({
          model: { name: model, sha256: hex(model) },
          datasets: [{ name: 'web', sha256: hex('web') }],
          ...(base !== undefined ? { baseModel: { sha256: hex(base) } } : {}),
          builderId: 'https://ci.example/runner',
        }),
        signer,
      );
    await log.append([new TextEncoder().encode('raw bytes'), train('base'), train('tuned', 'base')]);
    await log.append([train('distilled', 'tuned')]);
    const facts = await log.findProvenance(hex('tuned'), { keys: [dsseVerifier(keys.publicKey)] });
    assert.deepEqual(
      [facts.present, facts.verified, facts.index, facts.baseModel],
      [true, true, 2, `sha256:${hex('base')}`],
    );
    assert.deepEqual(
      (await log.entriesForDependency(hex('web'))).map((e) => e.index),
      [1, 2, 3],
    );
    const graph = await log.lineage(hex('tuned'));
    assert.deepEqual(new Set(graph.ancestors), new Set([`sha256:${hex('base')}`, `sha256:${hex('web')}`]));
    assert.deepEqual(graph.descendants, [`sha256:${hex('distilled')}`]);
    // A second machine sees the same index without re-indexing what the first one did.
    const other = await fresh('d');
    assert.deepEqual(
      (await other.entriesForSubject(hex('distilled'))).map((e) => e.index),
      [3],
    );
  });
});
