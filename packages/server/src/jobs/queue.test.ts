import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIALECTS, testDatabase } from '../db/test-databases.ts';
import { JobQueue, retryDelayMs } from './queue.ts';
import { JobWorker } from './worker.ts';

async function seeded(dialect: (typeof DIALECTS)[number]) {
  const opened = await testDatabase(dialect);
  if (opened === undefined) return undefined;
  const { db } = opened;
  await db.run(
    "INSERT INTO projects (id, name, description, created_at, created_by) VALUES ('p', 'p', '', 0, 'u')",
  );
  await db.run(
    "INSERT INTO artifacts (id, project_id, kind, name, created_at, created_by) VALUES ('a', 'p', 'model', 'm', 0, 'u')",
  );
  await db.run(
    "INSERT INTO versions (id, artifact_id, digest, stored, created_at, created_by) VALUES ('v', 'a', 'sha256:00', 1, 0, 'u')",
  );
  return { ...opened, queue: new JobQueue(db) };
}

for (const dialect of DIALECTS) {
  test(`${dialect}: a claim is exclusive, a lapsed lease is reclaimed, failures retry then fail`, async (t) => {
    const s = await seeded(dialect);
    if (s === undefined) return t.skip('PostgreSQL is not reachable');
    t.after(() => s.cleanup());
    const { queue } = s;
    const id = await queue.enqueue(
      { kind: 'scan', projectId: 'p', versionId: 'v', createdBy: 'u', maxAttempts: 2 },
      1000,
    );
    const first = await queue.claim(1000, 500);
    assert.equal(first?.id, id);
    assert.equal(first?.attempts, 1);
    assert.equal(await queue.claim(1200, 500), undefined, 'held by the first worker');
    assert.equal(await queue.renew(id, 1, 1400, 500), true);
    assert.equal(await queue.claim(1800, 500), undefined, 'the renewed lease still holds');
    // The first worker dies: its lease lapses and another worker takes the job over.
    const second = await queue.claim(1900, 500);
    assert.equal(second?.attempts, 2);
    assert.equal(await queue.renew(id, 1, 1950, 500), false, 'the dead worker’s attempt is void');
    assert.equal(await queue.complete(id, 1, { stale: true }, 1950), false);
    assert.equal(await queue.fail(id, 2, 'boom', 2000), 'failed', 'two attempts were allowed');
    assert.equal((await queue.get(id))?.error, 'boom');

    const retry = await queue.enqueue({ kind: 'scan', projectId: 'p', versionId: 'v', createdBy: 'u' }, 3000);
    await queue.claim(3000, 500);
    assert.equal(await queue.fail(retry, 1, 'flaky', 3000), 'queued');
    assert.equal(await queue.claim(3000 + retryDelayMs(1) - 1, 500), undefined, 'backing off');
    const again = await queue.claim(3000 + retryDelayMs(1), 500);
    assert.equal(again?.attempts, 2);
    assert.equal(await queue.complete(retry, 2, { findings: 0 }, 20_000), true);
    assert.deepEqual((await queue.get(retry))?.result, { findings: 0 });
    assert.deepEqual(await queue.counts(), { queued: 0, running: 0, succeeded: 1, failed: 1 });
    assert.equal((await queue.inProject('other', retry)) === undefined, true);
  });
}

test('the worker keeps to its concurrency limit, retries failures and times out hung attempts', async (t) => {
  const s = await seeded('sqlite');
  if (s === undefined) return;
  t.after(() => s.cleanup());
  const { queue } = s;
  const ids = await Promise.all(
    Array.from({ length: 6 }, () =>
      queue.enqueue({ kind: 'scan', projectId: 'p', versionId: 'v', createdBy: 'u' }, 0),
    ),
  );
  const hang = await queue.enqueue(
    { kind: 'scan', projectId: 'p', versionId: 'v', createdBy: 'u', maxAttempts: 1 },
    0,
  );
  let active = 0;
  let peak = 0;
  const tried = new Set<string>();
  const settled: string[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const worker = new JobWorker(
    queue,
    {
      scan: async (job) => {
        if (job.id === hang) return new Promise(() => {});
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        if (!tried.has(job.id)) {
          tried.add(job.id);
          throw new Error('first attempt fails');
        }
        return { ok: job.id };
      },
    },
    {
      concurrency: 2,
      timeoutMs: 50,
      leaseMs: 10 ** 12,
      pollMs: 5,
      // Retries are due at once: the test's clock jumps past every back-off.
      clock: () => Date.now() + 3_600_000 * (settled.length + 1),
      onSettled: (job, outcome) => {
        settled.push(`${job.id}:${outcome}`);
        if (settled.filter((x) => !x.endsWith(':queued')).length === 7) done();
      },
    },
  );
  worker.start();
  await finished;
  await worker.stop();
  assert.ok(peak <= 2, `at most 2 at once, saw ${peak}`);
  for (const id of ids) {
    const job = await queue.get(id);
    assert.equal(job?.state, 'succeeded');
    assert.equal(job?.attempts, 2);
  }
  const hung = await queue.get(hang);
  assert.equal(hung?.state, 'failed');
  assert.match(hung?.error ?? '', /timed out/);
});
