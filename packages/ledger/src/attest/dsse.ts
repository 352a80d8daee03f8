import {
  createHash,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { PalisadeError } from '@palisade/core';
import { decodeBase64, encodeBase64 } from '../bytes.ts';
import { asArray, asObject, asString, canonicalJson, type Json, onlyKeys } from './json.ts';

/** The DSSE payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** Longest base64 payload read (an OMS statement of a repository with tens of thousands of files). */
const MAX_PAYLOAD_BASE64 = 16 << 20;

/** Most signatures one envelope may carry. */
const MAX_SIGNATURES = 16;

export interface DsseSignature {
  readonly keyid: string;
  readonly sig: Uint8Array;
}

/** A DSSE v1 envelope (github.com/secure-systems-lab/dsse). */
export interface DsseEnvelope {
  readonly payloadType: string;
  readonly payload: Uint8Array;
  readonly signatures: readonly DsseSignature[];
}

/** Signs DSSE pre-authentication encodings; `keyid` names the public key. */
export interface DsseSigner {
  readonly keyid: string;
  sign(pae: Uint8Array): Uint8Array;
}

/** Checks DSSE signatures made by one public key. */
export interface DsseVerifier {
  readonly keyid: string;
  verify(pae: Uint8Array, signature: Uint8Array): boolean;
}

/** DSSE v1 pre-authentication encoding: `DSSEv1 SP len(type) SP type SP len(body) SP body`, lengths in bytes. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, 'utf8'),
    payload,
  ]);
}

/** The key ID Palisade writes: hex SHA-256 of the public key's DER SubjectPublicKeyInfo. */
export function dsseKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex');
}

/** The digest that goes with an ECDSA curve (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512); null for Ed25519. */
function algorithmFor(key: KeyObject): string | null {
  if (key.asymmetricKeyType === 'ed25519') return null;
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'sha256';
    if (curve === 'secp384r1') return 'sha384';
    if (curve === 'secp521r1') return 'sha512';
  }
  throw new PalisadeError(
    'UNSUPPORTED',
    `DSSE keys must be Ed25519 or ECDSA P-256/P-384/P-521, not ${key.asymmetricKeyType}`,
  );
}

export function dsseSigner(privateKey: KeyObject): DsseSigner {
  if (privateKey.type !== 'private') throw new PalisadeError('USAGE', 'a DSSE signer needs a private key');
  const algorithm = algorithmFor(privateKey);
  return {
    keyid: dsseKeyId(privateKey),
    sign: (pae) => new Uint8Array(cryptoSign(algorithm, pae, { key: privateKey, dsaEncoding: 'der' })),
  };
}

export function dsseVerifier(publicKey: KeyObject): DsseVerifier {
  const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  const algorithm = algorithmFor(key);
  return {
    keyid: dsseKeyId(key),
    verify: (pae, signature) => {
      try {
        return cryptoVerify(algorithm, pae, { key, dsaEncoding: 'der' }, signature);
      } catch {
        return false;
      }
    },
  };
}

/** Signs a payload into a one-signature envelope. */
export function signEnvelope(payloadType: string, payload: Uint8Array, signer: DsseSigner): DsseEnvelope {
  const sig = signer.sign(preAuthEncoding(payloadType, payload));
  return { payloadType, payload: Uint8Array.from(payload), signatures: [{ keyid: signer.keyid, sig }] };
}

/**
 * The key IDs of `verifiers` whose signature on the envelope verifies. A signature is matched to a verifier by key
 * ID when it has one, otherwise every verifier is tried (DSSE makes keyid optional).
 */
export function verifiedSigners(envelope: DsseEnvelope, verifiers: readonly DsseVerifier[]): string[] {
  const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
  const found = new Set<string>();
  for (const signature of envelope.signatures) {
    for (const verifier of verifiers) {
      if (signature.keyid !== '' && signature.keyid !== verifier.keyid) continue;
      if (verifier.verify(pae, signature.sig)) found.add(verifier.keyid);
    }
  }
  return [...found];
}

/** The envelope as JSON fields (`payload` and `sig` base64), ready for canonical serialisation. */
export function envelopeJson(envelope: DsseEnvelope): Json {
  return {
    payloadType: envelope.payloadType,
    payload: encodeBase64(envelope.payload),
    signatures: envelope.signatures.map((s) => ({ keyid: s.keyid, sig: encodeBase64(s.sig) })),
  };
}

export function formatEnvelope(envelope: DsseEnvelope): string {
  return canonicalJson(envelopeJson(envelope));
}

/** Strict DSSE envelope reader over already-parsed JSON: known fields only, at least one signature. */
export function readEnvelope(value: Json): DsseEnvelope {
  const object = asObject(value, 'DSSE envelope');
  onlyKeys(object, ['payloadType', 'payload', 'signatures'], 'DSSE envelope');
  const payloadType = asString(object.payloadType, 'DSSE payloadType', 256);
  const payload = decodeBase64(asString(object.payload, 'DSSE payload', MAX_PAYLOAD_BASE64), 'DSSE payload');
  const signatures = asArray(object.signatures, 'DSSE signatures', MAX_SIGNATURES).map((item, i) => {
    const signature = asObject(item, `DSSE signatures[${i}]`);
    onlyKeys(signature, ['keyid', 'sig'], `DSSE signatures[${i}]`);
    const keyid =
      signature.keyid === undefined ? '' : asString(signature.keyid, `DSSE signatures[${i}].keyid`, 256);
    const sig = decodeBase64(
      asString(signature.sig, `DSSE signatures[${i}].sig`, 8192),
      `DSSE signature ${i}`,
    );
    return { keyid, sig };
  });
  if (signatures.length === 0) throw new PalisadeError('INPUT_INVALID', 'DSSE envelope has no signatures');
  return { payloadType, payload, signatures };
}
