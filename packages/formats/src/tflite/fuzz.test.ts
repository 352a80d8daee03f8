import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { xorshift32 } from '@palisade/testing';
import { BytesRandomAccess } from '../io/random-access.ts';
import { readTfliteModel } from './model.ts';

/**
 * Mutation fuzzing of the flatbuffer reader through the TFLite decoder: offsets, vtable entries and vector
 * lengths set to extremes, byte flips, truncations and splices of real layouts. Every input must end in a
 * result (possibly with a problem) — never an exception, never a hang. FUZZ_SECONDS runs it longer.
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 4);

function mutate(input: Uint8Array, random: () => number, pool: readonly Uint8Array[]): Uint8Array {
  const out = Array.from(input);
  const pick = (n: number): number => Math.floor(random() * n);
  for (let round = 1 + pick(4); round > 0; round--) {
    // Offsets and lengths are 4-byte aligned words: hit them on the word most of the time.
    const at = pick(Math.max(1, out.length)) & (pick(4) === 0 ? ~0 : ~3);
    switch (pick(7)) {
      case 0:
        out[at] = (out[at] ?? 0) ^ (1 << pick(8));
        break;
      case 1: {
        const word =
          [0, 1, 4, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffc, 8, pick(out.length)][pick(9)] ?? 0;
        for (let i = 0; i < 4; i++) out[at + i] = (word >>> (8 * i)) & 0xff;
        break;
      }
      case 2: // a 16-bit vtable entry
        out[at] = [0, 2, 4, 0xff][pick(4)] ?? 0;
        out[at + 1] = [0, 0xff][pick(2)] ?? 0;
        break;
      case 3:
        out.length = at;
        break;
      case 4: {
        const other = pool[pick(pool.length)] ?? new Uint8Array();
        const from = pick(Math.max(1, other.length));
        out.splice(at, 0, ...other.subarray(from, from + 1 + pick(64)));
        break;
      }
      case 5:
        out.splice(at, 0, ...out.slice(at, at + 4 * (1 + pick(8))));
        break;
      default:
        out.splice(at, 1 + pick(8));
    }
  }
  return Uint8Array.from(out);
}

test(`TFLite flatbuffer reader survives mutated models for ${SECONDS}s`, async () => {
  const pool = readdirSync(FIXTURES)
    .filter((n) => n.endsWith('.tflite'))
    .map((n) => new Uint8Array(readFileSync(join(FIXTURES, n))));
  assert.ok(pool.length >= 8);
  const random = xorshift32(0xf1a7);
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  let clean = 0;
  while (Date.now() < deadline || runs < 101) {
    const input = mutate(pool[Math.floor(random() * pool.length)] ?? new Uint8Array(), random, pool);
    const started = Date.now();
    try {
      const info = await readTfliteModel(new BytesRandomAccess(input), { limits: { maxTables: 100_000 } });
      if (!info.problem) clean++;
    } catch (error) {
      assert.fail(`${String(error)} on input ${Buffer.from(input).toString('base64')}`);
    }
    assert.ok(Date.now() - started < 2000, `input took too long: ${Buffer.from(input).toString('base64')}`);
    runs++;
  }
  assert.ok(runs > 100, `only ${runs} runs`);
  assert.ok(clean > 0, 'no mutated input parsed: the mutator is too destructive to be useful');
});
