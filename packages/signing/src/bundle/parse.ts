import { PalisadeError } from '@palisade/core';
import { SigningError } from '../errors.ts';

/** The only media type model_signing writes and the only one its key/certificate verifier accepts. */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** Bundles larger than this are refused before parsing. */
export const MAX_BUNDLE_BYTES = 16 << 20;

export interface DsseSignature {
  readonly sig: Uint8Array;
  /** `""` (model_signing ≥ 1.1), `null` (≤ 1.0) or absent (Go, keyless): all accepted, none used. */
  readonly keyid: string | null | undefined;
}

export interface DsseEnvelope {
  /** The decoded payload bytes exactly as carried: signatures are over these, never a re-serialization. */
  readonly payload: Uint8Array;
  readonly payloadType: string;
  readonly signatures: readonly DsseSignature[];
}

export type VerificationMaterial =
  | {
      readonly kind: 'publicKey';
      /** Hex SHA-256 of the signer's SPKI PEM (model_signing ≥ 1.1). */
      readonly hint?: string;
      /** PEM text of the public key (model_signing ≤ 1.0). */
      readonly rawBytes?: Uint8Array;
      readonly keyDetails?: string;
    }
  | { readonly kind: 'x509CertificateChain'; readonly certificates: readonly Uint8Array[] }
  | { readonly kind: 'certificate'; readonly certificate: Uint8Array };

export interface SigstoreBundle {
  readonly mediaType: string;
  readonly verificationMaterial: VerificationMaterial;
  readonly tlogEntries: readonly unknown[];
  /** DER RFC 3161 TimeStampResponses (`timestampVerificationData.rfc3161Timestamps[].signedTimestamp`). */
  readonly rfc3161Timestamps?: readonly Uint8Array[];
  readonly dsseEnvelope: DsseEnvelope;
}

type Json = Record<string, unknown>;

function fail(message: string): never {
  throw new SigningError('BUNDLE_PARSE', message);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Protobuf-JSON `bytes`: standard base64 (URL-safe accepted, as protobuf JSON parsers do). */
export function decodeBase64(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string') fail(`${what} must be a base64 string`);
  if (BASE64.test(value)) return Buffer.from(value, 'base64');
  if (BASE64URL.test(value) && value.replace(/=+$/, '').length % 4 !== 1)
    return Buffer.from(value, 'base64url');
  fail(`${what} is not valid base64`);
}

function parseEnvelope(value: unknown): DsseEnvelope {
  if (!isObject(value)) fail('The bundle has no dsseEnvelope (only DSSE bundles are model signatures)');
  const payloadType = value.payloadType;
  if (typeof payloadType !== 'string') fail('dsseEnvelope.payloadType must be a string');
  const payload = decodeBase64(value.payload, 'dsseEnvelope.payload');
  const signatures = value.signatures;
  if (!Array.isArray(signatures)) fail('dsseEnvelope.signatures must be an array');
  if (signatures.length !== 1) {
    throw new SigningError(
      'ENVELOPE_INVALID',
      `A Sigstore bundle carries exactly one DSSE signature; this one has ${signatures.length}`,
    );
  }
  const parsed = signatures.map((entry, index) => {
    if (!isObject(entry)) fail(`dsseEnvelope.signatures[${index}] must be an object`);
    const keyid = entry.keyid;
    if (keyid !== undefined && keyid !== null && typeof keyid !== 'string') {
      fail(`dsseEnvelope.signatures[${index}].keyid must be a string, null or absent`);
    }
    const sig = decodeBase64(entry.sig, `dsseEnvelope.signatures[${index}].sig`);
    if (sig.length === 0) fail(`dsseEnvelope.signatures[${index}].sig is empty`);
    return { sig, keyid: keyid as string | null | undefined };
  });
  return { payload, payloadType, signatures: parsed };
}

function parseMaterial(value: unknown): { material: VerificationMaterial; tlogEntries: unknown[] } {
  if (!isObject(value)) fail('The bundle has no verificationMaterial');
  const tlog = value.tlogEntries;
  if (tlog !== undefined && !Array.isArray(tlog)) fail('verificationMaterial.tlogEntries must be an array');
  const tlogEntries = (tlog ?? []) as unknown[];
  const present = ['publicKey', 'x509CertificateChain', 'certificate'].filter(
    (key) => value[key] !== undefined,
  );
  if (present.length !== 1) {
    fail(
      present.length === 0
        ? 'verificationMaterial has none of publicKey, x509CertificateChain, certificate'
        : `verificationMaterial has more than one of ${present.join(', ')}`,
    );
  }
  const key = value.publicKey;
  if (key !== undefined) {
    if (!isObject(key)) fail('verificationMaterial.publicKey must be an object');
    const hint = key.hint;
    if (hint !== undefined && (typeof hint !== 'string' || hint === '')) {
      fail('verificationMaterial.publicKey.hint must be a non-empty string');
    }
    const keyDetails = key.keyDetails;
    if (keyDetails !== undefined && typeof keyDetails !== 'string') {
      fail('verificationMaterial.publicKey.keyDetails must be a string');
    }
    const rawBytes =
      key.rawBytes === undefined
        ? undefined
        : decodeBase64(key.rawBytes, 'verificationMaterial.publicKey.rawBytes');
    return {
      material: {
        kind: 'publicKey',
        ...(hint !== undefined ? { hint: hint as string } : {}),
        ...(rawBytes !== undefined ? { rawBytes } : {}),
        ...(keyDetails !== undefined ? { keyDetails: keyDetails as string } : {}),
      },
      tlogEntries,
    };
  }
  const chain = value.x509CertificateChain;
  if (chain !== undefined) {
    if (!isObject(chain) || !Array.isArray(chain.certificates) || chain.certificates.length === 0) {
      fail('verificationMaterial.x509CertificateChain.certificates must be a non-empty array');
    }
    const certificates = chain.certificates.map((cert, index) => {
      if (!isObject(cert)) fail(`x509CertificateChain.certificates[${index}] must be an object`);
      return decodeBase64(cert.rawBytes, `x509CertificateChain.certificates[${index}].rawBytes`);
    });
    return { material: { kind: 'x509CertificateChain', certificates }, tlogEntries };
  }
  const cert = value.certificate;
  if (!isObject(cert)) fail('verificationMaterial.certificate must be an object');
  if (tlogEntries.length === 0) {
    fail(
      'A keyless (certificate) bundle must carry at least one transparency-log entry; tlogEntries is missing',
    );
  }
  return {
    material: {
      kind: 'certificate',
      certificate: decodeBase64(cert.rawBytes, 'verificationMaterial.certificate'),
    },
    tlogEntries,
  };
}

/** The RFC 3161 timestamps of `timestampVerificationData` (absent or `{}` means none). */
function parseTimestamps(material: unknown): Uint8Array[] {
  const data = isObject(material) ? material.timestampVerificationData : undefined;
  if (data === undefined) return [];
  if (!isObject(data)) fail('verificationMaterial.timestampVerificationData must be an object');
  const list = data.rfc3161Timestamps ?? [];
  if (!Array.isArray(list) || list.length > 16) fail('rfc3161Timestamps must be an array of at most 16');
  return list.map((entry, index) => {
    if (!isObject(entry)) fail(`rfc3161Timestamps[${index}] must be an object`);
    return decodeBase64(entry.signedTimestamp, `rfc3161Timestamps[${index}].signedTimestamp`);
  });
}

/**
 * Parses a Sigstore bundle as OMS uses it. Structure errors are `SigningError` with reason `BUNDLE_PARSE`
 * (or `MEDIA_TYPE`, `ENVELOPE_INVALID`); nothing here checks a signature.
 */
export function parseBundle(
  input: string | Uint8Array,
  options: { anyMediaType?: boolean } = {},
): SigstoreBundle {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > MAX_BUNDLE_BYTES) {
    throw new PalisadeError(
      'LIMIT_EXCEEDED',
      `The bundle is ${size} bytes; the limit is ${MAX_BUNDLE_BYTES}`,
    );
  }
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  if (text.trim() === '') fail('The bundle is empty');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SigningError('BUNDLE_PARSE', `The bundle is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isObject(json)) fail('The bundle must be a JSON object');
  const mediaType = json.mediaType;
  if (typeof mediaType !== 'string') fail('The bundle has no mediaType');
  if (json.dsseEnvelope === undefined) fail('The bundle has no dsseEnvelope');
  if (json.verificationMaterial === undefined) fail('The bundle has no verificationMaterial');
  const dsseEnvelope = parseEnvelope(json.dsseEnvelope);
  const { material, tlogEntries } = parseMaterial(json.verificationMaterial);
  const rfc3161Timestamps = parseTimestamps(json.verificationMaterial);
  const keyless = material.kind === 'certificate';
  if (mediaType !== BUNDLE_MEDIA_TYPE && !(keyless && options.anyMediaType)) {
    throw new SigningError(
      'MEDIA_TYPE',
      `Unsupported bundle mediaType ${JSON.stringify(mediaType)}; expected ${BUNDLE_MEDIA_TYPE}`,
    );
  }
  return {
    mediaType,
    verificationMaterial: material,
    tlogEntries,
    ...(rfc3161Timestamps.length > 0 ? { rfc3161Timestamps } : {}),
    dsseEnvelope,
  };
}
