import type { MetricFact } from './card/model-card.ts';
import type { ModelFacts } from './collect.ts';
import type { LicenseInfo } from './licenses/normalize.ts';
import type { LicenseRisk } from './licenses/table.ts';

/** A dataset the model was trained or evaluated on. */
export interface DatasetInfo {
  readonly name: string;
  /** The dataset component's bom-ref. */
  readonly ref: string;
  readonly url?: string;
  readonly role: 'training' | 'evaluation';
  readonly declaredBy: 'card-yaml' | 'model-index' | 'user';
  /** From `datasetLicenses`: non-commercial, no-derivatives or share-alike data needs review (spec §5.3). */
  readonly license?: LicenseInfo;
}

/** A model this one derives from (fine-tune, quantization, adapter, merge). */
export interface BaseModelInfo {
  readonly id: string;
  /** The ancestor component's bom-ref. */
  readonly ref: string;
  readonly purl?: string;
  readonly relation?: string;
  readonly license?: LicenseInfo;
}

/** Facts the caller adds where the artifacts are silent (`palisade bom --dataset …`). */
export interface UserFacts {
  readonly repoId?: string;
  readonly revision?: string;
  readonly name?: string;
  readonly supplier?: string;
  readonly license?: string;
  readonly datasets?: readonly string[];
  readonly baseModels?: readonly string[];
  /** Licence of a base model (HF or SPDX id), by base model id, for inheritance. */
  readonly baseModelLicenses?: Readonly<Record<string, string>>;
  /** Licence of a dataset (HF or SPDX id), by dataset id. */
  readonly datasetLicenses?: Readonly<Record<string, string>>;
  readonly intendedUse?: readonly string[];
  readonly limitations?: readonly string[];
  readonly downloadUrl?: string;
  /** SPDX AI fields with no CycloneDX slot, carried as `palisade:ai:<name>` properties. */
  readonly safetyRiskAssessment?: 'serious' | 'high' | 'medium' | 'low';
  readonly autonomyType?: 'yes' | 'no' | 'noAssertion';
  readonly domain?: readonly string[];
  readonly standardCompliance?: readonly string[];
  readonly useSensitivePersonalInformation?: 'yes' | 'no' | 'noAssertion';
}

/** The resolved picture of a model that every output format is written from. */
export interface ModelView {
  readonly facts: ModelFacts;
  readonly user: UserFacts;
  readonly name: string;
  readonly group?: string;
  readonly version?: string;
  readonly purl: string;
  readonly ref: string;
  readonly repoId?: string;
  readonly description?: string;
  readonly supplier?: string;
  readonly task?: string;
  /** `config.json` model_type, else GGUF `general.architecture`. */
  readonly architectureFamily?: string;
  /** `config.json` architectures[0]. */
  readonly modelArchitecture?: string;
  readonly licenses: readonly LicenseInfo[];
  readonly inheritedLicenses: readonly LicenseInfo[];
  readonly effectiveRisk: LicenseRisk;
  readonly licenseConflict: boolean;
  readonly datasets: readonly DatasetInfo[];
  readonly baseModels: readonly BaseModelInfo[];
  readonly metrics: readonly MetricFact[];
  readonly useCases: readonly string[];
  readonly limitations: readonly string[];
  readonly hyperparameters: ReadonlyMap<string, string>;
  readonly tokenizer: ReadonlyMap<string, string>;
  readonly parameterCount?: bigint;
  /** Serialisation formats of the weights (`safetensors`, `gguf`, `pickle`…). */
  readonly serializations: readonly string[];
}
