import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { isPalisadeError } from '@palisade/core';
import { mutateBytes, xorshift32 } from '@palisade/testing';
import { readModelCard } from './card/model-card.ts';
import { parseCondaEnvironment, parsePipfileLock, parsePyproject, parseTomlLock } from './deps/lockfiles.ts';
import { parseRequirementsTxt } from './deps/requirements.ts';
import { readModelConfig, readTokenizerConfig } from './hf/configs.ts';
import { parseJsonObject } from './read-bounded.ts';

/**
 * Mutation fuzzing of every text reader the BOM runs on untrusted repo files: each input gives a result or a
 * PalisadeError, never another exception. FUZZ_SECONDS runs it longer.
 */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 1.5);
const FIXTURE = resolve(import.meta.dirname, '../fixtures/hf-llama-finetune');
const read = (name: string) => readFileSync(join(FIXTURE, name));

const POETRY = Buffer.from(
  '[[package]]\nname = "numpy"\nversion = "1.26.4"\nfiles = [\n {file = "a", hash = "sha256:00"},\n]\n[metadata]\nlock-version = "2.0"\n',
);
const CONDA = Buffer.from(
  'name: x\ndependencies:\n  - python=3.10\n  - pytorch::pytorch==2.1.0\n  - pip:\n    - torch==2.4.0\n',
);
const PIPFILE = Buffer.from('{"default": {"torch": {"version": "==2.4.0"}}, "develop": {}}');

const READERS: readonly (readonly [string, Uint8Array, (text: string) => unknown])[] = [
  ['README.md', read('README.md'), readModelCard],
  ['requirements.txt', read('requirements.txt'), (t) => parseRequirementsTxt(t, 'requirements.txt')],
  ['pyproject.toml', read('pyproject.toml'), (t) => parsePyproject(t, 'pyproject.toml')],
  ['poetry.lock', POETRY, (t) => parseTomlLock(t, 'poetry.lock')],
  ['environment.yml', CONDA, (t) => parseCondaEnvironment(t, 'environment.yml')],
  ['Pipfile.lock', PIPFILE, (t) => parsePipfileLock(t, 'Pipfile.lock')],
  ['config.json', read('config.json'), (t) => readModelConfig(parseJsonObject(t, 'config.json'))],
  [
    'tokenizer_config.json',
    read('tokenizer_config.json'),
    (t) => readTokenizerConfig(parseJsonObject(t, 'x'), 'x'),
  ],
];
const TOKENS = [...'{}[]"\'=:,-#\n\\&*!|>'].map((c) => c.charCodeAt(0));

for (const [name, seed, reader] of READERS) {
  test(`fuzz: ${name} reader gives a result or a PalisadeError`, () => {
    const random = xorshift32(name.length * 7919);
    const end = Date.now() + (SECONDS * 1000) / READERS.length;
    let runs = 0;
    while (Date.now() < end || runs < 50) {
      const input = new TextDecoder().decode(mutateBytes(seed, random, { tokens: TOKENS, maxRounds: 8 }));
      try {
        reader(input);
      } catch (error) {
        assert.ok(
          isPalisadeError(error),
          `${name}: ${(error as Error).stack}\ninput: ${JSON.stringify(input.slice(0, 400))}`,
        );
      }
      runs++;
    }
  });
}
