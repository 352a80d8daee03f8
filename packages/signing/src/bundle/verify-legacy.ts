import { SigningError } from '../errors.ts';
import { rootDigest } from '../serialize/serialize.ts';
import type { OmsStatement } from './statement.ts';
import { STATEMENT_TYPE } from './statement.ts';

/** The predicate model_signing v0.2 wrote: one in-toto subject per file, nothing in the predicate. */
export const LEGACY_PREDICATE_TYPE = 'https://model_signing/Digests/v0.1';
/** The model name the reference gives a v0.2 manifest, which carries none. */
export const LEGACY_MODEL_NAME = 'compat-undefined-not-present';

const HEX64 = /^[0-9a-f]{64}$/;

/** Python's `repr(bytes)`: `b'…'` with `\\`, the quote, `\t \n \r` escaped and other non-printables as `\xNN`. */
function pythonBytesRepr(bytes: Uint8Array): string {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const byte of bytes) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === quote.charCodeAt(0)) out += `\\${quote}`;
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte < 0x20 || byte >= 0x7f) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}${quote}`;
}

/**
 * The buggy PAE model_signing v0.2 signed: `DSSEV1` (capital V) and the payload as a Python bytes repr. The
 * reference verifier still accepts it when the standard PAE fails, so Palisade does too.
 */
export function legacyPreAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.from(
    `DSSEV1 ${type.length} ${payloadType} ${payload.length} ${pythonBytesRepr(payload)}`,
    'utf8',
  );
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The predicateType of a payload, without validating the rest. */
export function predicateTypeOf(payload: Uint8Array): unknown {
  try {
    const json: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
    return isObject(json) ? json.predicateType : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a v0.2 statement as the reference does: each subject is a file with a SHA-256 digest, serialized with
 * `files`/`sha256`, no symlinks and no signed ignore paths. No root digest is signed; the one returned is
 * computed over the listed files.
 */
export function parseLegacyStatement(payload: Uint8Array): OmsStatement {
  const json: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
  if (!isObject(json) || json._type !== STATEMENT_TYPE || json.predicateType !== LEGACY_PREDICATE_TYPE) {
    throw new SigningError('STATEMENT_INVALID', 'Not a model_signing v0.2 statement');
  }
  if (!Array.isArray(json.subject) || json.subject.length === 0) {
    throw new SigningError('STATEMENT_INVALID', 'A v0.2 statement must list its files as subjects');
  }
  const seen = new Set<string>();
  const resources = json.subject.map((subject, index) => {
    const name = isObject(subject) ? subject.name : undefined;
    const digest = isObject(subject) && isObject(subject.digest) ? subject.digest.sha256 : undefined;
    if (typeof name !== 'string' || name === '' || typeof digest !== 'string' || !HEX64.test(digest)) {
      throw new SigningError('STATEMENT_INVALID', `subject[${index}] needs a name and a sha256 digest`);
    }
    if (seen.has(name))
      throw new SigningError('STATEMENT_INVALID', `subject lists ${JSON.stringify(name)} twice`);
    seen.add(name);
    return { name, algorithm: 'sha256', digest };
  });
  return {
    subjectName: LEGACY_MODEL_NAME,
    rootDigest: rootDigest(resources),
    serialization: { method: 'files', hashType: 'sha256', allowSymlinks: false, ignorePaths: [] },
    resources,
  };
}
