import { createHash, randomUUID } from 'node:crypto';
import { packagePurl } from '../deps/package-fact.ts';
import type { LicenseInfo } from '../licenses/normalize.ts';
import type { ModelView } from '../model.ts';
import { BOM_VERSION } from '../version.ts';

/**
 * SPDX 3.0.1 JSON-LD with the AI and Dataset profiles, written from the same resolved model as CycloneDX: an
 * `ai_AIPackage` for the model, `dataset_DatasetPackage`s with `trainedOn` / `testedOn` relationships,
 * `software_File`s with their SHA-256, `software_Package`s for the Python packages, base models linked by
 * `ancestorOf`, and licence expressions (`LicenseRef-` ids mapped to their URLs by `customIdToUri`).
 */

export const SPDX_CONTEXT = 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld';
const NO_ASSERTION_LICENSE = 'https://spdx.org/rdf/3.0.1/terms/Expanded/NoAssertionLicense';
const CREATION = '_:creationinfo';

export type SpdxElement = Record<string, unknown> & { readonly type: string };

export interface SpdxDocumentJson {
  readonly '@context': typeof SPDX_CONTEXT;
  readonly '@graph': readonly SpdxElement[];
}

export interface SpdxBuildOptions {
  readonly timestamp?: Date;
  /** Namespace of the element ids (default: a fresh `urn:uuid:`). */
  readonly namespace?: string;
}

function localId(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 80);
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${clean}-${digest}`;
}

function dictionary(entries: Iterable<readonly [string, string]>): Record<string, string>[] {
  return [...entries].map(([key, value]) => ({ type: 'DictionaryEntry', key, value }));
}

function expression(
  licenses: readonly LicenseInfo[],
): { text: string; custom: [string, string][] } | undefined {
  const ids = licenses.flatMap((l) => (l.id ? [l.id] : []));
  if (ids.length === 0) return undefined;
  const custom = licenses.flatMap((l) =>
    l.id && !l.spdx && l.url ? [[l.id, l.url] as [string, string]] : [],
  );
  return { text: [...new Set(ids)].join(' AND '), custom };
}

/** Properties the AI and Dataset profiles require of their packages (spdx-3-model AIPackage.md, DatasetPackage.md). */
const PROFILE_REQUIRED: Readonly<Record<string, readonly [string, readonly string[]]>> = {
  ai: [
    'ai_AIPackage',
    [
      'suppliedBy',
      'software_downloadLocation',
      'software_packageVersion',
      'software_primaryPurpose',
      'releaseTime',
    ],
  ],
  dataset: [
    'dataset_DatasetPackage',
    ['originatedBy', 'software_downloadLocation', 'software_primaryPurpose', 'releaseTime', 'builtTime'],
  ],
};

/**
 * The profiles the document conforms to: AI and Dataset only when every package of the class has what the
 * profile requires. Palisade never invents release or build times, so a model whose artifacts do not state them
 * uses the AI classes without claiming the profile.
 */
function conformance(graph: readonly SpdxElement[]): string[] {
  const out = ['core', 'software', 'simpleLicensing'];
  for (const [profile, [type, required]] of Object.entries(PROFILE_REQUIRED)) {
    const packages = graph.filter((e) => e.type === type);
    if (packages.length > 0 && packages.every((p) => required.every((key) => p[key] !== undefined)))
      out.push(profile);
  }
  return out;
}

export function buildSpdx(view: ModelView, options: SpdxBuildOptions = {}): SpdxDocumentJson {
  const ns = options.namespace ?? `urn:uuid:${randomUUID()}`;
  const id = (local: string) => `${ns}#${local}`;
  const created = (options.timestamp ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const graph: SpdxElement[] = [];
  const base = (type: string, spdxId: string, rest: Record<string, unknown>): SpdxElement => {
    const element = { type, spdxId, creationInfo: CREATION, ...rest };
    graph.push(element);
    return element;
  };
  const relationships: [string, string, readonly string[]][] = [];

  const tool = id('tool-palisade');
  const creator = id('agent-palisade');
  graph.push({
    type: 'CreationInfo',
    '@id': CREATION,
    specVersion: '3.0.1',
    created,
    createdBy: [creator],
    createdUsing: [tool],
  });
  base('SoftwareAgent', creator, { name: 'Palisade' });
  base('Tool', tool, { name: `palisade ${BOM_VERSION}` });

  const supplier = view.supplier
    ? base('Organization', id(`supplier-${localId(view.supplier)}`), { name: view.supplier })
    : undefined;
  const model = id('model');
  const hyperparameters = [...view.hyperparameters].filter(([k]) => k !== '');
  const u = view.user;
  const card = view.facts.card;
  base('ai_AIPackage', model, {
    name: view.name,
    ...(view.description ? { description: view.description } : {}),
    ...(view.version ? { software_packageVersion: view.version } : {}),
    software_packageUrl: view.purl,
    ...(view.repoId
      ? {
          software_downloadLocation: `https://huggingface.co/${view.repoId}`,
          software_homePage: `https://huggingface.co/${view.repoId}`,
        }
      : {}),
    ...(u.downloadUrl ? { software_downloadLocation: u.downloadUrl } : {}),
    software_primaryPurpose: 'model',
    ...(supplier ? { suppliedBy: supplier.spdxId } : {}),
    ...(view.facts.isDirectory
      ? {}
      : { verifiedUsing: [{ type: 'Hash', algorithm: 'sha256', hashValue: view.facts.files[0]?.sha256 }] }),
    ...(view.modelArchitecture || view.architectureFamily
      ? {
          ai_typeOfModel: [view.modelArchitecture, view.architectureFamily].filter(
            (t): t is string => t !== undefined,
          ),
        }
      : {}),
    ...(hyperparameters.length ? { ai_hyperparameter: dictionary(hyperparameters) } : {}),
    ...(view.metrics.length
      ? {
          ai_metric: dictionary(
            view.metrics.map((m) => [m.dataset ? `${m.type} (${m.dataset})` : m.type, m.value] as const),
          ),
        }
      : {}),
    ...(view.useCases.length ? { ai_informationAboutApplication: view.useCases.join('\n\n') } : {}),
    ...(card?.informationAboutTraining ? { ai_informationAboutTraining: card.informationAboutTraining } : {}),
    ...(view.limitations.length ? { ai_limitation: view.limitations.join('\n\n') } : {}),
    ...(card?.preprocessing ? { ai_modelDataPreprocessing: [card.preprocessing] } : {}),
    ...(u.domain?.length ? { ai_domain: [...u.domain] } : {}),
    ...(u.standardCompliance?.length ? { ai_standardCompliance: [...u.standardCompliance] } : {}),
    ...(u.safetyRiskAssessment ? { ai_safetyRiskAssessment: u.safetyRiskAssessment } : {}),
    ...(u.autonomyType ? { ai_autonomyType: u.autonomyType } : {}),
    ...(u.useSensitivePersonalInformation
      ? { ai_useSensitivePersonalInformation: u.useSensitivePersonalInformation }
      : {}),
  });

  const licenseElement = (licenses: readonly LicenseInfo[], key: string): string => {
    const expr = expression(licenses);
    if (!expr) return NO_ASSERTION_LICENSE;
    const spdxId = id(`license-${key}`);
    base('simplelicensing_LicenseExpression', spdxId, {
      simplelicensing_licenseExpression: expr.text,
      ...(expr.custom.length ? { simplelicensing_customIdToUri: dictionary(expr.custom) } : {}),
    });
    return spdxId;
  };
  relationships.push([model, 'hasDeclaredLicense', [licenseElement(view.licenses, 'model')]]);
  relationships.push([model, 'hasConcludedLicense', [NO_ASSERTION_LICENSE]]);

  const files = view.facts.files.map((f) =>
    base('software_File', id(`file-${localId(f.path)}`), {
      name: f.path,
      verifiedUsing: [{ type: 'Hash', algorithm: 'sha256', hashValue: f.sha256 }],
      software_fileKind: 'file',
      ...(f.role === 'weights'
        ? { software_primaryPurpose: 'model' }
        : f.role === 'code'
          ? { software_primaryPurpose: 'source' }
          : {}),
    }),
  );
  if (view.facts.isDirectory && files.length)
    relationships.push([model, 'contains', files.map((f) => f.spdxId as string)]);

  for (const dataset of view.datasets) {
    const spdxId = id(`dataset-${localId(dataset.name)}`);
    base('dataset_DatasetPackage', spdxId, {
      name: dataset.name,
      ...(dataset.url ? { software_downloadLocation: dataset.url } : {}),
      software_primaryPurpose: 'data',
      dataset_datasetType: ['noAssertion'],
    });
    relationships.push([model, dataset.role === 'training' ? 'trainedOn' : 'testedOn', [spdxId]]);
    const declared = dataset.license
      ? licenseElement([dataset.license], `dataset-${localId(dataset.name)}`)
      : NO_ASSERTION_LICENSE;
    relationships.push([spdxId, 'hasDeclaredLicense', [declared]]);
    relationships.push([spdxId, 'hasConcludedLicense', [NO_ASSERTION_LICENSE]]);
  }

  for (const ancestor of view.baseModels) {
    const spdxId = id(`base-${localId(ancestor.id)}`);
    base('ai_AIPackage', spdxId, {
      name: ancestor.id,
      ...(ancestor.purl ? { software_packageUrl: ancestor.purl } : {}),
      software_downloadLocation: `https://huggingface.co/${ancestor.id}`,
      software_primaryPurpose: 'model',
    });
    relationships.push([spdxId, 'ancestorOf', [model]]);
    relationships.push([spdxId, 'hasDeclaredLicense', [NO_ASSERTION_LICENSE]]);
    relationships.push([
      spdxId,
      'hasConcludedLicense',
      [
        ancestor.license
          ? licenseElement([ancestor.license], `base-${localId(ancestor.id)}`)
          : NO_ASSERTION_LICENSE,
      ],
    ]);
  }

  const packages = view.facts.packages.map((p) =>
    base('software_Package', id(`pkg-${localId(`${p.ecosystem}/${p.name}`)}`), {
      name: p.name,
      ...(p.version ? { software_packageVersion: p.version } : {}),
      software_packageUrl: packagePurl(p),
      software_primaryPurpose: 'library',
    }),
  );
  if (packages.length) relationships.push([model, 'dependsOn', packages.map((p) => p.spdxId as string)]);

  for (const [i, [from, type, to]] of relationships.entries())
    base('Relationship', id(`rel-${i + 1}`), { from, relationshipType: type, to: [...to] });

  const elements = graph.filter((e) => typeof e.spdxId === 'string').map((e) => e.spdxId as string);
  const sbom = id('sbom');
  base('software_Sbom', sbom, { rootElement: [model], element: elements, software_sbomType: ['analyzed'] });
  base('SpdxDocument', id('document'), {
    name: `AI-BOM of ${view.name}`,
    rootElement: [sbom],
    element: [...elements, sbom],
    profileConformance: conformance(graph),
    dataLicense: id('license-data'),
  });
  base('simplelicensing_LicenseExpression', id('license-data'), {
    simplelicensing_licenseExpression: 'CC0-1.0',
  });
  return { '@context': SPDX_CONTEXT, '@graph': graph };
}
