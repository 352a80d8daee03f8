import { createHash, verify as cryptoVerify } from 'node:crypto';
import { SigningError } from '../errors.ts';
import type { Certificate } from '../x509/certificate.ts';
import { verifyChain } from '../x509/chain.ts';
import { children, decodeOid, encodeTlv, readTlv, TAG, type Tlv, value } from '../x509/der.ts';
import { type CertificateAuthority, within } from './trusted-root.ts';

const OIDS = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

/** Digest OIDs (NIST) and ECDSA/RSA signature OIDs to node:crypto hash names. */
const HASHES: Readonly<Record<string, string>> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

export interface VerifiedTimestamp {
  readonly time: Date;
  readonly authority: string;
}

function invalid(message: string): never {
  throw new SigningError('TIMESTAMP_INVALID', `RFC 3161 timestamp: ${message}`);
}

function field(list: Tlv[], index: number, tag: number, what: string): Tlv {
  const found = list[index];
  if (found === undefined || found.tag !== tag) invalid(`expected ${what}`);
  return found;
}

function hashOf(buf: Buffer, algorithm: Tlv): string {
  const oid = decodeOid(value(buf, field(children(buf, algorithm), 0, TAG.oid, 'an algorithm OID')));
  const hash = HASHES[oid];
  if (hash === undefined) invalid(`unsupported algorithm ${oid}`);
  return hash;
}

/** GeneralizedTime `YYYYMMDDhhmmss[.fff]Z`. */
function generalizedTime(text: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d{1,9})?Z$/.exec(text);
  if (!match) invalid(`malformed genTime ${JSON.stringify(text.slice(0, 40))}`);
  const [, y, mo, d, h, mi, s, fraction] = match;
  const time = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${fraction ? fraction.slice(0, 4) : ''}Z`);
  if (Number.isNaN(time.getTime())) invalid('genTime is not a real time');
  return time;
}

interface ParsedToken {
  readonly tstInfo: Buffer;
  /** The signed attributes re-tagged as a SET, which is what the signature covers. */
  readonly signedAttributes: Buffer;
  readonly digestHash: string;
  readonly signatureHash: string;
  readonly signature: Buffer;
  readonly messageDigest: Buffer;
  readonly imprintHash: string;
  readonly imprint: Buffer;
  readonly genTime: Date;
}

function parseToken(der: Buffer): ParsedToken {
  const response = children(der, field([readTlv(der, 0)], 0, TAG.sequence, 'TimeStampResp'));
  const status = children(der, field(response, 0, TAG.sequence, 'PKIStatusInfo'));
  const code = value(der, field(status, 0, TAG.integer, 'a status'));
  if (code.length !== 1 || (code[0] as number) > 1) invalid('the response status is not granted');
  const contentInfo = children(der, field(response, 1, TAG.sequence, 'a timeStampToken'));
  const type = decodeOid(value(der, field(contentInfo, 0, TAG.oid, 'a content type')));
  if (type !== OIDS.signedData) invalid('the token is not CMS SignedData');
  const signedData = children(
    der,
    field(children(der, field(contentInfo, 1, 0xa0, '[0]')), 0, TAG.sequence, 'SignedData'),
  );
  const encap = children(der, field(signedData, 2, TAG.sequence, 'EncapsulatedContentInfo'));
  if (decodeOid(value(der, field(encap, 0, TAG.oid, 'eContentType'))) !== OIDS.tstInfo) {
    invalid('the signed content is not a TSTInfo');
  }
  const eContent = children(der, field(encap, 1, 0xa0, 'eContent'));
  const tstInfo = value(der, field(eContent, 0, TAG.octetString, 'the TSTInfo octets'));
  const signerInfos = children(der, signedData[signedData.length - 1] as Tlv);
  if (signedData[signedData.length - 1]?.tag !== 0x31 || signerInfos.length !== 1) {
    invalid('exactly one SignerInfo is expected');
  }
  const signer = children(der, field(signerInfos, 0, TAG.sequence, 'SignerInfo'));
  const digestAlgorithm = field(signer, 2, TAG.sequence, 'digestAlgorithm');
  const attributes = field(signer, 3, 0xa0, 'signedAttrs');
  const signatureAlgorithm = field(signer, 4, TAG.sequence, 'signatureAlgorithm');
  const signature = value(der, field(signer, 5, TAG.octetString, 'the signature'));
  let messageDigest: Buffer | undefined;
  let contentType: string | undefined;
  for (const attribute of children(der, attributes)) {
    const parts = children(der, attribute);
    const oid = decodeOid(value(der, field(parts, 0, TAG.oid, 'an attribute OID')));
    const first = children(der, field(parts, 1, 0x31, 'attribute values'))[0];
    if (oid === OIDS.messageDigest && first?.tag === TAG.octetString) messageDigest = value(der, first);
    if (oid === OIDS.contentType && first?.tag === TAG.oid) contentType = decodeOid(value(der, first));
  }
  if (contentType !== OIDS.tstInfo || messageDigest === undefined) {
    invalid('the signed attributes lack the TSTInfo content type or the message digest');
  }
  const info = children(tstInfo, readTlv(tstInfo, 0));
  const imprint = children(tstInfo, field(info, 2, TAG.sequence, 'messageImprint'));
  const genTime = field(info, 4, 0x18, 'genTime');
  return {
    tstInfo,
    signedAttributes: encodeTlv(0x31, value(der, attributes)),
    digestHash: hashOf(der, digestAlgorithm),
    signatureHash: hashOf(der, signatureAlgorithm),
    signature,
    messageDigest,
    imprintHash: hashOf(tstInfo, field(imprint, 0, TAG.sequence, 'the imprint algorithm')),
    imprint: value(tstInfo, field(imprint, 1, TAG.octetString, 'the hashed message')),
    genTime: generalizedTime(value(tstInfo, genTime).toString('latin1')),
  };
}

function signedBy(token: ParsedToken, certificate: Certificate): boolean {
  try {
    return cryptoVerify(
      token.signatureHash,
      token.signedAttributes,
      { key: certificate.publicKey, dsaEncoding: 'der' },
      token.signature,
    );
  } catch {
    return false;
  }
}

/**
 * Verifies an RFC 3161 TimeStampResponse over `signed` (for a DSSE bundle, the signature bytes) against the
 * trusted root's timestamp authorities: the signed attributes are signed by the TSA certificate of an authority
 * valid at genTime, whose chain is valid then and which may stamp time (ExtendedKeyUsage timeStamping); the CMS
 * message digest is the hash of the TSTInfo and its imprint the hash of `signed`. Returns the attested time, or
 * undefined when no trusted authority signed the token (it then attests nothing, as sigstore-python treats it).
 */
export function verifyTimestamp(
  response: Uint8Array,
  signed: Uint8Array,
  authorities: readonly CertificateAuthority[],
): VerifiedTimestamp | undefined {
  let token: ParsedToken;
  try {
    token = parseToken(Buffer.from(response));
  } catch (error) {
    if (error instanceof SigningError && error.reason === 'TIMESTAMP_INVALID') throw error;
    invalid(`malformed (${(error as Error).message})`);
  }
  const authority = authorities.find(
    (candidate) =>
      candidate.certificates[0] !== undefined &&
      within(candidate.validFor, token.genTime) &&
      signedBy(token, candidate.certificates[0]),
  );
  if (authority === undefined) return undefined;
  const [tsa, ...rest] = authority.certificates as [Certificate, ...Certificate[]];
  if (!tsa.extKeyUsage.includes(OIDS.timeStamping)) invalid('the TSA certificate may not stamp time');
  verifyChain(tsa, rest.slice(0, -1), [rest[rest.length - 1] ?? tsa], { time: token.genTime });
  if (!createHash(token.digestHash).update(token.tstInfo).digest().equals(token.messageDigest)) {
    invalid('the signed message digest is not that of the TSTInfo');
  }
  if (!createHash(token.imprintHash).update(signed).digest().equals(token.imprint)) {
    invalid('it stamps other data than the DSSE signature');
  }
  return { time: token.genTime, authority: authority.uri };
}
