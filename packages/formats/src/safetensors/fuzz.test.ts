import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xorshift32 } from '@palisade/testing';
import { buildSafetensorsFixtures } from './fixtures/make-fixtures.ts';
import { parseSafetensorsHeader } from './header.ts';
import { readJson } from './json.ts';

/**
 * Mutation fuzzing of the safetensors header validator and its JSON reader: byte flips, JSON punctuation and
 * digits spliced in, length-field extremes, truncation. Every input must give a result (anomalies, never an
 * exception) quickly and without large allocations. FUZZ_SECONDS runs it longer.
 */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 3);
const JSON_BITS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  ':',
  '-',
  '0',
  '9',
  'e',
  '.',
  '\\',
  'u',
  'null',
  '"dtype"',
  '"F4"',
  '"__metadata__"',
  '18446744073709551616',
];

function mutate(input: Uint8Array, random: () => number): Uint8Array {
  const out = Array.from(input);
  const pick = (n: number) => Math.floor(random() * n);
  for (let round = 1 + pick(4); round > 0; round--) {
    const at = 8 + pick(Math.max(1, out.length - 8));
    switch (pick(6)) {
      case 0:
        out[at] = (out[at] ?? 0) ^ (1 << pick(8));
        break;
      case 1: {
        const bit = JSON_BITS[pick(JSON_BITS.length)] ?? '';
        out.splice(at, pick(3), ...Array.from(bit, (c) => c.charCodeAt(0)));
        break;
      }
      case 2: {
        const length =
          [0n, 1n, 7n, 100_000_000n, 100_000_001n, 1n << 62n, 0xffff_ffff_ffff_ffffn][pick(7)] ?? 0n;
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, length, true);
        out.splice(0, 8, ...b);
        break;
      }
      case 3:
        out.length = pick(out.length + 1);
        break;
      case 4:
        out.splice(at, 1 + pick(8));
        break;
      default: {
        // Shift the header length by a little so that it cuts into the data or the JSON.
        if (out.length < 8) break;
        const v = new DataView(Uint8Array.from(out.slice(0, 8)).buffer);
        const n = v.getBigUint64(0, true) + BigInt(pick(17) - 8);
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, n), true);
        out.splice(0, 8, ...b);
      }
    }
  }
  return Uint8Array.from(out);
}

test(`safetensors header validation survives mutated files for ${SECONDS}s`, () => {
  const pool = Object.values(buildSafetensorsFixtures()).filter((b) => b.length < 1 << 16);
  const random = xorshift32(0x5afe);
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  let loads = 0;
  while (Date.now() < deadline || runs < 101) {
    const input = mutate(pool[Math.floor(random() * pool.length)] ?? new Uint8Array(), random);
    const started = Date.now();
    const h = parseSafetensorsHeader(input, input.length);
    assert.ok(Date.now() - started < 1000, `slow input: ${Buffer.from(input).toString('base64')}`);
    if (h.loads) loads++;
    runs++;
  }
  assert.ok(runs > 100, `only ${runs} runs`);
  assert.ok(loads > 0, 'no mutated file validated: the mutator is too destructive to be useful');
});

test(`the JSON reader survives random JSON-like text for ${SECONDS}s`, () => {
  const random = xorshift32(0x75);
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  while (Date.now() < deadline || runs < 101) {
    let text = '';
    for (let n = Math.floor(random() * 200); n > 0; n--)
      text += JSON_BITS[Math.floor(random() * JSON_BITS.length)];
    const strict = readJson(text, { dialect: 'strict' });
    const python = readJson(text, { dialect: 'python' });
    assert.ok((strict.value === undefined) === (strict.error !== undefined));
    if (strict.value) assert.ok(python.value, `python refuses what strict accepts: ${text}`);
    runs++;
  }
  assert.ok(runs > 100);
});
