import { type KeyObject, X509Certificate } from 'node:crypto';
import { SigningError } from '../errors.ts';
import { children, decodeOid, expectTag, readTlv, TAG, type Tlv, value } from './der.ts';

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  /** Fulcio: OIDC issuer, raw string bytes (deprecated form). */
  fulcioIssuerV1: '1.3.6.1.4.1.57264.1.1',
  /** Fulcio: OIDC issuer, DER UTF8String. */
  fulcioIssuerV2: '1.3.6.1.4.1.57264.1.8',
} as const;

/** Critical extensions a path validator may meet and handle (RFC 5280 §4.2: others are fatal when critical). */
const UNDERSTOOD = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  '2.5.29.14', // subject key identifier
  '2.5.29.35', // authority key identifier
  '2.5.29.32', // certificate policies (no policy is required, so any is acceptable)
]);

/** Certificates larger than this are refused (Fulcio leaves are ~1 KB, RSA CAs ~1.5 KB). */
const MAX_CERTIFICATE_BYTES = 64 << 10;

export interface Extension {
  readonly critical: boolean;
  readonly value: Buffer;
}

export interface SubjectAltNames {
  readonly emails: readonly string[];
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
}

export interface Certificate {
  readonly x509: X509Certificate;
  readonly der: Buffer;
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: ReadonlyMap<string, Extension>;
  /** undefined when the extension is absent. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** The KeyUsage bits by name; undefined when the extension is absent. */
  readonly keyUsage?: { readonly digitalSignature: boolean; readonly keyCertSign: boolean };
  readonly extKeyUsage: readonly string[];
  readonly subjectAltNames: SubjectAltNames;
  /** OIDs of critical extensions this validator does not understand. */
  readonly unknownCritical: readonly string[];
}

function invalid(message: string, cause?: unknown): never {
  throw new SigningError('CERTIFICATE_INVALID', message, { cause });
}

function extensionsOf(der: Buffer): Map<string, Extension> {
  const certificate = expectTag(readTlv(der, 0), TAG.sequence, 'Certificate SEQUENCE');
  const tbs = expectTag(children(der, certificate)[0], TAG.sequence, 'TBSCertificate');
  const found = new Map<string, Extension>();
  const wrapper = children(der, tbs).find((field) => field.tag === 0xa3);
  if (wrapper === undefined) return found;
  const list = expectTag(children(der, wrapper)[0], TAG.sequence, 'Extensions SEQUENCE');
  for (const entry of children(der, list)) {
    const parts = children(der, expectTag(entry, TAG.sequence, 'Extension'));
    const oid = decodeOid(value(der, expectTag(parts[0], TAG.oid, 'extension OID')));
    const hasCritical = parts[1]?.tag === TAG.boolean;
    const critical = hasCritical && (der[(parts[1] as Tlv).start] as number) !== 0;
    const octets = expectTag(parts[hasCritical ? 2 : 1], TAG.octetString, 'extension value');
    if (found.has(oid)) invalid(`The certificate repeats extension ${oid}`);
    found.set(oid, { critical, value: value(der, octets) });
  }
  return found;
}

function parseBasicConstraints(bytes: Buffer): { ca: boolean; pathLength?: number } {
  const fields = children(bytes, expectTag(readTlv(bytes, 0), TAG.sequence, 'BasicConstraints'));
  let index = 0;
  let ca = false;
  if (fields[0]?.tag === TAG.boolean) {
    ca = (bytes[fields[0].start] as number) !== 0;
    index = 1;
  }
  const length = fields[index];
  if (length === undefined) return { ca };
  const raw = value(bytes, expectTag(length, TAG.integer, 'pathLenConstraint'));
  if (raw.length > 2 || ((raw[0] as number) & 0x80) !== 0) invalid('pathLenConstraint out of range');
  return { ca, pathLength: raw.readUIntBE(0, raw.length) };
}

function parseKeyUsage(bytes: Buffer): { digitalSignature: boolean; keyCertSign: boolean } {
  const bits = value(bytes, expectTag(readTlv(bytes, 0), TAG.bitString, 'KeyUsage BIT STRING'));
  const first = bits.length > 1 ? (bits[1] as number) : 0;
  return { digitalSignature: (first & 0x80) !== 0, keyCertSign: (first & 0x04) !== 0 };
}

function parseExtKeyUsage(bytes: Buffer): string[] {
  const list = expectTag(readTlv(bytes, 0), TAG.sequence, 'ExtKeyUsage');
  return children(bytes, list).map((oid) => decodeOid(value(bytes, expectTag(oid, TAG.oid, 'KeyPurposeId'))));
}

function parseSubjectAltNames(bytes: Buffer | undefined): SubjectAltNames {
  const names = { emails: [] as string[], uris: [] as string[], dnsNames: [] as string[] };
  if (bytes === undefined) return names;
  for (const name of children(bytes, expectTag(readTlv(bytes, 0), TAG.sequence, 'GeneralNames'))) {
    const text = value(bytes, name).toString('latin1');
    if (name.tag === 0x81) names.emails.push(text);
    else if (name.tag === 0x82) names.dnsNames.push(text);
    else if (name.tag === 0x86) names.uris.push(text);
  }
  return names;
}

/** Parses a DER (or PEM) certificate with node:crypto and reads the extensions path validation needs. */
export function parseCertificate(input: Uint8Array | string): Certificate {
  let x509: X509Certificate;
  let publicKey: KeyObject;
  try {
    x509 = new X509Certificate(typeof input === 'string' ? input : Buffer.from(input));
    // Read now: a certificate whose key does not decode is malformed, not a failure later on.
    publicKey = x509.publicKey;
  } catch (error) {
    invalid(`Not an X.509 certificate: ${(error as Error).message}`, error);
  }
  const der = x509.raw;
  if (der.length > MAX_CERTIFICATE_BYTES) invalid(`A certificate of ${der.length} bytes is too large`);
  if (Number.isNaN(x509.validFromDate.getTime()) || Number.isNaN(x509.validToDate.getTime())) {
    invalid('The certificate has an unreadable validity period');
  }
  const extensions = extensionsOf(der);
  const basic = extensions.get(OID.basicConstraints);
  const usage = extensions.get(OID.keyUsage);
  const eku = extensions.get(OID.extKeyUsage);
  return {
    x509,
    der,
    publicKey,
    notBefore: x509.validFromDate,
    notAfter: x509.validToDate,
    extensions,
    ...(basic ? { basicConstraints: parseBasicConstraints(basic.value) } : {}),
    ...(usage ? { keyUsage: parseKeyUsage(usage.value) } : {}),
    extKeyUsage: eku ? parseExtKeyUsage(eku.value) : [],
    subjectAltNames: parseSubjectAltNames(extensions.get(OID.subjectAltName)?.value),
    unknownCritical: [...extensions]
      .filter(([oid, ext]) => ext.critical && !UNDERSTOOD.has(oid))
      .map(([oid]) => oid),
  };
}

/** Every certificate in PEM text (several files may be concatenated), in order. */
export function parsePemCertificates(text: string): Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length > 1000) invalid('More than 1000 certificates in one trust file');
  return blocks.map((block) => parseCertificate(block));
}

/** A distinguished name on one line; node:crypto gives undefined for an empty one (Fulcio leaves). */
export function distinguishedName(name: string | undefined): string {
  return (name ?? '').replaceAll('\n', ', ');
}

/** One line naming a certificate in messages: its subject and a fingerprint prefix. */
export function describeCertificate(certificate: Certificate): string {
  const subject = distinguishedName(certificate.x509.subject) || '(empty subject)';
  return `${subject} [sha256 ${certificate.x509.fingerprint256.replaceAll(':', '').slice(0, 16).toLowerCase()}]`;
}
