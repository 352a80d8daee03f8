import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isPalisadeError } from '@palisade/core';
import { xorshift32 } from '@palisade/testing';
import { codeReferences, readMarshal } from '../marshal/marshal.ts';
import { decodeKerasFunctionCode, parseKerasConfigJson, summarizeKerasConfig } from './config.ts';
import { readHdf5RootAttributesFromBytes } from './h5.ts';

/**
 * Mutation fuzzing of the HDF5-attribute path as the Keras analyzer uses it: bit flips, extreme values and
 * truncations of real Keras HDF5 files; then the config JSON and any Lambda bytecode found. Every input must end
 * in attributes or a PalisadeError (INPUT_INVALID, or TIMEOUT when the HDF5 library does not return), never an
 * exception or a hang. FUZZ_SECONDS runs it longer.
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 4);
const WANTED = ['model_config', 'training_config', 'keras_version', 'backend'];

function mutate(input: Uint8Array, random: () => number): Uint8Array {
  const out = Uint8Array.from(input);
  const pick = (n: number): number => Math.floor(random() * n);
  // The metadata (superblock, object headers, heaps) is in the first few kilobytes.
  const span = Math.min(out.length, 4096);
  for (let round = 1 + pick(6); round > 0; round--) {
    const at = pick(span);
    switch (pick(4)) {
      case 0:
        out[at] = (out[at] ?? 0) ^ (1 << pick(8));
        break;
      case 1:
        out[at] = [0, 1, 0x7f, 0x80, 0xff][pick(5)] ?? 0;
        break;
      case 2:
        out.fill(0xff, at, at + 1 + pick(8));
        break;
      default:
        return out.subarray(0, Math.max(8, at + pick(out.length - at)));
    }
  }
  return out;
}

function review(text: string): void {
  try {
    const summary = summarizeKerasConfig(parseKerasConfigJson(text));
    for (const fn of summary.functions) {
      if (fn.code === undefined) continue;
      try {
        codeReferences(readMarshal(decodeKerasFunctionCode(fn.code).bytes).value);
      } catch (error) {
        assert.ok(isPalisadeError(error), String(error));
      }
    }
  } catch (error) {
    assert.ok(isPalisadeError(error), String(error));
  }
}

test(`HDF5 attribute reading survives mutated Keras files for ${SECONDS}s`, async () => {
  const pool = ['dense_vlen.h5', 'functional_fixed.h5', 'lambda_os_py38.h5', 'lambda_harmless.h5'].map(
    (f) => new Uint8Array(readFileSync(join(FIXTURES, f))),
  );
  const random = xorshift32(0xf00d);
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  let read = 0;
  while (Date.now() < deadline || runs < 21) {
    const input = mutate(pool[Math.floor(random() * pool.length)] as Uint8Array, random);
    try {
      const { values } = await readHdf5RootAttributesFromBytes(input, WANTED, { timeoutMs: 300 });
      for (const value of values.values()) if (value.kind === 'string') review(value.value);
      read++;
    } catch (error) {
      assert.ok(
        isPalisadeError(error) && (error.code === 'INPUT_INVALID' || error.code === 'TIMEOUT'),
        `unexpected ${error} for ${Buffer.from(input).toString('base64').slice(0, 200)}…`,
      );
    }
    runs++;
  }
  assert.ok(runs > 20, `only ${runs} runs`);
  assert.ok(read > 0, 'no mutated file was readable: the mutator is too destructive to be useful');
});

test('mutated config text and Lambda bytecode never escape as exceptions', () => {
  const config = JSON.stringify({
    class_name: 'Sequential',
    config: {
      layers: [
        {
          class_name: 'Lambda',
          config: {
            name: 'l',
            function: [
              '4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkAKQHaAXhyAQAAAHIBAAAA+gg8c3RyaW5nPtoIPGxhbWJkYT4BAAAA8wAAAAA=',
              null,
              null,
            ],
            function_type: 'lambda',
          },
        },
      ],
    },
  });
  const random = xorshift32(0xbeef);
  const deadline = Date.now() + Math.min(SECONDS, 1) * 1000;
  let runs = 0;
  while (Date.now() < deadline || runs < 101) {
    let text = config;
    for (let i = 0; i < 1 + Math.floor(random() * 4); i++) {
      const at = Math.floor(random() * text.length);
      const piece =
        ['{', '}', '[', ']', '"', ',', 'null', 'A', '=', '\\n', '"class_name": "__lambda__"'][
          Math.floor(random() * 11)
        ] ?? '';
      text =
        random() < 0.5 ? text.slice(0, at) + piece + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
    }
    review(text);
    runs++;
  }
  assert.ok(runs > 100);
});
