import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mutateBytes, xorshift32 } from '@palisade/testing';
import { randomAccessReader } from '../io/chunk-reader.ts';
import { BytesRandomAccess } from '../io/random-access.ts';
import { joblibBuildEffect } from './joblib.ts';
import { PickleMachine } from './machine.ts';
import { OPCODES } from './opcodes.ts';

/**
 * Mutation fuzzing of the pickle machine: byte flips, opcode substitutions, memo-index and length-field
 * corruption, splices and truncations of real pickles. Every input must end in a result (complete or with a
 * fatal anomaly) — never an exception, never a hang — with bounded memory. FUZZ_SECONDS runs it longer.
 */
const CORPUS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/corpus/generated');
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 4);
const OPCODE_BYTES = OPCODES.flatMap((info, code) => (info ? [code] : []));

function seeds(): Uint8Array[] {
  const handmade = [
    "cos\nsystem\n(S'id'\ntR.",
    '\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93.',
    '(lp0\nI1\naI2\nag0\na.',
    '\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01K\x01X\x01\x00\x00\x00bq\x02]q\x03(K\x02G@\x00\x00\x00\x00\x00\x00\x00eu.',
  ].map((s) => Uint8Array.from(s, (c) => c.charCodeAt(0)));
  const found: Uint8Array[] = [];
  for (const folder of ['benign', 'mal_pickle', 'mal_control']) {
    const dir = join(CORPUS, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!/\.(pkl|dat|sav)$/.test(name)) continue;
      found.push(new Uint8Array(readFileSync(join(dir, name)).subarray(0, 1 << 16)));
    }
  }
  return [...handmade, ...found];
}

test(`pickle machine survives mutated pickles for ${SECONDS}s without throwing or hanging`, async () => {
  const pool = seeds();
  assert.ok(pool.length >= 4);
  const random = xorshift32(0x5eed);
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  let complete = 0;
  while (Date.now() < deadline || runs < 101) {
    const input = mutateBytes(pool[Math.floor(random() * pool.length)] ?? new Uint8Array(), random, {
      tokens: OPCODE_BYTES,
      pool,
    });
    const machine = new PickleMachine(randomAccessReader(new BytesRandomAccess(input)), {
      onEvent: () => {},
      onAnomaly: () => {},
      afterBuild: joblibBuildEffect,
      limits: { maxStackDepth: 100_000, maxMemoEntries: 100_000 },
    });
    const started = Date.now();
    for (let i = 0; i < 8 && !(await machine.atEnd()); i++) {
      const run = await machine.run();
      if (run.complete) complete++;
      else break;
    }
    assert.ok(Date.now() - started < 2000, `input took too long: ${Buffer.from(input).toString('base64')}`);
    runs++;
  }
  assert.ok(runs > 100, `only ${runs} runs`);
  assert.ok(complete > 0, 'no mutated input parsed to STOP: the mutator is too destructive to be useful');
});
