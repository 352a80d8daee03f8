import { PalisadeError } from '@palisade/core';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import addFormats2019 from 'ajv-formats-draft2019';
import { loadSchema } from '../schemas.ts';
import type { SpecVersion } from './types.ts';

/** One schema violation: where (JSON pointer) and what. */
export interface SchemaError {
  readonly path: string;
  readonly message: string;
}

const REFERENCED = ['spdx.schema.json', 'jsf-0.82.schema.json', 'cryptography-defs.schema.json'];
const validators = new Map<SpecVersion, ValidateFunction>();

/** Compiles the official schema once per version, the way the CycloneDX vectors README prescribes. */
function validator(version: SpecVersion): ValidateFunction {
  let validate = validators.get(version);
  if (!validate) {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats.default(ajv);
    addFormats2019(ajv);
    for (const file of REFERENCED) ajv.addSchema(loadSchema(file), `http://cyclonedx.org/schema/${file}`);
    validate = ajv.compile(loadSchema(`bom-${version}.schema.json`));
    validators.set(version, validate);
  }
  return validate;
}

function describe(errors: readonly ErrorObject[]): SchemaError[] {
  return errors.slice(0, 50).map((e) => ({
    path: e.instancePath || '/',
    message: `${e.message ?? 'invalid'}${e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`,
  }));
}

/** Validates a CycloneDX JSON document against the official schema; returns the violations (empty when valid). */
export function validateCycloneDx(document: unknown, version: SpecVersion): SchemaError[] {
  const validate = validator(version);
  return validate(document) ? [] : describe(validate.errors ?? []);
}

/** Throws `INTERNAL` when a document Palisade wrote is not valid: an invalid BOM must never be written. */
export function assertValid(errors: readonly SchemaError[], what: string): void {
  if (errors.length === 0) return;
  const list = errors
    .slice(0, 5)
    .map((e) => `${e.path}: ${e.message}`)
    .join('; ');
  throw new PalisadeError(
    'INTERNAL',
    `The ${what} Palisade generated does not validate against its schema (${list}). This is a bug: please report it; --no-validate writes it anyway.`,
  );
}
