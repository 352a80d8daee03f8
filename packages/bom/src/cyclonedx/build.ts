import { randomUUID } from 'node:crypto';
import type { Finding } from '@palisade/core';
import { packagePurl } from '../deps/package-fact.ts';
import type { ModelView } from '../model.ts';
import { BOM_VERSION } from '../version.ts';
import { licenseChoices } from './licenses.ts';
import type {
  Component,
  CycloneDxBom,
  ExternalReference,
  ModelCard,
  Property,
  SpecVersion,
} from './types.ts';
import { findingsToVulnerabilities } from './vulnerabilities.ts';

export interface BuildOptions {
  readonly specVersion: SpecVersion;
  readonly findings: readonly Finding[];
  /** Fixed values make the output reproducible (tests, diffs). */
  readonly serialNumber?: string;
  readonly timestamp?: Date;
}

const HP = 'cdx:ai-ml:model:hyperparameter:';
const TOKENIZER = 'cdx:ai-ml:tokenizer:hyperparameter:';

function props(entries: readonly (readonly [string, string | undefined])[]): Property[] {
  return entries.flatMap(([name, value]) => (value === undefined || value === '' ? [] : [{ name, value }]));
}

/** 8030261248 → "8.0B", as the cdx:ai-ml taxonomy writes parameter counts. */
function humanCount(n: bigint): string {
  const units: readonly [bigint, string][] = [
    [1_000_000_000_000n, 'T'],
    [1_000_000_000n, 'B'],
    [1_000_000n, 'M'],
    [1_000n, 'K'],
  ];
  for (const [size, unit] of units) if (n >= size) return `${(Number(n) / Number(size)).toFixed(1)}${unit}`;
  return String(n);
}

function externalReferences(view: ModelView): ExternalReference[] {
  const refs: ExternalReference[] = [];
  if (view.repoId) {
    const home = `https://huggingface.co/${view.repoId}`;
    refs.push({ type: 'website', url: home });
    refs.push({ type: 'vcs', url: `${home}.git` });
    refs.push({ type: 'distribution', url: `${home}/tree/${view.version ?? 'main'}` });
    refs.push({ type: 'model-card', url: `${home}/blob/${view.version ?? 'main'}/README.md` });
  } else if (view.facts.card)
    refs.push({ type: 'model-card', url: 'README.md', comment: 'relative to the model directory' });
  if (view.user.downloadUrl) refs.push({ type: 'distribution', url: view.user.downloadUrl });
  for (const paper of view.facts.card?.papers ?? [])
    refs.push({ type: 'documentation', url: paper, comment: 'paper' });
  for (const license of view.licenses) if (license.url) refs.push({ type: 'license', url: license.url });
  if (view.facts.signatureFile) {
    refs.push({
      type: 'attestation',
      url: view.facts.signatureFile,
      comment: 'OpenSSF Model Signing bundle, relative to the model directory; verify with palisade verify',
    });
  }
  return refs;
}

function modelCard(view: ModelView): ModelCard {
  const card = view.facts.card;
  const co2 = card?.co2;
  const risks = (card?.risks ?? []).map((name, i) => {
    const mitigation = card?.recommendations[i] ?? card?.recommendations[0];
    return { name, ...(mitigation ? { mitigationStrategy: mitigation } : {}) };
  });
  const considerations = {
    ...(card?.users.length ? { users: card.users } : {}),
    ...(view.useCases.length ? { useCases: view.useCases } : {}),
    ...(view.limitations.length ? { technicalLimitations: view.limitations } : {}),
    ...(risks.length ? { ethicalConsiderations: risks } : {}),
    ...(co2
      ? {
          environmentalConsiderations: {
            properties: props([
              ['cdx:ai-ml:model:co2_eq_emissions:tCO2eq', String(co2.grams / 1e6)],
              ['palisade:ai:co2:source', co2.source],
              ['palisade:ai:co2:trainingType', co2.trainingType],
              ['palisade:ai:co2:location', co2.location],
              ['palisade:ai:co2:hardware', co2.hardware],
            ]),
          },
        }
      : {}),
  };
  const modelParameters = {
    ...(view.task ? { task: view.task } : {}),
    ...(view.architectureFamily ? { architectureFamily: view.architectureFamily } : {}),
    ...(view.modelArchitecture ? { modelArchitecture: view.modelArchitecture } : {}),
    ...(view.datasets.length ? { datasets: view.datasets.map((d) => ({ ref: d.ref })) } : {}),
  };
  const properties = [
    ...[...view.hyperparameters].map(([k, v]) => ({ name: `${HP}${k}`, value: v })),
    ...[...view.tokenizer].map(([k, v]) => ({ name: `${TOKENIZER}${k}`, value: v })),
    ...[...view.facts.generation].map(([k, v]) => ({ name: `palisade:ai:generation:${k}`, value: v })),
    ...props([
      ['palisade:ai:informationAboutTraining', card?.informationAboutTraining],
      ['palisade:ai:informationAboutApplication', card?.informationAboutApplication],
      ['palisade:ai:modelDataPreprocessing', card?.preprocessing],
    ]),
  ];
  const metrics = view.metrics.map((m) => ({
    type: m.type,
    value: m.value,
    ...(m.dataset ? { slice: m.split ? `${m.dataset} (${m.split})` : m.dataset } : {}),
  }));
  return {
    ...(Object.keys(modelParameters).length ? { modelParameters } : {}),
    ...(metrics.length ? { quantitativeAnalysis: { performanceMetrics: metrics } } : {}),
    ...(Object.keys(considerations).length ? { considerations } : {}),
    ...(properties.length ? { properties } : {}),
  };
}

function modelProperties(view: ModelView): Property[] {
  const u = view.user;
  return props([
    [
      'cdx:ai-ml:model:parameter:count',
      view.parameterCount === undefined ? undefined : humanCount(view.parameterCount),
    ],
    ['palisade:ai:parameterCount', view.parameterCount?.toString()],
    ['cdx:ai-ml:model:languages', view.facts.card?.languages.join(',')],
    ['palisade:oms:rootDigest', `sha256:${view.facts.rootDigest}`],
    ['palisade:ai:serialization', view.serializations.join(',')],
    ['palisade:ai:requiresRemoteCode', view.facts.remoteCode.length ? 'true' : undefined],
    ['palisade:ai:remoteCodeFiles', view.facts.remoteCode.join(',')],
    ['palisade:ai:gated', view.facts.card?.gated ? 'true' : undefined],
    ['palisade:ai:torchDtype', view.facts.config?.torchDtype],
    ['palisade:ai:libraryName', view.facts.card?.libraryName],
    ['palisade:license:effectiveRisk', view.effectiveRisk],
    ['palisade:license:conflict', view.licenseConflict ? 'true' : undefined],
    ['palisade:ai:safetyRiskAssessment', u.safetyRiskAssessment],
    ['palisade:ai:autonomyType', u.autonomyType],
    ['palisade:ai:useSensitivePersonalInformation', u.useSensitivePersonalInformation],
    ...(u.domain ?? []).map((d) => ['palisade:ai:domain', d] as const),
    ...(u.standardCompliance ?? []).map((s) => ['palisade:ai:standardCompliance', s] as const),
  ]);
}

function fileComponents(view: ModelView): Component[] {
  return view.facts.files.map((file) => {
    const w = file.weights;
    return {
      type: 'file',
      'bom-ref': `file:${file.path}`,
      name: file.path,
      hashes: [{ alg: 'SHA-256', content: file.sha256 }],
      properties: props([
        ['palisade:file:role', file.role],
        ['palisade:file:format', w?.format],
        ['palisade:ai:parameterCount', w?.parameterCount?.toString()],
        ['palisade:ai:tensorCount', w?.tensorCount?.toString()],
        ['palisade:ai:dtypes', w?.dtypes?.join(',')],
        ['palisade:ai:serialization', w?.pickle ? 'pickle' : undefined],
        ...[...(w?.metadata ?? [])].slice(0, 50).map(([k, v]) => [`palisade:ai:metadata:${k}`, v] as const),
      ]),
    };
  });
}

function datasetComponents(view: ModelView): Component[] {
  return view.datasets.map((d) => ({
    type: 'data',
    'bom-ref': d.ref,
    name: d.name,
    ...(d.license ? { licenses: licenseChoices([d.license]) } : {}),
    data: [
      {
        type: 'dataset',
        name: d.name,
        ...(d.url ? { contents: { url: d.url } } : {}),
      },
    ],
    ...(d.url ? { externalReferences: [{ type: 'distribution', url: d.url }] } : {}),
    properties: [
      { name: 'palisade:ai:datasetRole', value: d.role },
      { name: 'palisade:ai:declaredBy', value: d.declaredBy },
    ],
  }));
}

function chatTemplateComponents(view: ModelView): Component[] {
  return view.facts.chatTemplates.map((t) => ({
    type: 'data',
    'bom-ref': `chat-template:${t.source}:${t.name}`,
    name: `chat template ${t.name}`,
    hashes: [{ alg: 'SHA-256', content: t.sha256 }],
    data: [{ type: 'configuration', name: `chat template ${t.name}` }],
    properties: [
      { name: 'cdx:ai-ml:model:template:chat', value: t.name },
      { name: 'palisade:ai:templateSource', value: t.source },
      { name: 'palisade:ai:templateBytes', value: String(t.bytes) },
    ],
  }));
}

function libraryComponents(view: ModelView): Component[] {
  const out: Component[] = view.facts.packages.map((p) => {
    const purl = packagePurl(p);
    return {
      type: 'library',
      'bom-ref': purl,
      name: p.name,
      ...(p.version ? { version: p.version } : {}),
      purl,
      ...(p.optional ? { scope: 'optional' as const } : {}),
      properties: props([
        ['palisade:dependency:source', p.source],
        ['palisade:dependency:constraint', p.constraint],
      ]),
    };
  });
  const library = view.facts.card?.libraryName;
  if (library && !out.some((c) => c.name === library.toLowerCase())) {
    const purl = `pkg:pypi/${library.toLowerCase().replace(/[-_.]+/g, '-')}`;
    out.push({
      type: 'library',
      'bom-ref': purl,
      name: library,
      purl,
      properties: [{ name: 'palisade:dependency:source', value: 'README.md library_name' }],
    });
  }
  return out;
}

function ancestors(view: ModelView): Component[] {
  return view.baseModels.map((b) => {
    const [group, name] = b.id.includes('/') ? b.id.split('/') : [undefined, b.id];
    return {
      type: 'machine-learning-model',
      'bom-ref': b.ref,
      name: name ?? b.id,
      ...(group ? { group } : {}),
      ...(b.purl ? { purl: b.purl } : {}),
      ...(b.license ? { licenses: licenseChoices([b.license]) } : {}),
      ...(b.relation ? { properties: [{ name: 'palisade:ai:baseModelRelation', value: b.relation }] } : {}),
    };
  });
}

/** Writes the CycloneDX 1.6 or 1.7 ML-BOM of a model. */
export function buildCycloneDx(view: ModelView, options: BuildOptions): CycloneDxBom {
  const files = fileComponents(view);
  const datasets = datasetComponents(view);
  const templates = chatTemplateComponents(view);
  const libraries = libraryComponents(view);
  const card = modelCard(view);
  const references = externalReferences(view);
  const model: Component = {
    type: 'machine-learning-model',
    'bom-ref': view.ref,
    name: view.name,
    ...(view.group ? { group: view.group } : {}),
    ...(view.version ? { version: view.version } : {}),
    ...(view.description ? { description: view.description } : {}),
    ...(view.supplier ? { supplier: { name: view.supplier } } : {}),
    ...(view.facts.isDirectory || !files[0]?.hashes ? {} : { hashes: files[0].hashes }),
    ...(view.licenses.length ? { licenses: licenseChoices(view.licenses) } : {}),
    purl: view.purl,
    ...(references.length ? { externalReferences: references } : {}),
    properties: modelProperties(view),
    ...(view.facts.card?.tags.length ? { tags: [...new Set(view.facts.card.tags)] } : {}),
    ...(view.baseModels.length ? { pedigree: { ancestors: ancestors(view) } } : {}),
    ...(Object.keys(card).length ? { modelCard: card } : {}),
  };
  const fileRefs = new Map(
    view.facts.files.map((f) => [
      view.facts.isDirectory ? `${view.facts.root}/${f.path}` : view.facts.root,
      `file:${f.path}`,
    ]),
  );
  const vulnerabilities = findingsToVulnerabilities(options.findings, fileRefs, view.ref);
  const specUrl = `http://cyclonedx.org/schema/bom-${options.specVersion}.schema.json`;
  return {
    $schema: specUrl,
    bomFormat: 'CycloneDX',
    specVersion: options.specVersion,
    serialNumber: options.serialNumber ?? `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: (options.timestamp ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      lifecycles: [{ phase: 'post-build' }],
      tools: {
        components: [
          {
            type: 'application',
            'bom-ref': 'tool:palisade',
            name: 'palisade',
            group: 'palisade',
            version: BOM_VERSION,
          },
        ],
      },
      component: { ...model, components: files },
    },
    components: [...datasets, ...templates, ...libraries],
    dependencies: [
      {
        ref: view.ref,
        dependsOn: [...datasets, ...templates, ...libraries].map((c) => c['bom-ref']),
      },
      ...[...datasets, ...templates, ...libraries].map((c) => ({ ref: c['bom-ref'] })),
    ],
    ...(vulnerabilities.length ? { vulnerabilities } : {}),
  };
}
