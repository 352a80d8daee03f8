/**
 * The subset of CycloneDX 1.6/1.7 JSON that Palisade writes (bom-1.6.schema.json, bom-1.7.schema.json). The
 * official library has no model for `modelCard`, `data` or `pedigree`, so these are typed here; the schema, not
 * these types, is the source of truth: every document is validated before it leaves the package.
 */

export type SpecVersion = '1.6' | '1.7';

export interface Property {
  readonly name: string;
  readonly value: string;
}

export interface Hash {
  readonly alg: 'SHA-256';
  readonly content: string;
}

export interface ExternalReference {
  readonly type: string;
  readonly url: string;
  readonly comment?: string;
  readonly hashes?: readonly Hash[];
}

export interface OrganizationalEntity {
  readonly name?: string;
  readonly url?: readonly string[];
}

/** `{license: {id}}` for SPDX-list ids, `{license: {name}}` otherwise, or one `{expression}`. */
export type LicenseChoice =
  | {
      readonly license: {
        readonly id?: string;
        readonly name?: string;
        readonly url?: string;
        readonly acknowledgement?: 'declared' | 'concluded';
        readonly properties?: readonly Property[];
      };
    }
  | { readonly expression: string; readonly acknowledgement?: 'declared' | 'concluded' };

export interface ComponentData {
  readonly type: 'source-code' | 'configuration' | 'dataset' | 'definition' | 'other';
  readonly 'bom-ref'?: string;
  readonly name?: string;
  readonly description?: string;
  readonly contents?: { readonly url?: string; readonly properties?: readonly Property[] };
  readonly classification?: string;
  readonly sensitiveData?: readonly string[];
}

export interface PerformanceMetric {
  readonly type?: string;
  readonly value?: string;
  readonly slice?: string;
}

export interface Risk {
  readonly name?: string;
  readonly mitigationStrategy?: string;
}

export interface ModelCard {
  readonly modelParameters?: {
    readonly approach?: { readonly type: string };
    readonly task?: string;
    readonly architectureFamily?: string;
    readonly modelArchitecture?: string;
    readonly datasets?: readonly { readonly ref: string }[];
    readonly inputs?: readonly { readonly format: string }[];
    readonly outputs?: readonly { readonly format: string }[];
  };
  readonly quantitativeAnalysis?: { readonly performanceMetrics?: readonly PerformanceMetric[] };
  readonly considerations?: {
    readonly users?: readonly string[];
    readonly useCases?: readonly string[];
    readonly technicalLimitations?: readonly string[];
    readonly ethicalConsiderations?: readonly Risk[];
    readonly environmentalConsiderations?: {
      readonly energyConsumptions?: readonly EnergyConsumption[];
      readonly properties?: readonly Property[];
    };
  };
  readonly properties?: readonly Property[];
}

export interface EnergyConsumption {
  readonly activity: string;
  readonly energyProviders: readonly {
    readonly organization: OrganizationalEntity;
    readonly energySource: string;
    readonly energyProvided: { readonly value: number; readonly unit: 'kWh' };
  }[];
  readonly activityEnergyCost: { readonly value: number; readonly unit: 'kWh' };
  readonly co2CostEquivalent?: { readonly value: number; readonly unit: 'tCO2eq' };
}

export interface Component {
  readonly type: string;
  readonly 'bom-ref': string;
  readonly name: string;
  readonly group?: string;
  readonly version?: string;
  readonly description?: string;
  readonly supplier?: OrganizationalEntity;
  readonly authors?: readonly { readonly name: string }[];
  readonly scope?: 'required' | 'optional' | 'excluded';
  readonly hashes?: readonly Hash[];
  readonly licenses?: readonly LicenseChoice[];
  readonly purl?: string;
  readonly externalReferences?: readonly ExternalReference[];
  readonly properties?: readonly Property[];
  readonly tags?: readonly string[];
  readonly pedigree?: { readonly ancestors?: readonly Component[]; readonly notes?: string };
  readonly modelCard?: ModelCard;
  readonly data?: readonly ComponentData[];
  readonly components?: readonly Component[];
}

export interface Vulnerability {
  readonly 'bom-ref': string;
  readonly id: string;
  readonly source: { readonly name: string; readonly url?: string };
  readonly ratings: readonly { readonly severity: string; readonly method: 'other' }[];
  readonly cwes?: readonly number[];
  readonly description: string;
  readonly detail?: string;
  readonly recommendation?: string;
  readonly affects: readonly { readonly ref: string }[];
  readonly properties?: readonly Property[];
}

export interface CycloneDxBom {
  readonly $schema: string;
  readonly bomFormat: 'CycloneDX';
  readonly specVersion: SpecVersion;
  readonly serialNumber: string;
  readonly version: 1;
  readonly metadata: {
    readonly timestamp: string;
    readonly lifecycles?: readonly { readonly phase: string }[];
    readonly tools: { readonly components: readonly Component[] };
    readonly component: Component;
    readonly supplier?: OrganizationalEntity;
    readonly properties?: readonly Property[];
  };
  readonly components: readonly Component[];
  readonly dependencies: readonly { readonly ref: string; readonly dependsOn?: readonly string[] }[];
  readonly vulnerabilities?: readonly Vulnerability[];
  readonly properties?: readonly Property[];
}
