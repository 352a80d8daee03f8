import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIALECTS, testDatabase } from '../db/test-databases.ts';
import { openAuditLedger } from './ledger.ts';
import { AuditTrail } from './trail.ts';

for (const dialect of DIALECTS) {
  test(`${dialect}: two servers appending to one audit ledger interleave without losing or forking events`, async (t) => {
    const opened = await testDatabase(dialect);
    if (opened === undefined) return t.skip('PostgreSQL is not reachable');
    t.after(() => opened.cleanup());
    const { db, dataDir } = opened;
    // On SQLite the second "server" is a second handle on the same files; on PostgreSQL, a second log object.
    const first = new AuditTrail(db, await openAuditLedger(db, dataDir));
    const second = new AuditTrail(db, await openAuditLedger(db, dataDir));
    const seqs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const trail = i % 2 === 0 ? first : second;
      seqs.push(
        await trail.record({ time: i, action: 'test', outcome: 'success', actor: { via: 'system' } }),
      );
    }
    assert.deepEqual(seqs, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await first.checkpoint();
    const verdict = await second.verify();
    assert.equal(verdict.ok, true, verdict.problems.join('; '));
    assert.equal(verdict.size, 10);
    assert.deepEqual(
      (await first.query({ limit: 100 })).map((e) => e.time),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    await first.close();
    await second.close();
  });
}
