import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Detector } from '../detect/detector.ts';
import { evaluate, formatScores } from './evaluate.ts';
import { generateCorpus, type LabelledSample } from './generate.ts';
import { CORPUS_PATH, corpusText } from './write-corpus.ts';

/** Pattern-based types must reach this on the labelled corpus (issue #14). */
const FLOOR = 0.95;

function check(samples: readonly LabelledSample[], title: string): void {
  const scores = evaluate(new Detector(), samples);
  console.log(`${title} (${samples.length} samples)\n${formatScores(scores)}`);
  const weak = scores.filter((s) => s.precision < FLOOR || s.recall < FLOOR);
  assert.deepEqual(
    weak.map((s) => s.entity),
    [],
    `below ${FLOOR}: ${weak.map((s) => `${s.entity} P=${s.precision} R=${s.recall}`).join(', ')}`,
  );
  assert.ok(scores.length >= 45, 'every recognizer is measured');
}

test('the committed corpus is what the generator writes', () => {
  assert.equal(readFileSync(CORPUS_PATH, 'utf8'), corpusText());
});

test('precision and recall per entity type on the labelled corpus are at least 0.95', () => {
  const samples = readFileSync(CORPUS_PATH, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LabelledSample);
  check(samples, 'Labelled corpus (seed 14)');
});

test('the same holds on a corpus drawn with a seed the recognizers were never tuned on', () => {
  check(generateCorpus(20261122), 'Held-out corpus (seed 20261122)');
});
