import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { xorshift32 } from '@palisade/testing';
import { analyzeTemplate } from './analyze.ts';
import { yamlStrings } from './yaml-strings.ts';

/**
 * Mutation fuzzing of the Jinja tokenizer, parser, folder and analysis, and of the YAML string scanner: splices
 * of template syntax into real chat templates and payloads, truncation, deletion. Every input must end in a
 * result, never an exception, quickly. FUZZ_SECONDS runs it longer.
 */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 3);
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const BITS = [
  '{{',
  '}}',
  '{%',
  '%}',
  '{#',
  '#}',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  "'",
  '"',
  '\\x5f',
  '\\',
  '|attr(',
  '~',
  '.',
  '__class__',
  'join',
  '*',
  '%',
  ':',
  '-',
  ',',
  'if',
  'for',
  'raw',
  'endraw',
  '\n',
  '::-1',
  '9'.repeat(30),
];

function mutate(input: string, random: () => number): string {
  let out = input;
  const pick = (n: number) => Math.floor(random() * n);
  for (let round = 1 + pick(6); round > 0; round--) {
    const at = pick(out.length + 1);
    switch (pick(4)) {
      case 0:
        out = out.slice(0, at) + (BITS[pick(BITS.length)] ?? '') + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1 + pick(16));
        break;
      case 2:
        out = out.slice(0, at);
        break;
      default:
        out = out.slice(0, at) + out.slice(pick(out.length), pick(out.length)) + out.slice(at);
    }
  }
  return out;
}

test(`template analysis survives mutated templates for ${SECONDS}s`, () => {
  const pool = ['benign', 'malicious'].flatMap((d) =>
    readdirSync(join(FIXTURES, d)).map((n) => readFileSync(join(FIXTURES, d, n), 'utf8')),
  );
  const random = xorshift32(0x717a);
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  while (Date.now() < deadline || runs < 101) {
    const input = mutate(pool[Math.floor(random() * pool.length)] ?? '', random);
    const started = Date.now();
    const a = analyzeTemplate(input);
    assert.ok(a.tags >= 0);
    yamlStrings(`key: ${input}\nother:\n  - ${input.slice(0, 50)}`);
    assert.ok(Date.now() - started < 1000, `slow input: ${JSON.stringify(input)}`);
    runs++;
  }
  assert.ok(runs > 100, `only ${runs} runs`);
});
