import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isPalisadeError } from '@palisade/core';
import { hashFileRange } from './hash.ts';
import { type HashProgress, type HashTask, hashInParallel } from './hash-pool.ts';
import { serializeModel } from './serialize.ts';

const work = mkdtempSync(join(tmpdir(), 'palisade-hash-pool-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A model of files whose sizes straddle the 1 MiB read buffer and shard boundaries, plus empty ones. */
function buildModel(name: string): string {
  const root = join(work, name);
  mkdirSync(join(root, 'sub/deeper'), { recursive: true });
  const sizes = [0, 1, 4095, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 17, 5_000_000];
  sizes.forEach((size, i) => {
    writeFileSync(join(root, `f${i}.bin`), randomBytes(size));
  });
  for (let i = 0; i < 40; i++) writeFileSync(join(root, 'sub/deeper', `small-${i}`), randomBytes(i * 37));
  writeFileSync(join(root, 'sub/big'), randomBytes(9_000_001));
  return root;
}

const model = buildModel('model');

test('worker threads give the serial hasher’s digests, for whole files and for shards', async () => {
  for (const method of ['files', 'shards'] as const) {
    const options = method === 'shards' ? { method, shardSize: 1_000_003 } : { method };
    const serial = await serializeModel(model, { ...options, concurrency: 1 });
    const parallel = await serializeModel(model, { ...options, concurrency: 3 });
    assert.deepEqual(parallel, serial);
    assert.ok(serial.resources.length > 40);
  }
});

test('pool digests equal hashFileRange and SHA-256 over the bytes, in task order', async () => {
  const path = join(model, 'sub/big');
  const tasks: HashTask[] = [
    { path, hashType: 'sha256', size: 9_000_001 },
    { path, hashType: 'sha256', start: 5, end: 2_000_000, size: 1_999_995 },
    { path: join(model, 'f0.bin'), hashType: 'sha256', size: 0 },
    { path, hashType: 'blake2b', start: 8_999_000, end: 9_000_001, size: 1001 },
  ];
  const digests = await hashInParallel(tasks, { threads: 2 });
  const expected = await Promise.all(tasks.map((t) => hashFileRange(t.path, t.hashType, t.start, t.end)));
  assert.deepEqual(digests, expected);
  assert.equal(digests[2], createHash('sha256').digest('hex'));
});

test('progress goes from zero to the totals, never backwards', async () => {
  const seen: HashProgress[] = [];
  const manifest = await serializeModel(model, { concurrency: 2, onProgress: (p) => seen.push(p) });
  const first = seen[0];
  const last = seen.at(-1);
  assert.ok(first && last);
  assert.equal(first.bytesDone, 0);
  assert.equal(last.tasksDone, manifest.resources.length);
  assert.equal(last.tasksTotal, manifest.resources.length);
  assert.equal(last.bytesDone, last.bytesTotal);
  for (let i = 1; i < seen.length; i++) {
    assert.ok((seen[i]?.bytesDone ?? 0) >= (seen[i - 1]?.bytesDone ?? 0));
  }
});

test('a file that vanished or shrank is an INPUT_UNREADABLE error from the pool, not a crash', async () => {
  const path = join(model, 'f6.bin');
  const big: HashTask = { path, hashType: 'sha256', size: 5_000_000 };
  const vanished: HashTask = { path: join(work, 'missing'), hashType: 'sha256', size: 1 };
  const shrank: HashTask = { path, hashType: 'sha256', start: 4_000_000, end: 6_000_000, size: 2_000_000 };
  for (const [bad, says] of [
    [vanished, /ENOENT/],
    [shrank, /ended at 5000000, before 6000000/],
  ] as const) {
    for (const threads of [1, 2]) {
      await assert.rejects(hashInParallel([big, bad, big], { threads }), (error: unknown) => {
        assert.ok(isPalisadeError(error));
        assert.equal(error.code, 'INPUT_UNREADABLE');
        assert.match(error.message, says);
        return true;
      });
    }
  }
});
