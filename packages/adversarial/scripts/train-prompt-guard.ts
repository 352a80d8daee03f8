/**
 * Trains the prompt-injection classifier on the generated training set and writes the shipped model,
 * `models/prompt-guard.json`. Deterministic: running it again gives the same file (a test checks).
 * Usage: node packages/adversarial/scripts/train-prompt-guard.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { train } from '../src/guard/classifier.ts';
import { trainingSet } from './prompt-training-set.ts';

const model = train(trainingSet());
const out = join(import.meta.dirname, '..', 'models', 'prompt-guard.json');
writeFileSync(out, `${JSON.stringify(model)}\n`);
process.stdout.write(`wrote ${out}: ${model.weights.length} weights\n`);
