import type { Component, CycloneDxBom, Property } from './cyclonedx/types.ts';

/**
 * The OWASP GenAI AIBOM completeness rubric (aibom-generator `field_registry.json` + `scoring.py` @ c5a3f2f):
 * the same 48 fields, tiers, categories, category weights, penalties and profiles, but each field is checked at
 * the place where CycloneDX 1.6/1.7 and the cdx:ai-ml taxonomy put it in Palisade's documents (the model is
 * `metadata.component`), and every missing field says where to declare it.
 *
 * category score = present / counted × weight; total = Σ categories × penalty (missing critical > 3: × 0.8,
 * 2–3: × 0.9; missing important ≥ 5: × 0.95), rounded to one decimal. GGUF-only fields count only when present.
 */

export type Tier = 'critical' | 'important' | 'supplementary';
export type Category =
  | 'required_fields'
  | 'metadata'
  | 'component_basic'
  | 'component_model_card'
  | 'external_references';

export const CATEGORY_WEIGHTS: Readonly<Record<Category, number>> = {
  required_fields: 20,
  metadata: 20,
  component_basic: 20,
  component_model_card: 30,
  external_references: 10,
};

export interface MissingField {
  readonly field: string;
  readonly tier: Tier;
  readonly category: Category;
  /** JSONPath of the place the field goes in the CycloneDX document. */
  readonly path: string;
  /** Where to declare it so that the next BOM has it. */
  readonly remediation: string;
}

export interface CategoryScore {
  readonly present: number;
  readonly total: number;
  readonly points: number;
  readonly max: number;
}

export interface Completeness {
  /** 0–100, one decimal. */
  readonly score: number;
  readonly profile: 'advanced' | 'standard' | 'basic' | 'incomplete';
  readonly categories: Readonly<Record<Category, CategoryScore>>;
  readonly penalty: number;
  readonly present: readonly string[];
  readonly missing: readonly MissingField[];
}

interface FieldRule {
  readonly field: string;
  readonly tier: Tier;
  readonly category: Category;
  readonly path: string;
  readonly remediation: string;
  readonly present: (bom: CycloneDxBom, model: Component) => boolean;
  /** Counted only when present (GGUF header fields). */
  readonly optional?: boolean;
}

const M = '$.metadata.component';
const CARD = `${M}.modelCard`;

function hasProp(list: readonly Property[] | undefined, name: string): boolean {
  return (list ?? []).some((p) => p.name === name && p.value !== '');
}
function hasPrefix(list: readonly Property[] | undefined, prefix: string): boolean {
  return (list ?? []).some((p) => p.name.startsWith(prefix));
}
function nonEmpty(value: readonly unknown[] | undefined): boolean {
  return value !== undefined && value.length > 0;
}
function ref(model: Component, type: string): boolean {
  return (model.externalReferences ?? []).some((r) => r.type === type && r.url !== '');
}
function cardProp(name: string) {
  return (_: CycloneDxBom, m: Component) => hasProp(m.modelCard?.properties, name);
}
function modelProp(name: string) {
  return (_: CycloneDxBom, m: Component) => hasProp(m.properties, name);
}

const CARD_YAML = 'README.md front matter';
const USER = 'palisade bom';

function gguf(field: string, name: string, source: string): FieldRule {
  return {
    field,
    tier: 'supplementary',
    category: 'component_model_card',
    path: `${CARD}.properties[?(@.name=='${name}')]`,
    remediation: source,
    present: cardProp(name),
    optional: true,
  };
}

export const RUBRIC: readonly FieldRule[] = [
  {
    field: 'bomFormat',
    tier: 'critical',
    category: 'required_fields',
    path: '$.bomFormat',
    remediation: 'always written',
    present: (b) => b.bomFormat === 'CycloneDX',
  },
  {
    field: 'specVersion',
    tier: 'critical',
    category: 'required_fields',
    path: '$.specVersion',
    remediation: 'always written',
    present: (b) => Boolean(b.specVersion),
  },
  {
    field: 'serialNumber',
    tier: 'critical',
    category: 'required_fields',
    path: '$.serialNumber',
    remediation: 'always written',
    present: (b) => Boolean(b.serialNumber),
  },
  {
    field: 'version',
    tier: 'critical',
    category: 'required_fields',
    path: '$.version',
    remediation: 'always written',
    present: (b) => Number.isInteger(b.version),
  },
  {
    field: 'primaryPurpose',
    tier: 'critical',
    category: 'metadata',
    path: `${CARD}.modelParameters.task`,
    remediation: `${CARD_YAML}: pipeline_tag`,
    present: (_, m) => Boolean(m.modelCard?.modelParameters?.task),
  },
  {
    field: 'suppliedBy',
    tier: 'critical',
    category: 'metadata',
    path: `${M}.supplier.name`,
    remediation: `README.md "Developed by:", or ${USER} --supplier`,
    present: (_, m) => Boolean(m.supplier?.name),
  },
  {
    field: 'standardCompliance',
    tier: 'supplementary',
    category: 'metadata',
    path: `${M}.properties[?(@.name=='palisade:ai:standardCompliance')]`,
    remediation: `${USER} --standard-compliance`,
    present: modelProp('palisade:ai:standardCompliance'),
  },
  {
    field: 'domain',
    tier: 'supplementary',
    category: 'metadata',
    path: `${M}.properties[?(@.name=='palisade:ai:domain')]`,
    remediation: `${USER} --domain`,
    present: modelProp('palisade:ai:domain'),
  },
  {
    field: 'autonomyType',
    tier: 'supplementary',
    category: 'metadata',
    path: `${M}.properties[?(@.name=='palisade:ai:autonomyType')]`,
    remediation: `${USER} --autonomy-type`,
    present: modelProp('palisade:ai:autonomyType'),
  },
  {
    field: 'external_references',
    tier: 'supplementary',
    category: 'component_basic',
    path: `${M}.externalReferences`,
    remediation: `${USER} --repo-id or a README.md`,
    present: (_, m) => nonEmpty(m.externalReferences),
  },
  {
    field: 'name',
    tier: 'critical',
    category: 'component_basic',
    path: `${M}.name`,
    remediation: 'always written',
    present: (_, m) => Boolean(m.name),
  },
  {
    field: 'type',
    tier: 'critical',
    category: 'component_basic',
    path: `${M}.type`,
    remediation: 'always written',
    present: (_, m) => m.type === 'machine-learning-model',
  },
  {
    field: 'component_version',
    tier: 'critical',
    category: 'component_basic',
    path: `${M}.version`,
    remediation: `a git clone or HF cache snapshot, or ${USER} --revision`,
    present: (_, m) => Boolean(m.version),
  },
  {
    field: 'purl',
    tier: 'important',
    category: 'component_basic',
    path: `${M}.purl`,
    remediation: `${USER} --repo-id`,
    present: (_, m) => Boolean(m.purl),
  },
  {
    field: 'description',
    tier: 'important',
    category: 'component_basic',
    path: `${M}.description`,
    remediation: 'README.md "Model Description" section',
    present: (_, m) => Boolean(m.description),
  },
  {
    field: 'licenses',
    tier: 'important',
    category: 'component_basic',
    path: `${M}.licenses`,
    remediation: `${CARD_YAML}: license, or ${USER} --license`,
    present: (_, m) => nonEmpty(m.licenses),
  },
  {
    field: 'datasets',
    tier: 'important',
    category: 'component_model_card',
    path: `${CARD}.modelParameters.datasets`,
    remediation: `${CARD_YAML}: datasets, or ${USER} --dataset`,
    present: (_, m) => nonEmpty(m.modelCard?.modelParameters?.datasets),
  },
  {
    field: 'ethicalConsiderations',
    tier: 'important',
    category: 'component_model_card',
    path: `${CARD}.considerations.ethicalConsiderations`,
    remediation: 'README.md "Bias, Risks, and Limitations" section',
    present: (_, m) => nonEmpty(m.modelCard?.considerations?.ethicalConsiderations),
  },
  {
    field: 'energyConsumption',
    tier: 'important',
    category: 'component_model_card',
    path: `${CARD}.considerations.environmentalConsiderations`,
    remediation: `${CARD_YAML}: co2_eq_emissions`,
    present: (_, m) => Boolean(m.modelCard?.considerations?.environmentalConsiderations),
  },
  {
    field: 'hyperparameter',
    tier: 'important',
    category: 'component_model_card',
    path: `${CARD}.properties[?(@.name=~/^cdx:ai-ml:model:hyperparameter:/)]`,
    remediation: 'config.json or a GGUF header',
    present: (_, m) => hasPrefix(m.modelCard?.properties, 'cdx:ai-ml:model:hyperparameter:'),
  },
  {
    field: 'technicalLimitations',
    tier: 'important',
    category: 'component_model_card',
    path: `${CARD}.considerations.technicalLimitations`,
    remediation: `README.md "Limitations" / "Out-of-Scope Use" sections, or ${USER} --limitation`,
    present: (_, m) => nonEmpty(m.modelCard?.considerations?.technicalLimitations),
  },
  {
    field: 'safetyRiskAssessment',
    tier: 'important',
    category: 'component_model_card',
    path: `${M}.properties[?(@.name=='palisade:ai:safetyRiskAssessment')]`,
    remediation: `${USER} --safety-risk serious|high|medium|low`,
    present: modelProp('palisade:ai:safetyRiskAssessment'),
  },
  {
    field: 'intendedUse',
    tier: 'important',
    category: 'component_model_card',
    path: `${CARD}.considerations.useCases`,
    remediation: `README.md "Uses" / "Direct Use" sections, or ${USER} --intended-use`,
    present: (_, m) => nonEmpty(m.modelCard?.considerations?.useCases),
  },
  {
    field: 'typeOfModel',
    tier: 'important',
    category: 'component_model_card',
    path: `${CARD}.modelParameters.modelArchitecture`,
    remediation: 'config.json: architectures',
    present: (_, m) =>
      Boolean(
        m.modelCard?.modelParameters?.modelArchitecture ?? m.modelCard?.modelParameters?.architectureFamily,
      ),
  },
  {
    field: 'modelExplainability',
    tier: 'supplementary',
    category: 'component_model_card',
    path: `${M}.properties[?(@.name=='palisade:ai:modelExplainability')]`,
    remediation: 'no artifact declares it yet',
    present: modelProp('palisade:ai:modelExplainability'),
  },
  {
    field: 'energyQuantity',
    tier: 'supplementary',
    category: 'component_model_card',
    path: `${CARD}.considerations.environmentalConsiderations.energyConsumptions[*].activityEnergyCost.value`,
    remediation: 'no artifact declares it yet (kWh)',
    present: (_, m) => nonEmpty(m.modelCard?.considerations?.environmentalConsiderations?.energyConsumptions),
  },
  {
    field: 'energyUnit',
    tier: 'supplementary',
    category: 'component_model_card',
    path: `${CARD}.considerations.environmentalConsiderations.energyConsumptions[*].activityEnergyCost.unit`,
    remediation: 'no artifact declares it yet (kWh)',
    present: (_, m) => nonEmpty(m.modelCard?.considerations?.environmentalConsiderations?.energyConsumptions),
  },
  {
    field: 'informationAboutTraining',
    tier: 'supplementary',
    category: 'component_model_card',
    path: `${CARD}.properties[?(@.name=='palisade:ai:informationAboutTraining')]`,
    remediation: 'README.md "Training Data" / "Training Procedure" sections',
    present: cardProp('palisade:ai:informationAboutTraining'),
  },
  {
    field: 'informationAboutApplication',
    tier: 'supplementary',
    category: 'component_model_card',
    path: `${CARD}.properties[?(@.name=='palisade:ai:informationAboutApplication')]`,
    remediation: 'README.md "Downstream Use" section',
    present: cardProp('palisade:ai:informationAboutApplication'),
  },
  {
    field: 'metric',
    tier: 'supplementary',
    category: 'component_model_card',
    path: `${CARD}.quantitativeAnalysis.performanceMetrics`,
    remediation: `${CARD_YAML}: model-index results`,
    present: (_, m) => nonEmpty(m.modelCard?.quantitativeAnalysis?.performanceMetrics),
  },
  {
    field: 'metricDecisionThreshold',
    tier: 'supplementary',
    category: 'component_model_card',
    path: `${M}.properties[?(@.name=='palisade:ai:metricDecisionThreshold')]`,
    remediation: 'no artifact declares it yet',
    present: modelProp('palisade:ai:metricDecisionThreshold'),
  },
  {
    field: 'modelDataPreprocessing',
    tier: 'supplementary',
    category: 'component_model_card',
    path: `${CARD}.properties[?(@.name=='palisade:ai:modelDataPreprocessing')]`,
    remediation: 'README.md "Preprocessing" section',
    present: cardProp('palisade:ai:modelDataPreprocessing'),
  },
  {
    field: 'useSensitivePersonalInformation',
    tier: 'supplementary',
    category: 'component_model_card',
    path: `${M}.properties[?(@.name=='palisade:ai:useSensitivePersonalInformation')]`,
    remediation: `${USER} --sensitive-data yes|no`,
    present: modelProp('palisade:ai:useSensitivePersonalInformation'),
  },
  {
    field: 'downloadLocation',
    tier: 'important',
    category: 'external_references',
    path: `${M}.externalReferences[?(@.type=='distribution')]`,
    remediation: `${USER} --repo-id or --download-url`,
    present: (_, m) => ref(m, 'distribution'),
  },
  {
    field: 'paper',
    tier: 'supplementary',
    category: 'external_references',
    path: `${M}.externalReferences[?(@.type=='documentation')]`,
    remediation: `${CARD_YAML}: an arxiv:<id> tag`,
    present: (_, m) => ref(m, 'documentation'),
  },
  {
    field: 'vcs',
    tier: 'supplementary',
    category: 'external_references',
    path: `${M}.externalReferences[?(@.type=='vcs')]`,
    remediation: `${USER} --repo-id`,
    present: (_, m) => ref(m, 'vcs'),
  },
  {
    field: 'website',
    tier: 'supplementary',
    category: 'external_references',
    path: `${M}.externalReferences[?(@.type=='website')]`,
    remediation: `${USER} --repo-id`,
    present: (_, m) => ref(m, 'website'),
  },
  gguf('vocab_size', 'cdx:ai-ml:model:hyperparameter:vocab_size', 'config.json vocab_size or GGUF tokenizer'),
  gguf(
    'tokenizer_class',
    'cdx:ai-ml:tokenizer:hyperparameter:tokenizer_class',
    'tokenizer_config.json or GGUF tokenizer.ggml.model',
  ),
  gguf('context_length', 'cdx:ai-ml:model:hyperparameter:context_length', 'GGUF <arch>.context_length'),
  gguf(
    'embedding_length',
    'cdx:ai-ml:model:hyperparameter:hidden_size',
    'config.json hidden_size or GGUF embedding_length',
  ),
  gguf(
    'block_count',
    'cdx:ai-ml:model:hyperparameter:num_hidden_layers',
    'config.json num_hidden_layers or GGUF block_count',
  ),
  gguf(
    'attention_head_count',
    'cdx:ai-ml:model:hyperparameter:num_attention_heads',
    'config.json or GGUF attention.head_count',
  ),
  gguf(
    'attention_head_count_kv',
    'cdx:ai-ml:model:hyperparameter:num_key_value_heads',
    'config.json or GGUF attention.head_count_kv',
  ),
  gguf(
    'feed_forward_length',
    'cdx:ai-ml:model:hyperparameter:intermediate_size',
    'config.json or GGUF feed_forward_length',
  ),
  gguf(
    'rope_dimension_count',
    'cdx:ai-ml:model:hyperparameter:rope_dimension_count',
    'GGUF rope.dimension_count',
  ),
  gguf(
    'quantization_version',
    'cdx:ai-ml:model:hyperparameter:quantization_version',
    'GGUF general.quantization_version',
  ),
  gguf(
    'quantization_file_type',
    'cdx:ai-ml:model:hyperparameter:quantization',
    'GGUF general.file_type or config.json quantization_config',
  ),
];

const PROFILES = [
  {
    name: 'advanced',
    minimum: 85,
    fields: [
      'type',
      'purl',
      'description',
      'licenses',
      'hyperparameter',
      'technicalLimitations',
      'energyConsumption',
      'safetyRiskAssessment',
      'typeOfModel',
    ],
  },
  { name: 'standard', minimum: 70, fields: ['downloadLocation', 'primaryPurpose', 'suppliedBy'] },
  { name: 'basic', minimum: 40, fields: ['bomFormat', 'specVersion', 'serialNumber', 'version', 'name'] },
] as const;

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Scores a CycloneDX ML-BOM written by Palisade against the rubric. */
export function scoreCompleteness(bom: CycloneDxBom): Completeness {
  const model = bom.metadata.component;
  const counts = Object.fromEntries(
    Object.keys(CATEGORY_WEIGHTS).map((c) => [c, { present: 0, total: 0 }]),
  ) as Record<Category, { present: number; total: number }>;
  const present: string[] = [];
  const missing: MissingField[] = [];
  for (const rule of RUBRIC) {
    const here = rule.present(bom, model);
    if (rule.optional && !here) continue;
    counts[rule.category].total++;
    if (here) {
      counts[rule.category].present++;
      present.push(rule.field);
    } else {
      missing.push({
        field: rule.field,
        tier: rule.tier,
        category: rule.category,
        path: rule.path,
        remediation: rule.remediation,
      });
    }
  }
  const categories = {} as Record<Category, CategoryScore>;
  let subtotal = 0;
  for (const [category, max] of Object.entries(CATEGORY_WEIGHTS) as [Category, number][]) {
    const { present: p, total } = counts[category];
    const points = total === 0 ? 0 : round1((p / total) * max);
    categories[category] = { present: p, total, points, max };
    subtotal += points;
  }
  const missingCritical = missing.filter((m) => m.tier === 'critical').length;
  const missingImportant = missing.filter((m) => m.tier === 'important').length;
  let penalty = missingCritical > 3 ? 0.8 : missingCritical >= 2 ? 0.9 : 1;
  if (missingImportant >= 5) penalty *= 0.95;
  const score = Math.max(0, Math.min(100, round1(subtotal * penalty)));
  const has = new Set(present);
  let profile: Completeness['profile'] = 'incomplete';
  const needed: string[] = [];
  for (const p of [...PROFILES].reverse()) {
    needed.push(...p.fields);
    if (score >= p.minimum && needed.every((f) => has.has(f))) profile = p.name;
  }
  const order: Record<Tier, number> = { critical: 0, important: 1, supplementary: 2 };
  missing.sort((a, b) => order[a.tier] - order[b.tier]);
  return { score, profile, categories, penalty, present, missing };
}
