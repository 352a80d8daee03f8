import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { generateBom } from '../generate.ts';
import { buildSpdx, type SpdxElement } from './build.ts';
import { validateSpdx } from './validate.ts';

const REPO = resolve(import.meta.dirname, '../../fixtures/hf-llama-finetune');
const bom = await generateBom(REPO, { repoId: 'acme/tiny-llama-support', safetyRiskAssessment: 'low' });
const doc = buildSpdx(bom.view, { namespace: 'urn:uuid:00000000-0000-4000-8000-000000000000' });
const graph = doc['@graph'];
const ofType = (type: string) => graph.filter((e) => e.type === type);
const model = ofType('ai_AIPackage').find((e) => e.name === 'tiny-llama-support') as SpdxElement;
const relations = (type: string, from = model.spdxId) =>
  ofType('Relationship').filter((r) => r.relationshipType === type && r.from === from);

test('the fixture gives an SPDX 3.0.1 document valid against the official schema and the model', () => {
  assert.deepEqual(validateSpdx(doc), []);
  assert.equal(doc['@context'], 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld');
});

test('AI and Dataset profile conformance is not claimed without the release times the profiles require', () => {
  const document = ofType('SpdxDocument')[0];
  assert.deepEqual(document?.profileConformance, ['core', 'software', 'simpleLicensing']);
});

test('AI profile: the model package with purpose, purl, hyperparameters, metrics and SPDX-only facts', () => {
  assert.equal(model.software_primaryPurpose, 'model');
  assert.equal(model.software_packageUrl, 'pkg:huggingface/acme/tiny-llama-support');
  assert.equal(model.ai_safetyRiskAssessment, 'low');
  assert.deepEqual(model.ai_typeOfModel, ['LlamaForCausalLM', 'llama']);
  assert.ok((model.ai_hyperparameter as { key: string }[]).some((h) => h.key === 'num_key_value_heads'));
  assert.deepEqual((model.ai_metric as { key: string; value: string }[])[0], {
    type: 'DictionaryEntry',
    key: 'accuracy (cais/mmlu)',
    value: '0.623',
  });
});

test('Dataset profile: trainedOn and testedOn point at dataset packages', () => {
  const names = (type: string) =>
    relations(type).flatMap((r) => (r.to as string[]).map((id) => graph.find((e) => e.spdxId === id)?.name));
  assert.deepEqual(names('trainedOn'), ['HuggingFaceH4/ultrachat_200k', 'OpenAssistant/oasst1']);
  assert.deepEqual(names('testedOn'), ['cais/mmlu', 'openai/gsm8k']);
  for (const dataset of ofType('dataset_DatasetPackage'))
    assert.deepEqual(dataset.dataset_datasetType, ['noAssertion']);
});

test('licences: declared LicenseRef expression with its URL; base model linked by ancestorOf', () => {
  const declared = relations('hasDeclaredLicense')[0]?.to as string[];
  const expression = graph.find((e) => e.spdxId === declared[0]);
  assert.equal(expression?.simplelicensing_licenseExpression, 'LicenseRef-llama3.1');
  assert.deepEqual(expression?.simplelicensing_customIdToUri, [
    { type: 'DictionaryEntry', key: 'LicenseRef-llama3.1', value: 'https://www.llama.com/llama3_1/license/' },
  ]);
  const ancestor = ofType('Relationship').find((r) => r.relationshipType === 'ancestorOf');
  assert.equal(graph.find((e) => e.spdxId === ancestor?.from)?.name, 'meta-llama/Llama-3.1-8B-Instruct');
});

test('files carry the same SHA-256 as the CycloneDX BOM', () => {
  const files = ofType('software_File');
  const cdx = bom.document.metadata.component.components ?? [];
  assert.equal(files.length, cdx.length);
  for (const file of files) {
    const hash = (file.verifiedUsing as { hashValue: string }[])[0]?.hashValue;
    assert.equal(cdx.find((c) => c.name === file.name)?.hashes?.[0]?.content, hash);
  }
});

function clone(): { '@graph': Record<string, unknown>[] } {
  return structuredClone(doc) as unknown as { '@graph': Record<string, unknown>[] };
}

test('the validator catches missing required properties, bad vocabularies and dangling references', () => {
  const broken = clone();
  const dataset = broken['@graph'].find((e) => e.type === 'dataset_DatasetPackage');
  assert.ok(dataset);
  delete dataset.dataset_datasetType;
  assert.ok(validateSpdx(broken).length > 0);
  const badEnum = clone();
  const m = badEnum['@graph'].find((e) => e.type === 'ai_AIPackage');
  if (m) m.ai_safetyRiskAssessment = 'catastrophic';
  assert.ok(validateSpdx(badEnum).length > 0);
  const dangling = clone();
  const rel = dangling['@graph'].find((e) => e.type === 'Relationship');
  if (rel) rel.to = ['urn:uuid:nowhere#x'];
  assert.match(validateSpdx(dangling)[0]?.message ?? '', /does not define/);
});

test('the official SPDX 3.0.1 JSON schema is applied first: a property SPDX does not define is refused', () => {
  const extra = clone();
  const m = extra['@graph'].find((e) => e.type === 'ai_AIPackage');
  assert.ok(m);
  (m as Record<string, unknown>).ai_favouriteColour = 'teal';
  assert.match(validateSpdx(extra)[0]?.message ?? '', /^official SPDX 3\.0\.1 schema/);
  const context = clone();
  (context as Record<string, unknown>)['@context'] = 'https://spdx.org/rdf/3.0.0/spdx-context.jsonld';
  assert.match(validateSpdx(context)[0]?.message ?? '', /^official SPDX 3\.0\.1 schema/);
});
