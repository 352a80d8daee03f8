import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { validateCycloneDx } from './validate.ts';

/** The validator set-up itself, checked on the official ML-BOM fixtures and the schema traps of spec §2. */
const VECTORS = resolve(import.meta.dirname, '../../../../../shared/vectors/cyclonedx');
const load = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

test('all six official ML fixtures of the CycloneDX specification validate', () => {
  const files = readdirSync(join(VECTORS, 'examples')).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 6);
  for (const file of files) {
    const version = file.includes('1.7') ? '1.7' : '1.6';
    assert.deepEqual(validateCycloneDx(load(join(VECTORS, 'examples', file)), version), [], file);
  }
});

test('PR #50: FoundationModels validates; the other two are not even JSON', () => {
  const pr = join(VECTORS, 'pr50-unmerged');
  assert.deepEqual(validateCycloneDx(load(join(pr, 'Model/FoundationModels/bom.json')), '1.6'), []);
  for (const broken of ['Model/OpenSource/bom.json', 'Dataset/bom.json'])
    assert.throws(() => load(join(pr, broken)), SyntaxError, broken);
});

function mlBom(version: '1.6' | '1.7', licenses: unknown[], approach = 'self-supervised') {
  return {
    bomFormat: 'CycloneDX',
    specVersion: version,
    version: 1,
    components: [
      {
        type: 'data',
        name: 'wikipedia',
        'bom-ref': 'data-wikipedia',
        data: [{ type: 'dataset', name: 'wikipedia' }],
      },
      {
        type: 'machine-learning-model',
        name: 'm',
        licenses,
        modelCard: {
          modelParameters: { approach: { type: approach }, datasets: [{ ref: 'data-wikipedia' }] },
        },
      },
    ],
  };
}

test('schema traps: approach enum, LicenseRef in license.id, mixed licence lists (invalid in 1.6 only)', () => {
  const magic = validateCycloneDx(mlBom('1.6', [], 'magic'), '1.6');
  assert.ok(magic.some((e) => e.path === '/components/1/modelCard/modelParameters/approach/type'));
  assert.ok(validateCycloneDx(mlBom('1.6', [{ license: { id: 'LicenseRef-llama3.1' } }]), '1.6').length > 0);
  assert.deepEqual(
    validateCycloneDx(mlBom('1.6', [{ license: { name: 'Llama 3.1', acknowledgement: 'declared' } }]), '1.6'),
    [],
  );
  assert.deepEqual(
    validateCycloneDx(mlBom('1.6', [{ expression: 'LicenseRef-llama3.1 AND Apache-2.0' }]), '1.6'),
    [],
  );
  const mixed = [{ license: { id: 'MIT' } }, { expression: 'Apache-2.0' }];
  assert.ok(validateCycloneDx(mlBom('1.6', mixed), '1.6').length > 0);
  assert.deepEqual(validateCycloneDx(mlBom('1.7', mixed), '1.7'), []);
});
