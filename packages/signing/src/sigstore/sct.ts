import { createHash, verify as cryptoVerify } from 'node:crypto';
import { SigningError } from '../errors.ts';
import type { Certificate } from '../x509/certificate.ts';
import { children, decodeOid, encodeTlv, readTlv, TAG, value } from '../x509/der.ts';
import { type TransparencyLog, within } from './trusted-root.ts';

/** RFC 6962 §3.3: the embedded SignedCertificateTimestampList extension. */
export const SCT_LIST_OID = '1.3.6.1.4.1.11129.2.4.2';
/** A Fulcio certificate carries one or two SCTs; refuse absurd lists. */
const MAX_SCTS = 16;

export interface SignedCertificateTimestamp {
  readonly logId: Buffer;
  readonly timestamp: bigint;
  readonly extensions: Buffer;
  readonly hashAlgorithm: number;
  readonly signatureAlgorithm: number;
  readonly signature: Buffer;
}

function invalid(message: string): never {
  throw new SigningError('SCT_INVALID', message);
}

/** A bounds-checked reader of TLS presentation-language fields. */
function tlsReader(bytes: Buffer) {
  let offset = 0;
  const take = (n: number): Buffer => {
    if (offset + n > bytes.length) invalid('The SCT list is truncated');
    const out = bytes.subarray(offset, offset + n);
    offset += n;
    return out;
  };
  return {
    take,
    uint(n: number): number {
      return take(n).readUIntBE(0, n);
    },
    vector(lengthBytes: number): Buffer {
      return take(this.uint(lengthBytes));
    },
    done: () => offset === bytes.length,
  };
}

/** Parses the SCTs a certificate embeds (the extension value is an OCTET STRING holding the TLS-encoded list). */
export function embeddedScts(certificate: Certificate): SignedCertificateTimestamp[] {
  const extension = certificate.extensions.get(SCT_LIST_OID);
  if (!extension) invalid('The signing certificate embeds no signed certificate timestamp (SCT)');
  const octets = readTlv(extension.value, 0);
  if (octets.tag !== TAG.octetString || octets.end !== extension.value.length)
    invalid('Malformed SCT extension');
  const list = tlsReader(tlsReader(value(extension.value, octets)).vector(2));
  const scts: SignedCertificateTimestamp[] = [];
  while (!list.done()) {
    if (scts.length >= MAX_SCTS) invalid('Too many SCTs');
    const sct = tlsReader(list.vector(2));
    if (sct.uint(1) !== 0) invalid('Only version 1 SCTs are known');
    const logId = sct.take(32);
    const timestamp = sct.take(8).readBigUInt64BE(0);
    // Milliseconds since the epoch; beyond what a Date holds is not a real time.
    if (timestamp > 8_640_000_000_000_000n) invalid('An SCT timestamp is out of range');
    const extensions = sct.vector(2);
    const hashAlgorithm = sct.uint(1);
    const signatureAlgorithm = sct.uint(1);
    const signature = sct.vector(2);
    if (!sct.done()) invalid('Trailing bytes in an SCT');
    scts.push({ logId, timestamp, extensions, hashAlgorithm, signatureAlgorithm, signature });
  }
  return scts;
}

/** The precertificate TBS the CT log signed: the certificate's TBS without the SCT list extension, re-encoded. */
function precertificateTbs(certificate: Certificate): Buffer {
  const der = certificate.der;
  const tbs = children(der, readTlv(der, 0))[0];
  if (tbs === undefined) invalid('The certificate has no TBSCertificate');
  const fields = children(der, tbs).map((field) => {
    // DER has one encoding per value, so re-encoding a field reproduces its bytes.
    if (field.tag !== 0xa3) return encodeTlv(field.tag, value(der, field));
    const list = children(der, field)[0];
    if (list === undefined) invalid('Malformed extensions');
    const kept = children(der, list).filter((entry) => {
      const oid = children(der, entry)[0];
      return oid === undefined || decodeOid(value(der, oid)) !== SCT_LIST_OID;
    });
    return encodeTlv(
      0xa3,
      encodeTlv(TAG.sequence, Buffer.concat(kept.map((e) => encodeTlv(e.tag, value(der, e))))),
    );
  });
  return encodeTlv(TAG.sequence, Buffer.concat(fields));
}

function uint(n: number | bigint, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let rest = BigInt(n);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** RFC 6962 §3.2 digitally-signed struct for a precert entry. */
function signedData(sct: SignedCertificateTimestamp, issuerKeyHash: Buffer, tbs: Buffer): Buffer {
  return Buffer.concat([
    Buffer.of(0, 0), // v1, certificate_timestamp
    uint(sct.timestamp, 8),
    uint(1, 2), // precert_entry
    issuerKeyHash,
    uint(tbs.length, 3),
    tbs,
    uint(sct.extensions.length, 2),
    sct.extensions,
  ]);
}

/**
 * Requires at least one embedded SCT from a CT log of the trusted root, valid at its timestamp, whose signature
 * over the precertificate verifies: the certificate was publicly logged when Fulcio issued it. Returns the logs.
 */
export function verifyEmbeddedScts(
  leaf: Certificate,
  issuer: Certificate,
  ctlogs: readonly TransparencyLog[],
): TransparencyLog[] {
  const scts = embeddedScts(leaf);
  const tbs = precertificateTbs(leaf);
  const issuerKeyHash = createHash('sha256')
    .update(issuer.publicKey.export({ format: 'der', type: 'spki' }))
    .digest();
  const verified: TransparencyLog[] = [];
  const problems: string[] = [];
  for (const sct of scts) {
    const log = ctlogs.find((candidate) => candidate.logId.equals(sct.logId));
    if (!log) {
      problems.push(`an SCT from unknown log ${sct.logId.toString('base64')}`);
      continue;
    }
    const time = new Date(Number(sct.timestamp));
    if (!within(log.validFor, time)) {
      problems.push(`${log.baseUrl}'s key was not valid at ${time.toISOString()}`);
      continue;
    }
    let valid = false;
    try {
      valid = cryptoVerify(
        'sha256',
        signedData(sct, issuerKeyHash, tbs),
        { key: log.key, dsaEncoding: 'der' },
        sct.signature,
      );
    } catch {
      valid = false;
    }
    if (valid) verified.push(log);
    else problems.push(`the SCT of ${log.baseUrl} does not verify`);
  }
  if (verified.length === 0) {
    invalid(`No valid SCT from a CT log of the trusted root: ${problems.join('; ') || 'none embedded'}`);
  }
  return verified;
}
