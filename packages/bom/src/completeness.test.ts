import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { RUBRIC } from './completeness.ts';
import { generateBom } from './generate.ts';

const NPY = resolve(import.meta.dirname, '../../../../shared/corpus/generated/benign/weights_float32.npy');

test('the rubric has the 48 fields of the OWASP registry, with its tiers and categories', () => {
  assert.equal(RUBRIC.length, 48);
  assert.equal(new Set(RUBRIC.map((r) => r.field)).size, 48);
  const count = (key: 'tier' | 'category', value: string) => RUBRIC.filter((r) => r[key] === value).length;
  assert.deepEqual(
    ['critical', 'important', 'supplementary'].map((t) => count('tier', t)),
    [9, 12, 27],
  );
  assert.deepEqual(
    ['required_fields', 'metadata', 'component_basic', 'component_model_card', 'external_references'].map(
      (c) => count('category', c),
    ),
    [4, 5, 7, 28, 4],
  );
});

test('a bare NumPy file: both penalties apply, matching the rubric computed by hand', async () => {
  const bom = await generateBom(NPY);
  // required 4/4 → 20; metadata 0/5 → 0; component_basic: name, type, purl of 7 → 3/7 × 20 = 8.6;
  // model card 0/17 (no header fields present) → 0; external references 0/4 → 0. Subtotal 28.6.
  // Missing critical: primaryPurpose, suppliedBy, component_version (3) → × 0.9; missing important: 11 → × 0.95.
  // 28.6 × 0.9 × 0.95 = 24.453 → 24.5, under the basic profile's 40 → incomplete.
  const c = bom.completeness;
  assert.deepEqual(
    Object.values(c.categories).map((x) => [x.present, x.total, x.points]),
    [
      [4, 4, 20],
      [0, 5, 0],
      [3, 7, 8.6],
      [0, 17, 0],
      [0, 4, 0],
    ],
  );
  assert.equal(c.penalty, 0.9 * 0.95);
  assert.equal(c.score, 24.5);
  assert.equal(c.profile, 'incomplete');
  assert.equal(bom.hasModelCard, false);
  assert.deepEqual(
    c.missing.filter((m) => m.tier === 'critical').map((m) => m.field),
    ['primaryPurpose', 'suppliedBy', 'component_version'],
  );
  for (const m of c.missing) assert.ok(m.path.startsWith('$.') && m.remediation.length > 0, m.field);
});
