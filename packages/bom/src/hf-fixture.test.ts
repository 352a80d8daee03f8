import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { serializeModel } from '@palisade/signing';
import type { Component } from './cyclonedx/types.ts';
import { generateBom } from './generate.ts';
import { cycloneDxProblems } from './test-support.ts';

/**
 * A realistic Hugging Face fine-tune (fixtures/hf-llama-finetune): every fact its card and files declare must
 * land in the CycloneDX field the spec's HF → CycloneDX mapping names.
 */
const REPO = resolve(import.meta.dirname, '../fixtures/hf-llama-finetune');
const REVISION = '0123456789abcdef0123456789abcdef01234567';
const bom = await generateBom(REPO, { repoId: 'acme/tiny-llama-support', revision: REVISION });
const model = bom.document.metadata.component;
const card = model.modelCard;
const byRef = (ref: string): Component | undefined =>
  bom.document.components.find((c) => c['bom-ref'] === ref);
const prop = (list: readonly { name: string; value: string }[] | undefined, name: string) =>
  list?.find((p) => p.name === name)?.value;

test('identity: HF purl pinned to the commit, commit in version, never in hashes', () => {
  assert.equal(model.type, 'machine-learning-model');
  assert.equal(model.purl, `pkg:huggingface/acme/tiny-llama-support@${REVISION}`);
  assert.equal(model['bom-ref'], model.purl);
  assert.equal(model.group, 'acme');
  assert.equal(model.name, 'tiny-llama-support');
  assert.equal(model.version, REVISION);
  assert.equal(model.hashes, undefined);
  assert.equal(model.supplier?.name, 'Acme AI Lab');
  assert.match(model.description ?? '', /customer-support assistant/);
  assert.equal(bom.hasModelCard, true);
  assert.equal(bom.model, model);
});

test('license: llama3.1 has no SPDX id, so it goes by name and URL, with its LicenseRef and risk', () => {
  const entry = model.licenses?.[0];
  assert.ok(entry && 'license' in entry);
  assert.equal(entry.license.id, undefined);
  assert.equal(entry.license.name, 'Llama 3.1 Community License Agreement');
  assert.equal(entry.license.url, 'https://www.llama.com/llama3_1/license/');
  assert.equal(entry.license.acknowledgement, 'declared');
  assert.equal(prop(entry.license.properties, 'palisade:license:ref'), 'LicenseRef-llama3.1');
  assert.equal(bom.licenses[0]?.risk, 'use-restricted');
  assert.equal(bom.licenses[0]?.id, 'LicenseRef-llama3.1');
  assert.equal(bom.licenseRisk, 'use-restricted');
  assert.equal(bom.licenseConflict, false);
});

test('datasets: data components with contents.url, referenced from modelParameters.datasets', () => {
  const refs = card?.modelParameters?.datasets?.map((d) => d.ref);
  assert.deepEqual(refs, [
    'dataset:HuggingFaceH4/ultrachat_200k',
    'dataset:OpenAssistant/oasst1',
    'dataset:cais/mmlu',
    'dataset:openai/gsm8k',
  ]);
  const ultrachat = byRef('dataset:HuggingFaceH4/ultrachat_200k');
  assert.equal(ultrachat?.type, 'data');
  assert.equal(ultrachat?.data?.[0]?.type, 'dataset');
  assert.equal(
    ultrachat?.data?.[0]?.contents?.url,
    'https://huggingface.co/datasets/HuggingFaceH4/ultrachat_200k',
  );
  assert.equal(prop(ultrachat?.properties, 'palisade:ai:datasetRole'), 'training');
  assert.equal(prop(byRef('dataset:cais/mmlu')?.properties, 'palisade:ai:datasetRole'), 'evaluation');
  assert.deepEqual(
    bom.datasets.filter((d) => d.role === 'training').map((d) => d.name),
    ['HuggingFaceH4/ultrachat_200k', 'OpenAssistant/oasst1'],
  );
  const dependsOn = bom.document.dependencies.find((d) => d.ref === model['bom-ref'])?.dependsOn ?? [];
  assert.ok(dependsOn.includes('dataset:OpenAssistant/oasst1'));
});

test('base model: pedigree ancestor with its purl and the licence it imposes', () => {
  const ancestor = model.pedigree?.ancestors?.[0];
  assert.equal(ancestor?.type, 'machine-learning-model');
  assert.equal(ancestor?.purl, 'pkg:huggingface/meta-llama/Llama-3.1-8B-Instruct');
  assert.equal(prop(ancestor?.properties, 'palisade:ai:baseModelRelation'), 'finetune');
  assert.equal(bom.baseModels[0]?.id, 'meta-llama/Llama-3.1-8B-Instruct');
  assert.equal(bom.baseModels[0]?.license?.id, 'LicenseRef-llama3.1');
  assert.equal(bom.licenses[1]?.inheritedFrom, 'meta-llama/Llama-3.1-8B-Instruct');
});

test('metrics: model-index results as performanceMetrics with string values and dataset slices', () => {
  assert.deepEqual(card?.quantitativeAnalysis?.performanceMetrics, [
    { type: 'accuracy', value: '0.623', slice: 'cais/mmlu (test)' },
    { type: 'exact_match', value: '41.2', slice: 'openai/gsm8k (test)' },
  ]);
});

test('intended use, limitations and risks: from the card sections, placeholders left out', () => {
  const c = card?.considerations;
  assert.deepEqual(c?.useCases, [
    'Answering customer questions about Acme products in a chat window, with a human agent able to take over.',
  ]);
  assert.ok(c?.technicalLimitations?.includes('The model can state wrong product facts with confidence.'));
  assert.ok(c?.technicalLimitations?.some((l) => l.startsWith('Out of scope: Medical, legal')));
  assert.equal(
    c?.ethicalConsiderations?.[0]?.name,
    'The model can state wrong product facts with confidence.',
  );
  assert.match(c?.ethicalConsiderations?.[0]?.mitigationStrategy ?? '', /human agent in the loop/);
  assert.equal(
    prop(c?.environmentalConsiderations?.properties, 'cdx:ai-ml:model:co2_eq_emissions:tCO2eq'),
    '0.00125',
  );
  assert.ok(!JSON.stringify(bom.document).includes('More Information Needed'));
});

test('task, architecture and hyperparameters: pipeline_tag, config.json, tokenizer_config.json', () => {
  assert.equal(card?.modelParameters?.task, 'text-generation');
  assert.equal(card?.modelParameters?.architectureFamily, 'llama');
  assert.equal(card?.modelParameters?.modelArchitecture, 'LlamaForCausalLM');
  const props = card?.properties;
  assert.equal(prop(props, 'cdx:ai-ml:model:hyperparameter:num_key_value_heads'), '2');
  assert.equal(prop(props, 'cdx:ai-ml:model:hyperparameter:max_position_embeddings'), '4096');
  assert.equal(prop(props, 'cdx:ai-ml:tokenizer:hyperparameter:tokenizer_class'), 'LlamaTokenizer');
  assert.equal(prop(props, 'cdx:ai-ml:tokenizer:hyperparameter:unk_token'), '<unk>');
  assert.equal(prop(props, 'palisade:ai:generation:temperature'), '0.6');
  assert.equal(prop(model.properties, 'cdx:ai-ml:model:languages'), 'en,de');
  assert.deepEqual(model.tags, ['llama', 'customer-support', 'arxiv:2407.21783']);
});

test('safetensors header: parameter count and dtypes of the real weights file', () => {
  assert.equal(prop(model.properties, 'palisade:ai:parameterCount'), '4400');
  assert.equal(prop(model.properties, 'cdx:ai-ml:model:parameter:count'), '4.4K');
  const weights = model.components?.find((c) => c.name === 'model.safetensors');
  assert.equal(prop(weights?.properties, 'palisade:ai:dtypes'), 'BF16');
  assert.equal(prop(weights?.properties, 'palisade:ai:tensorCount'), '12');
});

test('chat template: a data component hashed with SHA-256 of the template text', () => {
  const template = JSON.parse(readFileSync(join(REPO, 'tokenizer_config.json'), 'utf8'))
    .chat_template as string;
  const component = byRef('chat-template:tokenizer_config.json:default');
  assert.equal(component?.hashes?.[0]?.content, createHash('sha256').update(template).digest('hex'));
  assert.equal(prop(component?.properties, 'cdx:ai-ml:model:template:chat'), 'default');
});

test('files: every file a component whose SHA-256 is the signing serializer’s digest', async () => {
  const manifest = await serializeModel(REPO);
  const files = model.components ?? [];
  assert.equal(files.length, manifest.resources.length);
  for (const resource of manifest.resources) {
    const file = files.find((f) => f.name === resource.name);
    assert.equal(file?.hashes?.[0]?.content, resource.digest, resource.name);
  }
  assert.equal(bom.rootDigest, `sha256:${manifest.rootDigest}`);
  assert.equal(prop(model.properties, 'palisade:oms:rootDigest'), bom.rootDigest);
});

test('software: requirements.txt and pyproject.toml as pypi libraries with purls', () => {
  const purls = bom.document.components.filter((c) => c.type === 'library').map((c) => c.purl);
  assert.deepEqual(purls, [
    'pkg:pypi/accelerate@0.33.0',
    'pkg:pypi/lm-eval@0.4.3',
    'pkg:pypi/safetensors@0.4.4',
    'pkg:pypi/sentencepiece@0.2.0',
    'pkg:pypi/torch@2.4.0',
    'pkg:pypi/transformers',
  ]);
  assert.equal(byRef('pkg:pypi/lm-eval@0.4.3')?.scope, 'optional');
  assert.equal(prop(byRef('pkg:pypi/transformers')?.properties, 'palisade:dependency:constraint'), '>=4.44');
});

test('completeness matches the rubric computed by hand', () => {
  // required 4/4 → 20; metadata 2/5 (task, supplier; no standardCompliance/domain/autonomyType) → 8;
  // component_basic 7/7 → 20; model card: 17 base fields, 11 present (all but safetyRiskAssessment,
  // modelExplainability, energyQuantity, energyUnit, metricDecisionThreshold, useSensitivePersonalInformation)
  // plus 7 header fields present (vocab_size, tokenizer_class, embedding_length, block_count,
  // attention_head_count(_kv), feed_forward_length) → 18/24 × 30 = 22.5; external refs 4/4 → 10.
  // Missing: 0 critical, 1 important → no penalty. 20 + 8 + 20 + 22.5 + 10 = 80.5 → profile standard.
  assert.equal(bom.completeness.score, 80.5);
  assert.equal(bom.completeness.profile, 'standard');
  assert.equal(bom.completeness.penalty, 1);
  assert.deepEqual(
    bom.completeness.missing.map((m) => m.field),
    [
      'safetyRiskAssessment',
      'standardCompliance',
      'domain',
      'autonomyType',
      'modelExplainability',
      'energyQuantity',
      'energyUnit',
      'metricDecisionThreshold',
      'useSensitivePersonalInformation',
    ],
  );
  const safety = bom.completeness.missing[0];
  assert.match(safety?.remediation ?? '', /--safety-risk/);
  assert.match(safety?.path ?? '', /palisade:ai:safetyRiskAssessment/);
});

test('user facts fill what the card leaves out and raise the score', async () => {
  const more = await generateBom(REPO, {
    repoId: 'acme/tiny-llama-support',
    revision: REVISION,
    safetyRiskAssessment: 'low',
    domain: ['customer support'],
  });
  assert.equal(prop(more.document.metadata.component.properties, 'palisade:ai:safetyRiskAssessment'), 'low');
  // metadata 3/5 → 12; model card 19/24 × 30 = 23.75 → 23.8; 20 + 12 + 20 + 23.8 + 10 = 85.8, which is ≥ 85
  // with every field the advanced profile names present → advanced.
  assert.equal(more.completeness.score, 85.8);
  assert.equal(more.completeness.profile, 'advanced');
});

test('the fixture BOM is valid CycloneDX 1.6 and 1.7 for ajv and the official library', async () => {
  assert.deepEqual(await cycloneDxProblems(bom.document, '1.6'), []);
  const v17 = await generateBom(REPO, {
    specVersion: '1.7',
    repoId: 'acme/tiny-llama-support',
    revision: REVISION,
  });
  assert.equal(v17.document.$schema, 'http://cyclonedx.org/schema/bom-1.7.schema.json');
  assert.deepEqual(await cycloneDxProblems(v17.document, '1.7'), []);
});
