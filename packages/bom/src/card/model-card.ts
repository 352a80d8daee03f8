import { isRecord, str, strList } from '../read-bounded.ts';
import { splitCard } from './front-matter.ts';
import { cardSections, type Section, sectionItems, textItems } from './sections.ts';

/** A metric from `model-index[].results[]`: values stay strings, as CycloneDX wants them. */
export interface MetricFact {
  readonly type: string;
  readonly value: string;
  readonly name?: string;
  readonly task?: string;
  readonly dataset?: string;
  readonly split?: string;
  readonly verified?: boolean;
}

/** `co2_eq_emissions` of the card: grams of CO2-equivalent and how they were measured. */
export interface Co2Fact {
  readonly grams: number;
  readonly source?: string;
  readonly trainingType?: string;
  readonly location?: string;
  readonly hardware?: string;
}

/** What a Hugging Face model card (README.md) declares. */
export interface CardFacts {
  readonly license?: string;
  readonly licenseName?: string;
  readonly licenseLink?: string;
  readonly languages: readonly string[];
  readonly libraryName?: string;
  readonly tags: readonly string[];
  readonly datasets: readonly string[];
  /** Datasets named only by the evaluation results (model-index). */
  readonly evaluationDatasets: readonly string[];
  readonly baseModels: readonly string[];
  readonly baseModelRelation?: string;
  readonly task?: string;
  readonly modelName?: string;
  readonly metrics: readonly MetricFact[];
  readonly co2?: Co2Fact;
  /** The repo is gated: access needs click-through terms (`extra_gated_*`). */
  readonly gated: boolean;
  readonly papers: readonly string[];
  readonly developedBy?: string;
  readonly description?: string;
  readonly useCases: readonly string[];
  readonly users: readonly string[];
  readonly outOfScope: readonly string[];
  readonly limitations: readonly string[];
  readonly risks: readonly string[];
  readonly recommendations: readonly string[];
  readonly informationAboutTraining?: string;
  readonly informationAboutApplication?: string;
  readonly preprocessing?: string;
}

const MAX_RESULTS = 500;

function metricsOf(frontMatter: Record<string, unknown>): { metrics: MetricFact[]; datasets: string[] } {
  const metrics: MetricFact[] = [];
  const datasets: string[] = [];
  const index = Array.isArray(frontMatter['model-index']) ? frontMatter['model-index'] : [];
  for (const entry of index.slice(0, 50)) {
    if (!isRecord(entry) || !Array.isArray(entry.results)) continue;
    for (const result of entry.results.slice(0, MAX_RESULTS)) {
      if (!isRecord(result)) continue;
      const task = isRecord(result.task) ? str(result.task.type) : undefined;
      const dataset = isRecord(result.dataset) ? result.dataset : {};
      const datasetId = str(dataset.type) ?? str(dataset.name);
      if (datasetId) datasets.push(datasetId);
      const split = str(dataset.split);
      for (const metric of Array.isArray(result.metrics) ? result.metrics.slice(0, MAX_RESULTS) : []) {
        if (!isRecord(metric)) continue;
        const type = str(metric.type);
        const value = str(metric.value);
        if (!type || value === undefined || metrics.length >= MAX_RESULTS) continue;
        const name = str(metric.name);
        metrics.push({
          type,
          value,
          ...(name ? { name } : {}),
          ...(task ? { task } : {}),
          ...(datasetId ? { dataset: datasetId } : {}),
          ...(split ? { split } : {}),
          ...(typeof metric.verified === 'boolean' ? { verified: metric.verified } : {}),
        });
      }
    }
  }
  return { metrics, datasets: [...new Set(datasets)] };
}

function co2Of(value: unknown): Co2Fact | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return { grams: value };
  if (!isRecord(value)) return undefined;
  const grams = Number(value.emissions);
  if (!Number.isFinite(grams) || grams < 0) return undefined;
  const source = str(value.source);
  const trainingType = str(value.training_type);
  const location = str(value.geographical_location);
  const hardware = str(value.hardware_used);
  return {
    grams,
    ...(source ? { source } : {}),
    ...(trainingType ? { trainingType } : {}),
    ...(location ? { location } : {}),
    ...(hardware ? { hardware } : {}),
  };
}

function papersOf(tags: readonly string[], body: string): string[] {
  const out = new Set<string>();
  for (const tag of tags) {
    const m = /^arxiv:(\d{4}\.\d{4,5})$/i.exec(tag);
    if (m) out.add(`https://arxiv.org/abs/${m[1]}`);
  }
  for (const m of body.matchAll(/https?:\/\/arxiv\.org\/(?:abs|pdf)\/(\d{4}\.\d{4,5})/g)) {
    out.add(`https://arxiv.org/abs/${m[1]}`);
    if (out.size >= 20) break;
  }
  return [...out];
}

/** `- **Developed by:** Org` in the HF template's Model Details. */
function labelled(sections: readonly Section[], label: RegExp): string | undefined {
  for (const section of sections) {
    for (const line of section.text.split('\n')) {
      const m = label.exec(line.replace(/[*_]/g, ''));
      const value = m?.[1] ? textItems(m[1])[0] : undefined;
      if (value) return value;
    }
  }
  return undefined;
}

function joined(items: readonly string[]): string | undefined {
  return items.length === 0 ? undefined : items.join('\n\n').slice(0, 8000);
}

const USE = /^(direct use|intended uses?|uses|intended use cases?|primary intended uses|how to use)$/i;
const USERS = /^(intended users|primary intended users|users)$/i;
const OUT_OF_SCOPE = /out[- ]of[- ]scope|misuse/i;
const LIMITS = /limitations|bias, risks|risks and limitations/i;
const RISKS = /^(bias(, risks,? and limitations)?|risks?|ethical considerations|ethics)$/i;
const RECOMMENDATIONS = /^recommendations?$/i;
const TRAINING = /^(training data|training details|training procedure)$/i;
const PREPROCESSING = /preprocessing/i;
const DOWNSTREAM = /^downstream use/i;
const DESCRIPTION = /^(model description|model summary|model details|description|overview)$/i;

export function readModelCard(text: string): CardFacts {
  const { frontMatter, body } = splitCard(text);
  const sections = cardSections(body);
  const tags = strList(frontMatter.tags);
  const { metrics, datasets: evaluationDatasets } = metricsOf(frontMatter);
  const index = Array.isArray(frontMatter['model-index']) ? frontMatter['model-index'][0] : undefined;
  const modelName = isRecord(index) ? str(index.name) : undefined;
  const intro = sections[0]?.heading === '' ? textItems(sections[0].text) : [];
  const firstTitled = sections.find((s) => s.heading !== '' && textItems(s.text).length > 0);
  const description =
    sectionItems(sections, DESCRIPTION)[0] ??
    intro[0] ??
    (firstTitled ? textItems(firstTitled.text)[0] : undefined);
  const risks = sectionItems(sections, RISKS);
  const facts: CardFacts = {
    license: str(frontMatter.license),
    licenseName: str(frontMatter.license_name),
    licenseLink: str(frontMatter.license_link),
    languages: strList(frontMatter.language),
    libraryName: str(frontMatter.library_name),
    tags,
    datasets: strList(frontMatter.datasets),
    evaluationDatasets,
    baseModels: strList(frontMatter.base_model),
    baseModelRelation: str(frontMatter.base_model_relation),
    task: str(frontMatter.pipeline_tag),
    modelName,
    metrics,
    co2: co2Of(frontMatter.co2_eq_emissions),
    gated: Object.keys(frontMatter).some((k) => k.startsWith('extra_gated_')),
    papers: papersOf(tags, body),
    developedBy: labelled(sections, /^\s*[-*+]?\s*(?:developed by|model developers?|shared by)\s*:\s*(.+)$/i),
    description,
    useCases: sectionItems(sections, USE),
    users: sectionItems(sections, USERS),
    outOfScope: sectionItems(sections, OUT_OF_SCOPE),
    limitations: sectionItems(sections, LIMITS),
    risks,
    recommendations: sectionItems(sections, RECOMMENDATIONS),
    informationAboutTraining: joined(sectionItems(sections, TRAINING)),
    informationAboutApplication: joined(sectionItems(sections, DOWNSTREAM)),
    preprocessing: joined(sectionItems(sections, PREPROCESSING)),
  };
  return dropUndefined(facts);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
