import assert from 'node:assert/strict';
import { test } from 'node:test';
import { licenseChoices } from '../cyclonedx/licenses.ts';
import { validateCycloneDx } from '../cyclonedx/validate.ts';
import { licenseFromText } from './fingerprint.ts';
import { baseModelLicense, licenseConflict, mostRestrictive, normalizeLicense } from './normalize.ts';
import { HF_LICENSES } from './table.ts';

/** A minimal BOM around one component's licences, to check each encoding against the official schemas. */
function bomWith(licenses: ReturnType<typeof licenseChoices>, specVersion: '1.6' | '1.7') {
  return {
    bomFormat: 'CycloneDX',
    specVersion,
    version: 1,
    components: [{ type: 'machine-learning-model', name: 'm', licenses }],
  };
}

test('every row of the licence table gives a schema-valid CycloneDX encoding (1.6 and 1.7)', () => {
  for (const hfId of HF_LICENSES.keys()) {
    const info = normalizeLicense(hfId, 'card-yaml');
    assert.ok(info, hfId);
    for (const v of ['1.6', '1.7'] as const)
      assert.deepEqual(validateCycloneDx(bomWith(licenseChoices([info]), v), v), [], hfId);
  }
});

test('SPDX ids go in license.id; licences without one go by name, never LicenseRef in id', () => {
  const apache = normalizeLicense('apache-2.0', 'card-yaml');
  assert.deepEqual([apache?.id, apache?.spdx, apache?.risk], ['Apache-2.0', true, 'permissive']);
  const [choice] = licenseChoices(apache ? [apache] : []);
  assert.ok(choice && 'license' in choice && choice.license.id === 'Apache-2.0');
  const llama = normalizeLicense('llama3', 'card-yaml');
  assert.deepEqual([llama?.id, llama?.spdx, llama?.risk], ['LicenseRef-llama3', false, 'use-restricted']);
  const [named] = licenseChoices(llama ? [llama] : []);
  assert.ok(
    named &&
      'license' in named &&
      named.license.id === undefined &&
      named.license.name?.startsWith('Llama 3'),
  );
});

test('risk classes of the spec table', () => {
  const risk = (id: string) => normalizeLicense(id, 'card-yaml')?.risk;
  assert.equal(risk('mit'), 'permissive');
  assert.equal(risk('cc-by-nc-4.0'), 'non-commercial');
  assert.equal(risk('cc-by-nc-nd-4.0'), 'non-commercial');
  assert.equal(risk('gpl-3.0'), 'copyleft');
  assert.equal(risk('agpl-3.0'), 'copyleft');
  assert.equal(risk('openrail'), 'use-restricted');
  assert.equal(risk('bigscience-bloom-rail-1.0'), 'use-restricted');
  assert.equal(risk('gemma'), 'use-restricted');
  assert.equal(risk('GPL-3.0-only'), 'copyleft', 'SPDX ids in any case');
  assert.equal(risk('my-own-licence'), 'unknown');
  assert.equal(normalizeLicense('my-own-licence', 'card-yaml')?.id, 'LicenseRef-my-own-licence');
});

test('unknown and bare other give no licence; other with license_name is looked up or made a LicenseRef', () => {
  assert.equal(normalizeLicense('unknown', 'card-yaml'), undefined);
  assert.equal(normalizeLicense('other', 'card-yaml'), undefined);
  assert.equal(normalizeLicense('other', 'card-yaml', { name: 'llama3' })?.id, 'LicenseRef-llama3');
  const custom = normalizeLicense('other', 'card-yaml', {
    name: 'Acme Model Licence v2',
    link: 'https://acme.example/l',
  });
  assert.deepEqual(
    [custom?.id, custom?.url, custom?.risk],
    ['LicenseRef-Acme-Model-Licence-v2', 'https://acme.example/l', 'unknown'],
  );
});

test('inheritance: the most restrictive class wins, and apache-2.0 over a llama3 base is a conflict', () => {
  assert.equal(mostRestrictive(['permissive', 'use-restricted', 'copyleft']), 'use-restricted');
  assert.equal(mostRestrictive(['permissive', 'non-commercial']), 'non-commercial');
  const base = baseModelLicense('meta-llama/Meta-Llama-3-8B', undefined);
  assert.equal(base?.id, 'LicenseRef-llama3');
  const own = normalizeLicense('apache-2.0', 'card-yaml');
  assert.ok(own && base);
  assert.equal(licenseConflict([own], [base]), true);
  assert.equal(licenseConflict([base], [base]), false);
  assert.equal(baseModelLicense('acme/unknown-base', undefined), undefined);
  assert.equal(baseModelLicense('acme/unknown-base', 'cc-by-nc-4.0')?.risk, 'non-commercial');
});

test('LICENSE files are recognised by their opening text', () => {
  assert.equal(
    licenseFromText(
      '                                 Apache License\n                           Version 2.0, January 2004',
    ),
    'apache-2.0',
  );
  assert.equal(
    licenseFromText('LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nLlama 3.1 Version Release Date: July 23, 2024'),
    'llama3.1',
  );
  assert.equal(licenseFromText('All rights reserved.'), undefined);
});
