import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { PalisadeError } from '@palisade/core';
import { decodeBase64 } from '../bundle/parse.ts';
import { type Certificate, parseCertificate } from '../x509/certificate.ts';

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';
export const CLIENT_TRUST_CONFIG_MEDIA_TYPE = 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json';
/** The public-good trusted_root.json is ~7 KB; anything this large is not one. */
const MAX_TRUSTED_ROOT_BYTES = 4 << 20;
const MAX_ENTRIES = 256;

export interface ValidFor {
  readonly start: Date;
  readonly end?: Date;
}

export interface TransparencyLog {
  readonly baseUrl: string;
  /** SHA-256 of the log's DER public key: the bundle's `logId.keyId`. */
  readonly logId: Buffer;
  readonly key: KeyObject;
  readonly validFor: ValidFor;
}

export interface CertificateAuthority {
  readonly uri: string;
  /** Intermediates first, the root last, as the TrustedRoot lists them. */
  readonly certificates: readonly Certificate[];
  readonly validFor: ValidFor;
}

/** The parts of a Sigstore TrustedRoot that offline keyless verification uses. */
export interface TrustedRoot {
  readonly tlogs: readonly TransparencyLog[];
  /** Certificate Transparency logs, whose SCTs Fulcio embeds in its certificates. */
  readonly ctlogs: readonly TransparencyLog[];
  readonly certificateAuthorities: readonly CertificateAuthority[];
  /** RFC 3161 timestamp authorities: the TSA's certificate first, its root last. */
  readonly timestampAuthorities: readonly CertificateAuthority[];
}

type Json = Record<string, unknown>;

function bad(message: string, cause?: unknown): never {
  throw new PalisadeError('INPUT_INVALID', `Invalid Sigstore trusted root: ${message}`, { cause });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown, what: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_ENTRIES)
    bad(`${what} must be an array of at most ${MAX_ENTRIES}`);
  return value;
}

function date(value: unknown, what: string): Date {
  const parsed = typeof value === 'string' ? new Date(value) : undefined;
  if (parsed === undefined || Number.isNaN(parsed.getTime())) bad(`${what} must be an RFC 3339 time`);
  return parsed;
}

function validFor(value: unknown, what: string): ValidFor {
  if (!isObject(value)) bad(`${what}.validFor is missing`);
  return {
    start: date(value.start, `${what}.validFor.start`),
    ...(value.end !== undefined ? { end: date(value.end, `${what}.validFor.end`) } : {}),
  };
}

function decode(value: unknown, what: string): Buffer {
  try {
    return Buffer.from(decodeBase64(value, what));
  } catch (error) {
    bad(`${what} is not base64`, error);
  }
}

function tlog(entry: unknown, what: string): TransparencyLog {
  if (!isObject(entry) || !isObject(entry.publicKey) || !isObject(entry.logId)) bad(`${what} is incomplete`);
  const der = decode(entry.publicKey.rawBytes, `${what}.publicKey.rawBytes`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (error) {
    bad(`${what}.publicKey is not a DER public key`, error);
  }
  const logId = decode(entry.logId.keyId, `${what}.logId.keyId`);
  if (!logId.equals(createHash('sha256').update(der).digest()) && key.asymmetricKeyType !== 'ed25519') {
    bad(`${what}.logId is not the SHA-256 of its public key`);
  }
  return {
    baseUrl: typeof entry.baseUrl === 'string' ? entry.baseUrl : '',
    logId,
    key,
    validFor: validFor(entry.publicKey.validFor, `${what}.publicKey`),
  };
}

function authorityCertificate(cert: unknown, what: string): Certificate {
  if (!isObject(cert)) bad(`${what} must be an object`);
  const der = decode(cert.rawBytes, `${what}.rawBytes`);
  try {
    return parseCertificate(der);
  } catch (error) {
    bad(`${what}: ${(error as Error).message}`, error);
  }
}

function authority(entry: unknown, what: string): CertificateAuthority {
  if (!isObject(entry) || !isObject(entry.certChain)) bad(`${what}.certChain is missing`);
  const certificates = list(entry.certChain.certificates, `${what}.certChain.certificates`).map((cert, i) =>
    authorityCertificate(cert, `${what}.certChain.certificates[${i}]`),
  );
  if (certificates.length === 0) bad(`${what}.certChain has no certificates`);
  return {
    uri: typeof entry.uri === 'string' ? entry.uri : '',
    certificates,
    validFor: validFor(entry.validFor, what),
  };
}

/**
 * Parses a Sigstore `trusted_root.json` (TrustedRoot v0.1) or a ClientTrustConfig that embeds one (the shape of
 * model_signing's custom trust configuration). Errors are INPUT_INVALID: the file is the user's to fix.
 */
export function parseTrustedRoot(input: string | Uint8Array): TrustedRoot {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > MAX_TRUSTED_ROOT_BYTES)
    throw new PalisadeError('LIMIT_EXCEEDED', `The trusted root is ${size} bytes; the limit is 4 MiB`);
  let json: unknown;
  try {
    json = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
  } catch (error) {
    bad(`not JSON: ${(error as Error).message}`, error);
  }
  if (isObject(json) && json.mediaType === CLIENT_TRUST_CONFIG_MEDIA_TYPE) json = json.trustedRoot;
  if (!isObject(json) || json.mediaType !== TRUSTED_ROOT_MEDIA_TYPE) {
    bad(
      `mediaType must be ${TRUSTED_ROOT_MEDIA_TYPE} (or a ${CLIENT_TRUST_CONFIG_MEDIA_TYPE} embedding one)`,
    );
  }
  const tlogs = list(json.tlogs, 'tlogs').map((entry, i) => tlog(entry, `tlogs[${i}]`));
  const ctlogs = list(json.ctlogs, 'ctlogs').map((entry, i) => tlog(entry, `ctlogs[${i}]`));
  const certificateAuthorities = list(json.certificateAuthorities, 'certificateAuthorities').map((entry, i) =>
    authority(entry, `certificateAuthorities[${i}]`),
  );
  const timestampAuthorities = list(json.timestampAuthorities, 'timestampAuthorities').map((entry, i) =>
    authority(entry, `timestampAuthorities[${i}]`),
  );
  if (tlogs.length === 0) bad('it lists no transparency log');
  if (certificateAuthorities.length === 0) bad('it lists no certificate authority');
  return { tlogs, ctlogs, certificateAuthorities, timestampAuthorities };
}

export function within(range: ValidFor, time: Date): boolean {
  return time >= range.start && (range.end === undefined || time <= range.end);
}
