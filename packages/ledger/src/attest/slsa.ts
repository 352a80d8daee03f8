import { PalisadeError } from '@palisade/core';
import { asObject, asString, asTimestamp, type Json, type JsonObject, optionalString } from './json.ts';
import { type ResourceDescriptor, readDescriptors, type Statement } from './statement.ts';

export const SLSA_PROVENANCE_TYPE = 'https://slsa.dev/provenance/v1';
/** The buildType Palisade writes for a training run. */
export const TRAINING_BUILD_TYPE = 'https://palisade.dev/training-run/v1';
/** ResourceDescriptor names that mark a training input's role. */
export const BASE_MODEL_NAME = 'base-model';
export const DATASET_PREFIX = 'dataset:';

/** SLSA Provenance v1 predicate (slsa.dev/spec/v1.0/provenance). */
export interface SlsaProvenance {
  readonly buildType: string;
  readonly externalParameters: JsonObject;
  readonly internalParameters?: JsonObject;
  readonly resolvedDependencies: readonly ResourceDescriptor[];
  readonly builder: { readonly id: string; readonly version?: Readonly<Record<string, string>> };
  readonly metadata?: {
    readonly invocationId?: string;
    readonly startedOn?: string;
    readonly finishedOn?: string;
  };
  readonly byproducts?: readonly ResourceDescriptor[];
}

/**
 * Reads a SLSA v1 provenance predicate. SLSA Build L1 requires `buildType`, `externalParameters` and
 * `runDetails.builder.id`; unknown fields are ignored as the spec asks, known ones must be well formed.
 */
export function readSlsaProvenance(predicate: JsonObject): SlsaProvenance {
  const definition = asObject(predicate.buildDefinition, 'provenance buildDefinition');
  const run = asObject(predicate.runDetails, 'provenance runDetails');
  const builderJson = asObject(run.builder, 'provenance runDetails.builder');
  const version =
    builderJson.version === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(asObject(builderJson.version, 'provenance builder.version')).map(([k, v]) => [
            k,
            asString(v, `provenance builder.version.${k}`, 256),
          ]),
        );
  const metadataJson = run.metadata === undefined ? undefined : asObject(run.metadata, 'provenance metadata');
  const metadata =
    metadataJson === undefined
      ? undefined
      : {
          ...optionalField(
            'invocationId',
            optionalString(metadataJson.invocationId, 'provenance invocationId', 1024),
          ),
          ...optionalField('startedOn', timestamp(metadataJson.startedOn, 'provenance startedOn')),
          ...optionalField('finishedOn', timestamp(metadataJson.finishedOn, 'provenance finishedOn')),
        };
  return {
    buildType: asString(definition.buildType, 'provenance buildType', 1024),
    externalParameters: asObject(definition.externalParameters, 'provenance externalParameters'),
    ...optionalField(
      'internalParameters',
      definition.internalParameters === undefined
        ? undefined
        : asObject(definition.internalParameters, 'provenance internalParameters'),
    ),
    resolvedDependencies:
      definition.resolvedDependencies === undefined
        ? []
        : readDescriptors(definition.resolvedDependencies, 'provenance resolvedDependencies'),
    builder: {
      id: asString(builderJson.id, 'provenance builder.id', 1024),
      ...optionalField('version', version),
    },
    ...optionalField('metadata', metadata),
    ...optionalField(
      'byproducts',
      run.byproducts === undefined ? undefined : readDescriptors(run.byproducts, 'provenance byproducts'),
    ),
  };
}

function timestamp(value: Json | undefined, path: string): string | undefined {
  return value === undefined ? undefined : asTimestamp(value, path);
}

function optionalField<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** What went into a training run, as `palisade attest provenance` collects it. */
export interface TrainingRun {
  readonly model: { readonly name: string; readonly sha256: string };
  readonly datasets?: readonly { readonly name: string; readonly sha256: string; readonly uri?: string }[];
  /** The code repository: its URL (git+https://…) and the commit trained from. */
  readonly code?: { readonly uri: string; readonly gitCommit: string; readonly ref?: string };
  readonly baseModel?: { readonly sha256: string; readonly name?: string; readonly uri?: string };
  /** The training platform or runner identity (a URI). */
  readonly builderId: string;
  readonly invocationId?: string;
  readonly startedOn?: string;
  readonly finishedOn?: string;
  readonly entrypoint?: string;
  readonly hyperparameters?: JsonObject;
}

function hex(value: string, length: number, what: string): string {
  if (!new RegExp(`^[0-9a-f]{${length}}$`).test(value))
    throw new PalisadeError('INPUT_INVALID', `${what} must be ${length} lowercase hex digits`);
  return value;
}

/**
 * Builds the in-toto statement of a training run: subject = the model's OMS root digest; resolvedDependencies =
 * the datasets (`dataset:<name>`), the code repository at its commit and the base model (`base-model`).
 */
export function trainingProvenance(run: TrainingRun): Statement {
  const dependencies: ResourceDescriptor[] = [];
  for (const dataset of run.datasets ?? []) {
    dependencies.push({
      name: `${DATASET_PREFIX}${dataset.name}`,
      ...(dataset.uri !== undefined ? { uri: dataset.uri } : {}),
      digest: { sha256: hex(dataset.sha256, 64, `dataset ${dataset.name} digest`) },
    });
  }
  if (run.code !== undefined) {
    const ref = run.code.ref === undefined ? '' : `@${run.code.ref}`;
    dependencies.push({
      name: 'code',
      uri: `${run.code.uri}${ref}`,
      digest: {
        gitCommit: hex(run.code.gitCommit, run.code.gitCommit.length === 64 ? 64 : 40, 'git commit'),
      },
    });
  }
  if (run.baseModel !== undefined) {
    dependencies.push({
      name: BASE_MODEL_NAME,
      ...(run.baseModel.uri !== undefined ? { uri: run.baseModel.uri } : {}),
      digest: { sha256: hex(run.baseModel.sha256, 64, 'base model digest') },
      ...(run.baseModel.name !== undefined ? { annotations: { name: run.baseModel.name } } : {}),
    });
  }
  const metadata = {
    ...optionalField('invocationId', run.invocationId),
    ...optionalField('startedOn', run.startedOn),
    ...optionalField('finishedOn', run.finishedOn),
  };
  const predicate = {
    buildDefinition: {
      buildType: TRAINING_BUILD_TYPE,
      externalParameters: {
        ...optionalField('entrypoint', run.entrypoint),
        ...optionalField('hyperparameters', run.hyperparameters),
      },
      resolvedDependencies: dependencies,
    },
    runDetails: {
      builder: { id: run.builderId },
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    },
  };
  const statement: Statement = {
    subject: [{ name: run.model.name, digest: { sha256: hex(run.model.sha256, 64, 'model digest') } }],
    predicateType: SLSA_PROVENANCE_TYPE,
    predicate: predicate as unknown as JsonObject,
  };
  // Round-trip through the reader so a builder can never write what the parser would refuse.
  readSlsaProvenance(statement.predicate);
  return statement;
}

/** The role of a resolved dependency of a training run: how lineage labels the edge. */
export function dependencyRole(
  descriptor: ResourceDescriptor,
): 'dataset' | 'base-model' | 'code' | 'dependency' {
  if (descriptor.name === BASE_MODEL_NAME) return 'base-model';
  if (descriptor.name?.startsWith(DATASET_PREFIX)) return 'dataset';
  if (descriptor.digest.gitCommit !== undefined) return 'code';
  return 'dependency';
}
