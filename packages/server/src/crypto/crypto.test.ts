import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileBlobStore } from '../blobs/file-blob-store.ts';
import { TEST_TMP } from '../db/test-databases.ts';
import { LocalKeyProvider } from './key-provider.ts';
import { rewrap, seal, unseal } from './sealed-secret.ts';

function folder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(TEST_TMP, 'palisade-crypto-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function text(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += 10_000) yield bytes.subarray(i, i + 10_000);
  if (bytes.length === 0) yield bytes;
}

test('blobs are encrypted at rest in authenticated chunks, of any size, and read back exactly', async (t) => {
  const dir = folder(t);
  const keys = LocalKeyProvider.open(dir);
  const store = new FileBlobStore(join(dir, 'blobs'), keys);
  for (const size of [0, 1, 65_535, 65_536, 65_537, 200_000]) {
    const bytes = Buffer.alloc(size, 'a').map((_, i) => (i * 31) & 255);
    const blob = await store.put(once(Buffer.from(bytes)), 1 << 20);
    assert.equal(blob.size, size);
    assert.equal(await store.size(blob.digest), size);
    const onDisk = readFileSync(store.pathOf(blob.digest));
    if (size > 64)
      assert.equal(onDisk.includes(Buffer.from(bytes).subarray(0, 64)), false, 'no plaintext on disk');
    assert.deepEqual(await text(store.read(blob.digest)), Buffer.from(bytes), `size ${size}`);
  }
  const big = await store.put(once(Buffer.alloc(150_000, 7)), 1 << 20);
  const path = store.pathOf(big.digest);
  const original = readFileSync(path);
  const flipped = Buffer.from(original);
  flipped[flipped.length - 100] = (flipped[flipped.length - 100] ?? 0) ^ 1;
  writeFileSync(path, flipped);
  await assert.rejects(text(store.read(big.digest)), /chunk 2 fails authentication/);
  // Cut at a chunk boundary: the new last chunk was not sealed as final.
  writeFileSync(path, original.subarray(0, original.length - (150_000 - 2 * 65_536) - 16));
  await assert.rejects(text(store.read(big.digest)), /fails authentication/);
});

test('a wrapped key only unwraps for its own object; rotation re-wraps without re-encrypting', async (t) => {
  const dir = folder(t);
  const keys = LocalKeyProvider.open(dir);
  const sealed = seal(keys, 'JBSWY3DPEHPK3PXP', 'user:a:totp');
  assert.equal(unseal(keys, sealed, 'user:a:totp'), 'JBSWY3DPEHPK3PXP');
  assert.throws(() => unseal(keys, sealed, 'user:b:totp'), /does not unwrap/);
  const store = new FileBlobStore(join(dir, 'blobs'), keys);
  const blob = await store.put(once(Buffer.from('model bytes '.repeat(10_000))), 1 << 20);
  const before = readFileSync(store.pathOf(blob.digest));

  assert.equal(keys.rotate(), 2);
  assert.equal(await store.rewrap(blob.digest), true);
  assert.equal(await store.rewrap(blob.digest), false, 'already under the current key');
  const after = readFileSync(store.pathOf(blob.digest));
  assert.notDeepEqual(after.subarray(0, 77), before.subarray(0, 77), 'the key slot changed');
  assert.deepEqual(after.subarray(77), before.subarray(77), 'the ciphertext did not');
  assert.equal(after.readUInt32BE(5), 2);
  assert.equal((await text(store.read(blob.digest))).toString(), 'model bytes '.repeat(10_000));
  const moved = rewrap(keys, sealed, 'user:a:totp');
  assert.match(moved, /^pal-sealed:1:2:/);
  assert.equal(moved.split(':').at(-1), sealed.split(':').at(-1), 'same ciphertext');
  assert.equal(unseal(keys, moved, 'user:a:totp'), 'JBSWY3DPEHPK3PXP');
  // Another process (a running server) sees the rotation through the file.
  assert.equal(LocalKeyProvider.open(dir).currentVersion(), 2);
  assert.equal(
    (JSON.parse(readFileSync(join(dir, 'keys', 'kek.json'), 'utf8')) as { versions: unknown[] }).versions
      .length,
    2,
  );
});
