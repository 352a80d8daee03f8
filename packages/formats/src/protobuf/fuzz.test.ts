import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isPalisadeError } from '@palisade/core';
import { xorshift32 } from '@palisade/testing';
import { randomAccessReader, streamReader } from '../io/chunk-reader.ts';
import { BytesRandomAccess } from '../io/random-access.ts';
import { readOnnxModel } from '../onnx/model.ts';
import { looksLikeOnnx } from '../onnx/probe.ts';
import { sniffFormat } from '../sniff.ts';
import { readGraphDef, readSavedModel } from '../tensorflow/graph.ts';
import { looksLikeGraphDef, looksLikeSavedModel } from '../tensorflow/probe.ts';

/**
 * Mutation fuzzing of the protobuf reader through the ONNX and TensorFlow decoders and the format probes: byte
 * flips, varints and lengths set to extremes, wire-type changes, splices and truncations of real models. Every
 * input must end in a result (possibly with a problem) or a PalisadeError — never another exception, never a
 * hang — with bounded memory. FUZZ_SECONDS runs it longer.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 4);

function collect(dir: string, pattern: RegExp, out: Uint8Array[]): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, pattern, out);
    else if (pattern.test(name)) out.push(new Uint8Array(readFileSync(path)));
  }
}

function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  collect(join(HERE, '../onnx/fixtures'), /\.onnx$/, out);
  collect(join(HERE, '../tensorflow/fixtures'), /\.pb$/, out);
  return out;
}

function mutate(input: Uint8Array, random: () => number, pool: readonly Uint8Array[]): Uint8Array {
  const out = Array.from(input);
  const pick = (n: number): number => Math.floor(random() * n);
  for (let round = 1 + pick(4); round > 0; round--) {
    const at = pick(Math.max(1, out.length));
    switch (pick(8)) {
      case 0:
        out[at] = (out[at] ?? 0) ^ (1 << pick(8));
        break;
      case 1: // wire type of a tag
        out[at] = ((out[at] ?? 0) & ~7) | pick(8);
        break;
      case 2: // single bytes that matter: 0, continuation, group tags, small lengths
        out[at] = [0, 0x7f, 0x80, 0xff, 0x0b, 0x0c, 1, 2][pick(8)] ?? 0;
        break;
      case 3: // a length or varint to an extreme
        out.splice(
          at,
          1,
          ...([
            [0xff, 0xff, 0xff, 0xff, 0x0f],
            [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
            [0x00],
          ][pick(4)] ?? []),
        );
        break;
      case 4:
        out.length = at;
        break;
      case 5: {
        const other = pool[pick(pool.length)] ?? new Uint8Array();
        const from = pick(Math.max(1, other.length));
        out.splice(at, 0, ...other.subarray(from, from + 1 + pick(64)));
        break;
      }
      case 6: // duplicate a run (repeated and merged fields)
        out.splice(at, 0, ...out.slice(at, at + 1 + pick(32)));
        break;
      default:
        out.splice(at, 1 + pick(8));
    }
  }
  return Uint8Array.from(out);
}

async function runAll(input: Uint8Array): Promise<number> {
  let problems = 0;
  const random = () => randomAccessReader(new BytesRandomAccess(input));
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < input.length; i += 7) yield input.subarray(i, i + 7);
  }
  const limits = { maxFields: 200_000 };
  const runs = [
    () => readOnnxModel(random(), { size: input.length, limits, onNode: () => {} }),
    () => readOnnxModel(streamReader(chunks()), { limits, onNode: () => {} }),
    () => readSavedModel(random(), { size: input.length, limits, onNode: () => {} }),
    () => readGraphDef(streamReader(chunks()), { limits, onNode: () => {} }),
  ];
  for (const run of runs) {
    try {
      const info = await run();
      if (info.problem) problems++;
    } catch (error) {
      assert.ok(isPalisadeError(error) && error.code !== 'INTERNAL', `unexpected ${String(error)}`);
    }
  }
  looksLikeOnnx(input);
  looksLikeSavedModel(input);
  looksLikeGraphDef(input);
  await sniffFormat(input.subarray(0, 4096), 'model.onnx');
  await sniffFormat(input.subarray(0, 4096), 'saved_model.pb');
  return problems;
}

test(`protobuf readers survive mutated ONNX and TensorFlow models for ${SECONDS}s`, async () => {
  const pool = seeds();
  assert.ok(pool.length >= 10, `only ${pool.length} seeds`);
  const random = xorshift32(0x0b0e);
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  let clean = 0;
  while (Date.now() < deadline || runs < 101) {
    const input = mutate(pool[Math.floor(random() * pool.length)] ?? new Uint8Array(), random, pool);
    const started = Date.now();
    try {
      if ((await runAll(input)) < 4) clean++;
    } catch (error) {
      assert.fail(`${String(error)} on input ${Buffer.from(input).toString('base64')}`);
    }
    assert.ok(Date.now() - started < 2000, `input took too long: ${Buffer.from(input).toString('base64')}`);
    runs++;
  }
  assert.ok(runs > 100, `only ${runs} runs`);
  assert.ok(
    clean > 0,
    'every mutated input failed every decoder: the mutator is too destructive to be useful',
  );
});
