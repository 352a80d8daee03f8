import { PalisadeError } from '@palisade/core';
import { asArray, asObject, asString, type Json, type JsonObject, optionalString } from './json.ts';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

/** Most subjects or resource descriptors in one list. */
export const MAX_DESCRIPTORS = 1000;

/** in-toto DigestSet: algorithm → lowercase hex. */
export type DigestSet = Readonly<Record<string, string>>;

/** in-toto ResourceDescriptor (the fields Palisade reads and writes). */
export interface ResourceDescriptor {
  readonly name?: string;
  readonly uri?: string;
  readonly digest: DigestSet;
  readonly mediaType?: string;
  readonly annotations?: JsonObject;
}

export interface Statement {
  readonly subject: readonly ResourceDescriptor[];
  readonly predicateType: string;
  readonly predicate: JsonObject;
}

/** Hex lengths of the digest algorithms whose length is fixed; others only need to be lowercase hex. */
const HEX_LENGTHS: Readonly<Record<string, readonly number[]>> = {
  sha256: [64],
  sha384: [96],
  sha512: [128],
  sha1: [40],
  sha3_256: [64],
  sha3_512: [128],
  gitCommit: [40, 64],
  gitTree: [40, 64],
  gitBlob: [40, 64],
  dirHash: [64],
};

export function checkDigestSet(value: Json | undefined, path: string): DigestSet {
  const object = asObject(value, path);
  const entries = Object.entries(object);
  if (entries.length === 0) throw new PalisadeError('INPUT_INVALID', `${path} has no digest`);
  if (entries.length > 16) throw new PalisadeError('LIMIT_EXCEEDED', `${path} has more than 16 digests`);
  const out: Record<string, string> = {};
  for (const [algorithm, hex] of entries) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(algorithm))
      throw new PalisadeError('INPUT_INVALID', `${path} has a bad algorithm name`);
    const text = asString(hex, `${path}.${algorithm}`, 256);
    const lengths = HEX_LENGTHS[algorithm];
    if (!/^[0-9a-f]+$/.test(text) || (lengths !== undefined && !lengths.includes(text.length))) {
      throw new PalisadeError(
        'INPUT_INVALID',
        `${path}.${algorithm} is not a lowercase hex ${algorithm} digest`,
      );
    }
    out[algorithm] = text;
  }
  return out;
}

/** Strict ResourceDescriptor reader: a digest is required (Palisade addresses everything by content). */
export function readDescriptor(value: Json | undefined, path: string): ResourceDescriptor {
  const object = asObject(value, path);
  const name = optionalString(object.name, `${path}.name`, 1024);
  const uri = optionalString(object.uri, `${path}.uri`, 2048);
  const mediaType = optionalString(object.mediaType, `${path}.mediaType`, 256);
  const annotations =
    object.annotations === undefined ? undefined : asObject(object.annotations, `${path}.annotations`);
  return {
    ...(name !== undefined ? { name } : {}),
    ...(uri !== undefined ? { uri } : {}),
    digest: checkDigestSet(object.digest, `${path}.digest`),
    ...(mediaType !== undefined ? { mediaType } : {}),
    ...(annotations !== undefined ? { annotations } : {}),
  };
}

export function readDescriptors(value: Json | undefined, path: string): ResourceDescriptor[] {
  return asArray(value, path, MAX_DESCRIPTORS).map((item, i) => readDescriptor(item, `${path}[${i}]`));
}

/**
 * Reads an in-toto Statement v1. Unknown fields are ignored, as the in-toto spec asks of consumers; the fields
 * that are there must be well formed, and at least one subject must carry a digest.
 */
export function readStatement(value: Json): Statement {
  const object = asObject(value, 'statement');
  if (object._type !== STATEMENT_TYPE)
    throw new PalisadeError('INPUT_INVALID', `statement _type must be ${STATEMENT_TYPE}`);
  const subject = readDescriptors(object.subject, 'statement subject');
  if (subject.length === 0) throw new PalisadeError('INPUT_INVALID', 'statement has no subject');
  const predicateType = asString(object.predicateType, 'statement predicateType', 512);
  const predicate = object.predicate === undefined ? {} : asObject(object.predicate, 'statement predicate');
  return { subject, predicateType, predicate };
}

export function statementJson(statement: Statement): Json {
  return {
    _type: STATEMENT_TYPE,
    subject: statement.subject as unknown as Json,
    predicateType: statement.predicateType,
    predicate: statement.predicate,
  };
}

/** `sha256:<hex>` (or `<alg>:<hex>`) strings for every digest of a descriptor: how the index names artifacts. */
export function digestNames(descriptor: ResourceDescriptor): string[] {
  return Object.entries(descriptor.digest).map(([algorithm, hex]) => `${algorithm}:${hex}`);
}

/**
 * Normalises a digest a user typed: `sha256:<hex>`, `<alg>:<hex>`, or bare hex (64 digits = sha256, 40 = gitCommit).
 * Throws USAGE when it is not one.
 */
export function normalizeDigest(text: string): string {
  const trimmed = text.trim();
  const match = /^(?:([A-Za-z0-9_-]{1,32}):)?([0-9a-fA-F]{40,128})$/.exec(trimmed);
  if (match === null)
    throw new PalisadeError(
      'USAGE',
      `"${text}" is not a digest; give sha256:<64 hex digits> or the hex alone`,
    );
  const hex = (match[2] ?? '').toLowerCase();
  const algorithm = match[1] ?? (hex.length === 64 ? 'sha256' : hex.length === 40 ? 'gitCommit' : undefined);
  if (algorithm === undefined)
    throw new PalisadeError('USAGE', `"${text}" needs an algorithm prefix such as sha512:`);
  return `${algorithm}:${hex}`;
}
