import type { Finding } from '@palisade/core';
import { type CollectOptions, collectFacts, type ModelFacts } from './collect.ts';
import { type Completeness, scoreCompleteness } from './completeness.ts';
import { buildCycloneDx } from './cyclonedx/build.ts';
import type { Component, CycloneDxBom, SpecVersion } from './cyclonedx/types.ts';
import { assertValid, validateCycloneDx } from './cyclonedx/validate.ts';
import type { LicenseInfo } from './licenses/normalize.ts';
import type { LicenseRisk } from './licenses/table.ts';
import type { BaseModelInfo, DatasetInfo, ModelView, UserFacts } from './model.ts';
import { resolveModel } from './resolve.ts';

export interface GenerateBomOptions extends CollectOptions, UserFacts {
  /** CycloneDX version of `document` (default 1.6). */
  readonly specVersion?: SpecVersion;
  /** Findings of `palisade scan` over the same path: they become the BOM's `vulnerabilities`. */
  readonly findings?: readonly Finding[];
  /** Validate `document` against the official schema and throw when invalid (default true). */
  readonly validate?: boolean;
  /** Fixed values for reproducible output. */
  readonly serialNumber?: string;
  readonly timestamp?: Date;
}

export interface BomResult {
  /** The CycloneDX ML-BOM (a plain JSON object, schema-valid unless `validate: false`). */
  readonly document: CycloneDxBom;
  /** The model component (`document.metadata.component`: the subject of the BOM, with its modelCard). */
  readonly model: Component;
  readonly specVersion: SpecVersion;
  readonly completeness: Completeness;
  /** The model's own licences, then those inherited from base models (`inheritedFrom` set). */
  readonly licenses: readonly LicenseInfo[];
  /** Most restrictive class over own and inherited licences (`unknown` when none is declared). */
  readonly licenseRisk: LicenseRisk;
  /** The model declares a less restrictive licence than a base model imposes (apache-2.0 over llama3). */
  readonly licenseConflict: boolean;
  readonly datasets: readonly DatasetInfo[];
  readonly baseModels: readonly BaseModelInfo[];
  /** The model has a Hugging Face model card (README.md at its root). */
  readonly hasModelCard: boolean;
  /** Safety-relevant facts for policy gates. */
  readonly risks: {
    readonly pickle: boolean;
    readonly remoteCode: readonly string[];
    readonly gated: boolean;
    readonly signed: boolean;
    readonly findings: number;
  };
  /** OMS root digest of the model (`sha256:<hex>`): the same value `palisade sign` signs. */
  readonly rootDigest: string;
  /** Files that could not be read as what their name says; the BOM is produced without them. */
  readonly warnings: readonly string[];
  /** The resolved model, from which the SPDX and XML writers work. */
  readonly view: ModelView;
}

/**
 * Generates the AI-BOM of a model file or directory: hashes every file with the signing serializer, reads what
 * the artifacts declare, writes a CycloneDX ML-BOM, validates it and scores its completeness.
 */
export async function generateBom(path: string, options: GenerateBomOptions = {}): Promise<BomResult> {
  const facts: ModelFacts = await collectFacts(path, options);
  const view = resolveModel(facts, options);
  const specVersion = options.specVersion ?? '1.6';
  const findings = options.findings ?? [];
  const document = buildCycloneDx(view, {
    specVersion,
    findings,
    ...(options.serialNumber ? { serialNumber: options.serialNumber } : {}),
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
  if (options.validate ?? true)
    assertValid(validateCycloneDx(document, specVersion), `CycloneDX ${specVersion} BOM`);
  return {
    document,
    model: document.metadata.component,
    specVersion,
    completeness: scoreCompleteness(document),
    licenses: [...view.licenses, ...view.inheritedLicenses],
    licenseRisk: view.effectiveRisk,
    licenseConflict: view.licenseConflict,
    datasets: view.datasets,
    baseModels: view.baseModels,
    hasModelCard: facts.card !== undefined,
    risks: {
      pickle: view.serializations.includes('pickle'),
      remoteCode: facts.remoteCode,
      gated: facts.card?.gated ?? false,
      signed: facts.signatureFile !== undefined,
      findings: findings.length,
    },
    rootDigest: `sha256:${facts.rootDigest}`,
    warnings: facts.warnings,
    view,
  };
}
