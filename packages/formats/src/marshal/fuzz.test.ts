import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isPalisadeError } from '@palisade/core';
import { mutateBytes, xorshift32 } from '@palisade/testing';
import { codeReferences, readMarshal } from './marshal.ts';

/**
 * Mutation fuzzing of the marshal reader with code objects written by Python 2.7 and 3.6–3.13: byte flips, type
 * codes, extreme lengths, references, splices, truncations. Every input must end in a value or a PalisadeError,
 * quickly. FUZZ_SECONDS runs it longer.
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 2);
const TYPE_CODES = [...'0NFT.Siilfgxys tuaAzZ)([{<>:rc?'].map((c) => c.charCodeAt(0));
/** Type codes, also with the FLAG_REF bit (0x80) that marshal sets on shared objects. */
const MARSHAL_TOKENS = TYPE_CODES.flatMap((code) => [code, code | 0x80]);

function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) {
    const { samples } = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as {
      samples: { marshal: string }[];
    };
    for (const s of samples) out.push(new Uint8Array(Buffer.from(s.marshal, 'base64')));
  }
  return out;
}

test(`marshal reader survives mutated code objects for ${SECONDS}s`, () => {
  const pool = seeds();
  assert.ok(pool.length >= 30);
  const random = xorshift32(0x3a75);
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  let parsed = 0;
  while (Date.now() < deadline || runs < 101) {
    const input = mutateBytes(pool[Math.floor(random() * pool.length)] ?? new Uint8Array(), random, {
      tokens: MARSHAL_TOKENS,
      pool,
    });
    const started = Date.now();
    try {
      const result = readMarshal(input, { limits: { maxObjects: 100_000 } });
      codeReferences(result.value);
      parsed++;
    } catch (error) {
      assert.ok(
        isPalisadeError(error),
        `not a PalisadeError for ${Buffer.from(input).toString('base64')}: ${error}`,
      );
    }
    assert.ok(Date.now() - started < 1000, `input took too long: ${Buffer.from(input).toString('base64')}`);
    runs++;
  }
  assert.ok(runs > 100, `only ${runs} runs`);
  assert.ok(parsed > 0, 'no mutated input parsed: the mutator is too destructive to be useful');
});
