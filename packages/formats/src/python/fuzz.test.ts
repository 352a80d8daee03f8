import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPalisadeError } from '@palisade/core';
import { xorshift32 } from '@palisade/testing';
import { summarizePythonModule } from './module.ts';

/**
 * Mutation fuzzing of the Python tokenizer and module summary: quotes, prefixes, brackets, backslashes, f-string
 * braces, indentation and line breaks inserted, deleted and spliced into real-looking modules. Every input must be
 * summarised (or refused at the token limit), quickly. FUZZ_SECONDS runs it longer.
 */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 2);

const SEEDS = [
  `import os, subprocess as sp\nfrom .utils import (a,\n  b as c)\n\nclass Model(Base):\n    x = eval("1")\n    def f(self, y=lambda: 0):\n        return sp.run(['id'])\n`,
  `# coding: utf-8\n@decorator(os.getenv("X"))\ndef g():\n    s = f"{a['k']!r:>{w}} {{x}}"\n    t = """doc\n  "quoted" """\n    return rb'\\x00' + u"\\u1234"\nif __name__ == "__main__":\n    g()\n`,
  `try:\n\timport torch\nexcept ImportError:\n\tpass\nx = [i for i in range(3) if i]\ny = {1: (2, 3), **z}\nmatch x:\n    case [a, *_]:\n        pass\n`,
  `value = 1 + \\\n    2\nasync def h():\n    await x()\n__import__('os').system('echo')\n`,
];
const PIECES = [
  '"',
  "'",
  '"""',
  "f'",
  'rb"',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  '\\',
  '\n',
  '\t',
  '    ',
  '#',
  ':',
  'lambda',
  'def ',
  '@',
  '\r\n',
  '\u00e9',
  '\ufeff',
];

function mutate(input: string, random: () => number): string {
  let out = input;
  const pick = (n: number): number => Math.floor(random() * n);
  for (let round = 1 + pick(6); round > 0; round--) {
    const at = pick(Math.max(1, out.length));
    switch (pick(4)) {
      case 0:
        out = out.slice(0, at) + (PIECES[pick(PIECES.length)] ?? '') + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1 + pick(8));
        break;
      case 2: {
        const other = SEEDS[pick(SEEDS.length)] ?? '';
        const from = pick(other.length);
        out = out.slice(0, at) + other.slice(from, from + 1 + pick(80)) + out.slice(at);
        break;
      }
      default:
        out = out.slice(0, at);
    }
  }
  return out;
}

test(`Python tokenizer and module summary survive mutated sources for ${SECONDS}s`, () => {
  const random = xorshift32(0x9e3779b9);
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  while (Date.now() < deadline || runs < 101) {
    const input = mutate(SEEDS[Math.floor(random() * SEEDS.length)] ?? '', random);
    const started = Date.now();
    try {
      const summary = summarizePythonModule(input, { maxTokens: 50_000 });
      assert.ok(Array.isArray(summary.calls));
    } catch (error) {
      assert.ok(
        isPalisadeError(error) && error.code === 'LIMIT_EXCEEDED',
        `${JSON.stringify(input)}: ${error}`,
      );
    }
    assert.ok(Date.now() - started < 1000, `input took too long: ${JSON.stringify(input)}`);
    runs++;
  }
  assert.ok(runs > 100, `only ${runs} runs`);
});

test('pathological inputs stay linear: deep brackets, long lines, many f-string fields', () => {
  const started = Date.now();
  summarizePythonModule(`${'('.repeat(50_000)}\n`);
  summarizePythonModule(`x = ${'a.'.repeat(20_000)}b()\n`);
  summarizePythonModule(`f"${'{x}'.repeat(5_000)}"\n`);
  summarizePythonModule(`f"{f'{f"{f'{x}'}"}'}"\n`.repeat(200));
  summarizePythonModule(`"${'\\'.repeat(10_001)}\n`);
  assert.ok(Date.now() - started < 5000);
});
