import {
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { PalisadeError } from '@palisade/core';
import { SigningError } from '../errors.ts';
import { publicKeyHint } from './keys.ts';
import { preAuthEncoding } from './pae.ts';
import { IN_TOTO_PAYLOAD_TYPE, type SigstoreBundle } from './parse.ts';

/**
 * Palisade's post-quantum extension of OMS: the one DSSE signature of the bundle is ML-DSA-65 (FIPS 204, pure,
 * empty context) over the same PAE, instead of ECDSA. No OMS verifier (model_signing, the Go one, sigstore-js)
 * accepts it: it is opt-in (`--algorithm ml-dsa-65`) for users who verify with Palisade.
 */
export const ML_DSA_65 = 'ml-dsa-65';

/**
 * The DSSE `keyid` of an ML-DSA-65 bundle. OMS verifiers ignore `keyid`; Palisade reads it as the mark of the
 * extension, so that an ML-DSA bundle is never taken for an ECDSA one (nor the other way round).
 */
export const ML_DSA_65_KEYID = 'palisade-extension:ml-dsa-65';

export type SigningAlgorithm = 'ecdsa' | typeof ML_DSA_65;

export interface LoadedMlDsaKey {
  readonly key: KeyObject;
  readonly publicKey: KeyObject;
  /** Hex SHA-256 of the SPKI PEM: the bundle's `publicKey.hint`, the same rule as for EC keys. */
  readonly hint: string;
}

/** Whether this Node's OpenSSL has ML-DSA (OpenSSL ≥ 3.5, Node 24). */
export function mlDsaAvailable(): boolean {
  try {
    generateKeyPairSync(ML_DSA_65);
    return true;
  } catch {
    return false;
  }
}

export function isMlDsa65Key(key: KeyObject): boolean {
  return key.asymmetricKeyType === ML_DSA_65;
}

function unavailable(): PalisadeError {
  return new PalisadeError(
    'UNSUPPORTED',
    `This Node.js (${process.version}, OpenSSL ${process.versions.openssl}) has no ML-DSA; use Node.js 24 with OpenSSL 3.5 or later`,
  );
}

function toKeyObject(input: string | Uint8Array | KeyObject, kind: 'private' | 'public'): KeyObject {
  if (typeof input === 'object' && !(input instanceof Uint8Array)) return input;
  try {
    const pem = typeof input === 'string' ? input : Buffer.from(input);
    return kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (error) {
    if (!mlDsaAvailable()) throw unavailable();
    throw new PalisadeError('USAGE', `Not a PEM ${kind} key: ${(error as Error).message}`, { cause: error });
  }
}

function requireMlDsa65(key: KeyObject, what: string): void {
  if (!isMlDsa65Key(key)) {
    throw new PalisadeError(
      'USAGE',
      `${what} is ${key.asymmetricKeyType}, not ML-DSA-65 (generate one with OpenSSL ≥ 3.5, \`openssl genpkey -algorithm ML-DSA-65\`, or Node.js 24's crypto.generateKeyPairSync('ml-dsa-65'))`,
    );
  }
}

/** An ML-DSA-65 private key (PKCS#8 PEM or KeyObject) and its public half. */
export function loadMlDsaPrivateKey(input: string | Uint8Array | KeyObject): LoadedMlDsaKey {
  const key = toKeyObject(input, 'private');
  if (key.type !== 'private') throw new PalisadeError('USAGE', 'Signing needs a private key');
  requireMlDsa65(key, 'The private key');
  const publicKey = createPublicKey(key);
  return { key, publicKey, hint: publicKeyHint(publicKey) };
}

/** Signs the PAE bytes with ML-DSA-65 (hedged: two signatures of the same bytes differ). */
export function signMlDsa(key: KeyObject, pae: Uint8Array): Buffer {
  return cryptoSign(null, pae, key);
}

/**
 * The key-path check of an ML-DSA-65 bundle, with the same contract as the ECDSA one: the bundle must carry the
 * extension mark and the given key's hint, and ML-DSA-65 over PAE(payloadType, payload) must verify. Throws a
 * SigningError with the reason; returns warnings.
 */
export function verifyMlDsaSignature(
  bundle: SigstoreBundle,
  publicKeyInput: string | Uint8Array | KeyObject,
): string[] {
  const given = toKeyObject(publicKeyInput, 'public');
  const publicKey = given.type === 'private' ? createPublicKey(given) : given;
  requireMlDsa65(publicKey, 'The public key');
  const warnings: string[] = [];
  const material = bundle.verificationMaterial;
  if (material.kind !== 'publicKey') {
    throw new SigningError(
      'METHOD_UNSUPPORTED',
      'An ML-DSA-65 key verifies only key bundles; this bundle carries certificates',
      { code: 'UNSUPPORTED' },
    );
  }
  const signature = bundle.dsseEnvelope.signatures[0];
  if (signature?.keyid !== ML_DSA_65_KEYID) {
    throw new SigningError(
      'KEY_MISMATCH',
      `The bundle is not an ML-DSA-65 (Palisade extension) bundle: its keyid is ${JSON.stringify(signature?.keyid ?? null)}, not "${ML_DSA_65_KEYID}"; verify it with the signer's EC key`,
    );
  }
  const hint = publicKeyHint(publicKey);
  if (material.hint === undefined) {
    warnings.push('The bundle names no key (no publicKey.hint); only the signature ties it to the given key');
  } else if (material.hint !== hint) {
    throw new SigningError(
      'HINT_MISMATCH',
      `The bundle was signed by the key with hint ${material.hint}; the given key's hint is ${hint}`,
    );
  }
  const envelope = bundle.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new SigningError(
      'PAYLOAD_TYPE',
      `payloadType is ${JSON.stringify(envelope.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  let valid = false;
  try {
    valid = cryptoVerify(
      null,
      preAuthEncoding(envelope.payloadType, envelope.payload),
      publicKey,
      signature.sig,
    );
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new SigningError(
      'SIGNATURE_INVALID',
      'The DSSE signature does not verify with the given ML-DSA-65 key',
    );
  }
  return warnings;
}
