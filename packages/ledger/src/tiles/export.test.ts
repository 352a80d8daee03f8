import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TransparencyLog } from '../log/log.ts';
import { SqliteLogStore } from '../log/store.ts';
import { leafHash } from '../merkle/hash.ts';
import { inclusionProof } from '../merkle/proof.ts';
import { verifyCheckpoint } from '../note/checkpoint.ts';
import { generateEd25519Key, parseSignerKey, parseVerifierKey } from '../note/keys.ts';
import { entryBundle, parseEntryBundle, publishedFiles } from './export.ts';
import { TileHashSource, tilePath } from './tiles.ts';

const dir = mkdtempSync(join(tmpdir(), 'palisade-tiles-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const origin = 'ledger.example/tiles';
const { skey, vkey } = generateEd25519Key(origin);

test('a SQLite log published as tiles serves the same proofs, and bundles give back the entries', (t) => {
  const store = new SqliteLogStore(join(dir, 'a.db'));
  t.after(() => store.close());
  const log = new TransparencyLog(store, origin);
  const entries = Array.from({ length: 600 }, (_, i) => new TextEncoder().encode(`entry ${i}`));
  log.append(entries.slice(0, 600));
  const note = log.checkpoint(parseSignerKey(skey));
  const files = new Map([...publishedFiles(log, note)].map((f) => [f.path, f.data]));
  assert.deepEqual([...files.keys()].sort(), [
    'checkpoint',
    'tile/0/000',
    'tile/0/001',
    'tile/0/002.p/88',
    'tile/1/000.p/2',
    'tile/entries/000',
    'tile/entries/001',
    'tile/entries/002.p/88',
  ]);
  const checkpoint = verifyCheckpoint(files.get('checkpoint') as Uint8Array, { log: parseVerifierKey(vkey) });
  const tiles = new TileHashSource(
    checkpoint.size,
    (tile) => files.get(tilePath(tile.level, tile.index, tile.width)) as Uint8Array,
  );
  for (const index of [0, 255, 256, 511, 599]) {
    assert.deepEqual(inclusionProof(tiles, index, 600), log.inclusionProof(index, 600));
    assert.deepEqual(tiles.leafHash(index), leafHash(entries[index] as Uint8Array));
  }
  const bundle = parseEntryBundle(files.get('tile/entries/002.p/88') as Uint8Array);
  assert.equal(bundle.length, 88);
  assert.deepEqual(bundle[87], entries[599]);
  // Already-published immutable files can be skipped; the checkpoint is always written.
  const again = [...publishedFiles(log, note, (path) => files.has(path))];
  assert.deepEqual(
    again.map((f) => f.path),
    ['checkpoint'],
  );
});

test('entry bundles refuse truncation and oversized entries', () => {
  const bundle = entryBundle([new Uint8Array([1, 2]), new Uint8Array()]);
  assert.deepEqual([...bundle], [0, 2, 1, 2, 0, 0]);
  assert.throws(() => parseEntryBundle(bundle.subarray(0, 3)), /ends inside an entry/);
  assert.throws(() => parseEntryBundle(new Uint8Array([0])), /ends inside a length/);
  assert.throws(() => entryBundle([new Uint8Array(70_000)]), /65,535/);
});
