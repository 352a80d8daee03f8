/**
 * The cost of an AI-BOM beside the cost of hashing the same model: a Hugging Face layout with two 1 GB
 * safetensors shards (Llama-like headers, sparse files made with truncate), config, tokenizer and model card.
 * Measured in one run, median of the repeats:
 *
 *   sha256sum      the coreutils hasher over every file (the physical floor for SHA-256 on this machine)
 *   serializeModel the signing package's hasher (per-file SHA-256 + OMS root digest)
 *   generateBom    everything `palisade bom --no-scan` does in-process: hashing, reading every declared fact,
 *                  writing the CycloneDX document and validating it against the official schema
 *
 *   node bench/bom/run.ts [--gb N] [--repeats N] [--keep]
 *
 * Inputs go to bench/.work/bom-model (sparse: almost no disk) and are removed unless --keep. Hashing a hole
 * costs the same CPU as hashing data but no disk reads, so these are CPU figures.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateBom } from '@palisade/bom';
import { safetensorsHeaderBytes } from '@palisade/formats';
import { serializeModel } from '@palisade/signing';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const WORK = path.join(ROOT, 'bench', '.work', 'bom-model');
const FIXTURE = path.join(ROOT, 'packages', 'bom', 'fixtures', 'hf-llama-finetune');

const { values } = parseArgs({
  options: {
    gb: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
  },
});
const shards = Math.max(1, Math.round(Number(values.gb)));
const repeats = Math.max(1, Number(values.repeats));

function shard(file: string, index: number): void {
  const tensors = [];
  for (let i = 0; i < 16; i++) {
    for (const name of ['q_proj', 'k_proj', 'v_proj', 'o_proj'])
      tensors.push({
        name: `model.layers.${index * 16 + i}.self_attn.${name}.weight`,
        dtype: 'BF16',
        shape: [2896, 2896],
      });
  }
  const { header, dataLength } = safetensorsHeaderBytes(tensors, { format: 'pt' });
  const fd = openSync(file, 'w');
  writeSync(fd, header, 0, header.length, 0);
  closeSync(fd);
  truncateSync(file, header.length + dataLength);
}

function prepare(): number {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  for (const name of readdirSync(FIXTURE))
    if (!name.endsWith('.safetensors')) copyFileSync(path.join(FIXTURE, name), path.join(WORK, name));
  let bytes = 0;
  for (let i = 0; i < shards; i++) {
    const file = path.join(
      WORK,
      `model-${String(i + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`,
    );
    shard(file, i);
    bytes += Number(execFileSync('stat', ['-c', '%s', file], { encoding: 'utf8' }));
  }
  return bytes;
}

/** Runs the contenders in turn, repeat after repeat (so that load from other work spreads evenly), and keeps medians. */
async function measure(contenders: readonly (() => Promise<unknown> | unknown)[]): Promise<number[]> {
  const times = contenders.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) {
    for (const [i, run] of contenders.entries()) {
      const start = performance.now();
      await run();
      times[i]?.push(performance.now() - start);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)] ?? 0);
}

const bytes = prepare();
const files = readdirSync(WORK).map((f) => path.join(WORK, f));
const [sha256sum = 0, hashing = 0, bom = 0] = await measure([
  () => execFileSync('sha256sum', files),
  () => serializeModel(WORK),
  () => generateBom(WORK, { repoId: 'acme/bench', validate: true }),
]);
const gb = bytes / 1e9;
const row = (name: string, ms: number) =>
  `${name.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${(gb / (ms / 1000)).toFixed(2).padStart(6)} GB/s`;
process.stdout.write(
  [
    `Model directory: ${files.length} files, ${gb.toFixed(2)} GB (${shards} safetensors shards), median of ${repeats}`,
    row('sha256sum (coreutils, one thread)', sha256sum),
    row('serializeModel (signing hasher)', hashing),
    row('generateBom (hash + facts + schema)', bom),
    `generateBom / serializeModel: ${(bom / hashing).toFixed(3)}`,
    '',
  ].join('\n'),
);
if (!values.keep) rmSync(WORK, { recursive: true, force: true });
