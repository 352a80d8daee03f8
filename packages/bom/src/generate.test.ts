import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { validateCycloneDx } from './cyclonedx/validate.ts';
import { generateBom } from './generate.ts';

const CORPUS = resolve(import.meta.dirname, '../../../../shared/corpus');

test('the corpus HF repo gives a BOM valid on CycloneDX 1.6 and 1.7', async () => {
  for (const specVersion of ['1.6', '1.7'] as const) {
    const bom = await generateBom(join(CORPUS, 'generated/benign/hf_repo'), { specVersion });
    assert.deepEqual(validateCycloneDx(bom.document, specVersion), []);
    assert.equal(bom.document.specVersion, specVersion);
    assert.equal(bom.document.metadata.component.type, 'machine-learning-model');
  }
});
