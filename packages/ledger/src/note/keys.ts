import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { PalisadeError } from '@palisade/core';
import { concatBytes, decodeBase64, encodeBase64 } from '../bytes.ts';
import { cosignatureVerifier } from './cosignature.ts';
import {
  checkKeyName,
  computeKeyId,
  ed25519PrivateKeyObject,
  ed25519PublicFromSeed,
  ed25519Signer,
  ed25519Verifier,
  keyIdHex,
  type NoteSigner,
  type NoteVerifier,
  SIG_TYPE_COSIGNATURE_ED25519,
  SIG_TYPE_ED25519,
} from './ed25519.ts';
import { mlDsaCosignatureVerifier, SIG_TYPE_COSIGNATURE_MLDSA44 } from './mldsa.ts';

const PKCS8_ED25519_PREFIX_LENGTH = 16;

/** Splits `name+hex8+base64` on the first two '+' (base64 may contain '+') and checks name and key ID syntax. */
function splitKey(text: string, what: string): { name: string; keyId: number; data: Uint8Array } {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw new PalisadeError('INPUT_INVALID', `${what} must be name+keyid+key`);
  const name = text.slice(0, first);
  const hex = text.slice(first + 1, second);
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(hex))
    throw new PalisadeError('INPUT_INVALID', `${what} key ID must be 8 lowercase hex digits`);
  const data = decodeBase64(text.slice(second + 1), `${what} key`);
  if (data.length === 0) throw new PalisadeError('INPUT_INVALID', `${what} has no key`);
  return { name, keyId: Number.parseInt(hex, 16), data };
}

/**
 * Parses a verifier key `<name>+<hex8 key ID>+<base64(sigType ‖ public key)>`. Ed25519 (0x01) and Ed25519
 * cosignature (0x04) keys are supported; the key ID must match the key.
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const { name, keyId, data } = splitKey(vkey, 'verifier key');
  const sigType = data[0] ?? -1;
  const publicKey = data.subarray(1);
  let verifier: NoteVerifier;
  if (sigType === SIG_TYPE_ED25519) {
    if (publicKey.length !== 32)
      throw new PalisadeError('INPUT_INVALID', 'an Ed25519 verifier key is 32 bytes');
    verifier = ed25519Verifier(name, publicKey);
  } else if (sigType === SIG_TYPE_COSIGNATURE_ED25519) {
    if (publicKey.length !== 32)
      throw new PalisadeError('INPUT_INVALID', 'an Ed25519 cosigner key is 32 bytes');
    verifier = cosignatureVerifier(name, publicKey);
  } else if (sigType === SIG_TYPE_COSIGNATURE_MLDSA44) {
    verifier = mlDsaCosignatureVerifier(name, publicKey);
  } else {
    throw new PalisadeError('UNSUPPORTED', `verifier key type 0x${sigType.toString(16)} is not supported`);
  }
  if (verifier.keyId !== keyId)
    throw new PalisadeError('INPUT_INVALID', 'verifier key ID does not match the key');
  return verifier;
}

/** Formats a verifier key string for a public key of the given signature type. */
export function formatVerifierKey(name: string, sigType: number, publicKey: Uint8Array): string {
  checkKeyName(name);
  const keyId = computeKeyId(name, sigType, publicKey);
  return `${name}+${keyIdHex(keyId)}+${encodeBase64(concatBytes(new Uint8Array([sigType]), publicKey))}`;
}

/** Parses a Go-format signer key `PRIVATE+KEY+<name>+<hex8>+base64(0x01 ‖ seed)` (Ed25519 only). */
export function parseSignerKey(skey: string): NoteSigner {
  const prefix = 'PRIVATE+KEY+';
  if (!skey.startsWith(prefix))
    throw new PalisadeError('INPUT_INVALID', 'signer key must start with PRIVATE+KEY+');
  const { name, keyId, data } = splitKey(skey.slice(prefix.length), 'signer key');
  if (data[0] !== SIG_TYPE_ED25519 || data.length !== 33) {
    throw new PalisadeError(
      'UNSUPPORTED',
      'only Ed25519 signer keys (type 0x01, 32-byte seed) are supported',
    );
  }
  const signer = ed25519Signer(name, data.subarray(1));
  if (signer.keyId !== keyId)
    throw new PalisadeError('INPUT_INVALID', 'signer key ID does not match the key');
  return signer;
}

/**
 * The node:crypto private key of a Go-format Ed25519 signer key, so the log key can also sign DSSE envelopes. The
 * key ID is checked as in `parseSignerKey`.
 */
export function signerKeyObject(skey: string): KeyObject {
  parseSignerKey(skey);
  const { data } = splitKey(skey.slice('PRIVATE+KEY+'.length), 'signer key');
  return ed25519PrivateKeyObject(data.subarray(1));
}

/** Formats a Go-format signer key for an Ed25519 seed. */
export function formatSignerKey(name: string, seed: Uint8Array): string {
  const signer = ed25519Signer(name, seed);
  return `PRIVATE+KEY+${name}+${keyIdHex(signer.keyId)}+${encodeBase64(concatBytes(new Uint8Array([SIG_TYPE_ED25519]), seed))}`;
}

/** A fresh Ed25519 note key: the signer key string (secret) and the verifier key string (public). */
export function generateEd25519Key(name: string): { skey: string; vkey: string } {
  checkKeyName(name);
  const { privateKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const seed = new Uint8Array(pkcs8.subarray(PKCS8_ED25519_PREFIX_LENGTH));
  return {
    skey: formatSignerKey(name, seed),
    vkey: formatVerifierKey(name, SIG_TYPE_ED25519, ed25519PublicFromSeed(seed)),
  };
}
