import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xorshift32 } from '@palisade/testing';
import { buildGgufFixtures } from './fixtures/make-fixtures.ts';
import { parseGguf, readGguf } from './read-gguf.ts';

/**
 * Mutation fuzzing of the GGUF reader: byte flips, counts, lengths and type ids set to extremes, truncation,
 * splices. Every input must give a result (anomalies, never an exception) quickly, reading at most the metadata
 * limit. FUZZ_SECONDS runs it longer.
 */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 3);
const EXTREMES = [
  0n,
  1n,
  3n,
  4n,
  9n,
  12n,
  13n,
  0xffn,
  0x7fff_ffffn,
  0xffff_ffffn,
  1n << 62n,
  0xffff_ffff_ffff_ffffn,
];

function mutate(input: Uint8Array, random: () => number): Uint8Array {
  const out = new Uint8Array(input);
  const view = new DataView(out.buffer);
  const pick = (n: number) => Math.floor(random() * n);
  let length = out.length;
  for (let round = 1 + pick(4); round > 0; round--) {
    const at = pick(Math.max(1, out.length - 8));
    switch (pick(5)) {
      case 0:
        out[at] = (out[at] ?? 0) ^ (1 << pick(8));
        break;
      case 1:
        view.setBigUint64(at, EXTREMES[pick(EXTREMES.length)] ?? 0n, true);
        break;
      case 2:
        view.setUint32(at, Number((EXTREMES[pick(EXTREMES.length)] ?? 0n) & 0xffff_ffffn), true);
        break;
      case 3:
        length = pick(length + 1);
        break;
      default:
        out.copyWithin(at, pick(out.length), pick(out.length));
    }
  }
  return out.subarray(0, length);
}

test(`the GGUF reader survives mutated files for ${SECONDS}s`, async () => {
  const pool = Object.values(buildGgufFixtures());
  const random = xorshift32(0x6606);
  const deadline = Date.now() + SECONDS * 1000;
  const limits = { maxMetadataBytes: 1 << 20, maxStringBytes: 1 << 16, maxArrayDepth: 8 };
  let runs = 0;
  let loads = 0;
  while (Date.now() < deadline || runs < 101) {
    const input = mutate(pool[Math.floor(random() * pool.length)] ?? new Uint8Array(), random);
    const started = Date.now();
    const f = parseGguf(input, input.length, limits);
    let maxRead = 0;
    const viaRandom = await readGguf(
      {
        size: input.length,
        async read(offset, n) {
          maxRead = Math.max(maxRead, offset + n);
          return input.subarray(offset, offset + n);
        },
      },
      limits,
    );
    assert.ok(Date.now() - started < 1000, `slow input: ${Buffer.from(input).toString('base64')}`);
    assert.ok(maxRead <= limits.maxMetadataBytes);
    assert.deepEqual(
      viaRandom.anomalies.map((a) => a.kind),
      f.anomalies.map((a) => a.kind),
    );
    if (f.loads) loads++;
    runs++;
  }
  assert.ok(runs > 100, `only ${runs} runs`);
  assert.ok(loads > 0, 'no mutated file loaded: the mutator is too destructive to be useful');
});
