import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { SchemaError } from '../cyclonedx/validate.ts';
import { SPDX_CONTEXT } from './build.ts';

/**
 * Structural validation of SPDX 3.0.1 JSON-LD. The official schema (spdx.org/schema/3.0.1/spdx-json-schema.json)
 * could not be obtained for this repository, so this checks what the SPDX 3.0.1 model (spdx/spdx-3-model,
 * `model/Core`, `Software`, `AI`, `Dataset`, `SimpleLicensing`) and spec ml-bom.md §4 require of the classes
 * Palisade writes — required properties, vocabularies, IRIs — plus referential integrity, which a JSON schema
 * cannot express: every id an element points to is defined in the document.
 */

const IRI = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9+.-]*:[^\\s]+$' };
const IRI_LIST = { type: 'array', minItems: 1, items: IRI };
const PRESENCE = { enum: ['yes', 'no', 'noAssertion'] };
const DICTIONARY = {
  type: 'array',
  items: {
    type: 'object',
    required: ['type', 'key'],
    properties: {
      type: { const: 'DictionaryEntry' },
      key: { type: 'string', minLength: 1 },
      value: { type: 'string' },
    },
    additionalProperties: false,
  },
};
const HASHES = {
  type: 'array',
  items: {
    type: 'object',
    required: ['type', 'algorithm', 'hashValue'],
    properties: {
      type: { const: 'Hash' },
      algorithm: {
        enum: [
          'sha1',
          'sha224',
          'sha256',
          'sha384',
          'sha512',
          'sha3_256',
          'sha3_384',
          'sha3_512',
          'blake2b256',
          'blake2b384',
          'blake2b512',
          'blake3',
          'md5',
          'other',
        ],
      },
      hashValue: { type: 'string', pattern: '^[0-9a-f]+$' },
    },
    additionalProperties: false,
  },
};
const PURPOSE = {
  enum: [
    'application',
    'archive',
    'bom',
    'configuration',
    'container',
    'data',
    'device',
    'deviceDriver',
    'diskImage',
    'documentation',
    'evidence',
    'executable',
    'file',
    'filesystemImage',
    'firmware',
    'framework',
    'install',
    'library',
    'manifest',
    'model',
    'module',
    'operatingSystem',
    'other',
    'patch',
    'platform',
    'requirement',
    'source',
    'specification',
    'test',
  ],
};
const RELATIONSHIP_TYPES = [
  'affects',
  'amendedBy',
  'ancestorOf',
  'availableFrom',
  'configures',
  'contains',
  'coordinatedBy',
  'copiedTo',
  'delegatedTo',
  'dependsOn',
  'descendantOf',
  'describes',
  'doesNotAffect',
  'expandsTo',
  'exploitCreatedBy',
  'fixedBy',
  'fixedIn',
  'foundBy',
  'generates',
  'hasAddedFile',
  'hasAssessmentFor',
  'hasAssociatedVulnerability',
  'hasConcludedLicense',
  'hasDataFile',
  'hasDeclaredLicense',
  'hasDeletedFile',
  'hasDependencyManifest',
  'hasDistributionArtifact',
  'hasDocumentation',
  'hasDynamicLink',
  'hasEvidence',
  'hasExample',
  'hasHost',
  'hasInput',
  'hasMetadata',
  'hasOptionalComponent',
  'hasOptionalDependency',
  'hasOutput',
  'hasPrerequisite',
  'hasProvidedDependency',
  'hasRequirement',
  'hasSpecification',
  'hasStaticLink',
  'hasTest',
  'hasTestCase',
  'hasVariant',
  'invokedBy',
  'modifiedBy',
  'other',
  'packagedBy',
  'patchedBy',
  'publishedBy',
  'reportedBy',
  'republishedBy',
  'serializedInArtifact',
  'testedOn',
  'trainedOn',
  'underInvestigationFor',
  'usesTool',
];

/** JSON Schema `if`/`then`: applies `schema` to the items whose `type` is `type`. */
function whenType(type: string, schema: Record<string, unknown>): Record<string, unknown> {
  // biome-ignore lint/suspicious/noThenProperty: `then` is the JSON Schema keyword, not a thenable.
  return { if: { properties: { type: { const: type } }, required: ['type'] }, then: schema };
}

/** Properties every Element has, and the per-class ones Palisade writes. */
const element = (type: string, required: readonly string[], properties: Record<string, unknown>) =>
  whenType(type, {
    required: ['spdxId', 'creationInfo', ...required],
    properties: {
      type: { const: type },
      spdxId: IRI,
      creationInfo: { type: 'string', pattern: '^_:' },
      name: { type: 'string' },
      description: { type: 'string' },
      verifiedUsing: HASHES,
      ...properties,
    },
    additionalProperties: false,
  });

const PACKAGE = {
  software_packageVersion: { type: 'string' },
  software_packageUrl: { type: 'string', pattern: '^pkg:' },
  software_downloadLocation: IRI,
  software_homePage: IRI,
  software_primaryPurpose: PURPOSE,
  suppliedBy: IRI,
};

const SCHEMA = {
  type: 'object',
  required: ['@context', '@graph'],
  properties: {
    '@context': { const: SPDX_CONTEXT },
    '@graph': { type: 'array', minItems: 1, items: { $ref: '#/$defs/item' } },
  },
  additionalProperties: false,
  $defs: {
    item: {
      type: 'object',
      required: ['type'],
      properties: {
        type: {
          enum: [
            'CreationInfo',
            'SoftwareAgent',
            'Tool',
            'Organization',
            'Person',
            'ai_AIPackage',
            'dataset_DatasetPackage',
            'software_File',
            'software_Package',
            'software_Sbom',
            'SpdxDocument',
            'Relationship',
            'simplelicensing_LicenseExpression',
          ],
        },
      },
      allOf: [
        whenType('CreationInfo', {
          required: ['@id', 'specVersion', 'created', 'createdBy'],
          properties: {
            type: { const: 'CreationInfo' },
            '@id': { type: 'string', pattern: '^_:' },
            specVersion: { const: '3.0.1' },
            created: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
            createdBy: IRI_LIST,
            createdUsing: IRI_LIST,
          },
          additionalProperties: false,
        }),
        element('SoftwareAgent', ['name'], {}),
        element('Tool', ['name'], {}),
        element('Organization', ['name'], {}),
        element('Person', ['name'], {}),
        element('ai_AIPackage', ['name', 'software_primaryPurpose'], {
          ...PACKAGE,
          ai_typeOfModel: { type: 'array', items: { type: 'string' } },
          ai_hyperparameter: DICTIONARY,
          ai_metric: DICTIONARY,
          ai_metricDecisionThreshold: DICTIONARY,
          ai_informationAboutApplication: { type: 'string' },
          ai_informationAboutTraining: { type: 'string' },
          ai_limitation: { type: 'string' },
          ai_modelDataPreprocessing: { type: 'array', items: { type: 'string' } },
          ai_modelExplainability: { type: 'array', items: { type: 'string' } },
          ai_domain: { type: 'array', items: { type: 'string' } },
          ai_standardCompliance: { type: 'array', items: { type: 'string' } },
          ai_safetyRiskAssessment: { enum: ['serious', 'high', 'medium', 'low'] },
          ai_autonomyType: PRESENCE,
          ai_useSensitivePersonalInformation: PRESENCE,
        }),
        element('dataset_DatasetPackage', ['name', 'dataset_datasetType', 'software_primaryPurpose'], {
          ...PACKAGE,
          dataset_datasetType: {
            type: 'array',
            minItems: 1,
            items: {
              enum: [
                'audio',
                'categorical',
                'graph',
                'image',
                'noAssertion',
                'numeric',
                'other',
                'sensor',
                'structured',
                'syntactic',
                'text',
                'timeseries',
                'timestamp',
                'video',
              ],
            },
          },
        }),
        element('software_File', ['name'], {
          software_fileKind: { enum: ['directory', 'file'] },
          software_primaryPurpose: PURPOSE,
        }),
        element('software_Package', ['name'], PACKAGE),
        element('software_Sbom', ['rootElement', 'element'], {
          rootElement: IRI_LIST,
          element: IRI_LIST,
          software_sbomType: {
            type: 'array',
            items: { enum: ['analyzed', 'build', 'deployed', 'design', 'runtime', 'source'] },
          },
        }),
        element('SpdxDocument', ['rootElement', 'element'], {
          rootElement: IRI_LIST,
          element: IRI_LIST,
          profileConformance: {
            type: 'array',
            items: {
              enum: [
                'core',
                'software',
                'simpleLicensing',
                'expandedLicensing',
                'security',
                'build',
                'ai',
                'dataset',
                'extension',
                'lite',
              ],
            },
          },
          dataLicense: IRI,
        }),
        element('Relationship', ['from', 'to', 'relationshipType'], {
          from: IRI,
          to: IRI_LIST,
          relationshipType: { enum: RELATIONSHIP_TYPES },
          completeness: { enum: ['complete', 'incomplete', 'noAssertion'] },
        }),
        element('simplelicensing_LicenseExpression', ['simplelicensing_licenseExpression'], {
          simplelicensing_licenseExpression: { type: 'string', minLength: 1 },
          simplelicensing_customIdToUri: DICTIONARY,
        }),
      ],
    },
  },
};

/** Individuals of the SPDX vocabulary that may be referenced without being defined. */
const INDIVIDUALS = new Set([
  'https://spdx.org/rdf/3.0.1/terms/Expanded/NoAssertionLicense',
  'https://spdx.org/rdf/3.0.1/terms/Expanded/NoneLicense',
]);
const REFERENCES = [
  'from',
  'to',
  'rootElement',
  'element',
  'suppliedBy',
  'createdBy',
  'createdUsing',
  'dataLicense',
];

let compiled: ValidateFunction | undefined;

export function validateSpdx(document: unknown): SchemaError[] {
  if (!compiled) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    compiled = ajv.compile(SCHEMA);
  }
  if (!compiled(document)) {
    return (compiled.errors ?? [])
      .slice(0, 50)
      .map((e) => ({ path: e.instancePath || '/', message: e.message ?? 'invalid' }));
  }
  const graph = (document as { '@graph': Record<string, unknown>[] })['@graph'];
  const defined = new Set(
    graph.flatMap((e) => [e.spdxId, e['@id']].filter((v): v is string => typeof v === 'string')),
  );
  const errors: SchemaError[] = [];
  const seen = new Set<string>();
  graph.forEach((e, i) => {
    if (typeof e.spdxId === 'string') {
      if (seen.has(e.spdxId))
        errors.push({ path: `/@graph/${i}/spdxId`, message: `duplicate id ${e.spdxId}` });
      seen.add(e.spdxId);
    }
    for (const key of [...REFERENCES, 'creationInfo']) {
      const value = e[key];
      for (const ref of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
        if (typeof ref === 'string' && !defined.has(ref) && !INDIVIDUALS.has(ref))
          errors.push({
            path: `/@graph/${i}/${key}`,
            message: `refers to ${ref}, which the document does not define`,
          });
      }
    }
  });
  return errors;
}
