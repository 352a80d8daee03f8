/**
 * Writes the labelled corpus that the precision/recall test reads: `node packages/privacy/src/corpus/write-corpus.ts`.
 * The test also regenerates it and fails if the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCorpus } from './generate.ts';

export const CORPUS_PATH = join(import.meta.dirname, 'labelled.jsonl');

export function corpusText(): string {
  return `${generateCorpus()
    .map((s) => JSON.stringify(s))
    .join('\n')}\n`;
}

if (import.meta.main) {
  writeFileSync(CORPUS_PATH, corpusText());
  console.log(`wrote ${CORPUS_PATH}`);
}
