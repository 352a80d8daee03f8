import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PalisadeError } from '@palisade/core';
import { readModelCard } from './model-card.ts';

test('front matter: licence, lists given as strings, base model, co2 in grams', () => {
  const card = readModelCard(
    '---\nlicense: other\nlicense_name: llama3\nlicense_link: LICENSE\ndatasets: squad\nbase_model:\n- a/b\n- c/d\nco2_eq_emissions: 40\nextra_gated_prompt: Accept the terms\n---\nBody text.\n',
  );
  assert.equal(card.license, 'other');
  assert.equal(card.licenseName, 'llama3');
  assert.deepEqual(card.datasets, ['squad']);
  assert.deepEqual(card.baseModels, ['a/b', 'c/d']);
  assert.deepEqual(card.co2, { grams: 40 });
  assert.equal(card.gated, true);
  assert.equal(card.description, 'Body text.');
});

test('a card without front matter still gives its sections', () => {
  const card = readModelCard('# My model\n\nDoes things.\n\n## Limitations\n\n- Slow.\n- Large.\n');
  assert.equal(card.license, undefined);
  assert.equal(card.description, 'Does things.');
  assert.deepEqual(card.limitations, ['Slow.', 'Large.']);
});

test('HF template placeholders and comments do not count as declared', () => {
  const card = readModelCard(
    '---\nlicense: mit\n---\n## Uses\n\n### Direct Use\n\n<!-- how to use -->\n\n[More Information Needed]\n',
  );
  assert.deepEqual(card.useCases, []);
});

test('invalid YAML and alias bombs are refused with a PalisadeError', () => {
  assert.throws(
    () => readModelCard('---\nlicense: [unclosed\n---\n'),
    (e: unknown) => e instanceof PalisadeError && e.code === 'INPUT_INVALID',
  );
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++)
    bomb.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(', ')}]`,
    );
  assert.throws(
    () => readModelCard(`---\n${bomb.join('\n')}\n---\n`),
    (e: unknown) => e instanceof PalisadeError && e.code === 'INPUT_INVALID',
  );
});
