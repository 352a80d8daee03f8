import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { isPalisadeError } from '@palisade/core';
import { SigningError } from '../errors.ts';
import type { Certificate } from '../x509/certificate.ts';
import { describeCertificate, OID } from '../x509/certificate.ts';
import { type LoadedPublicKey, loadPublicKey } from './keys.ts';
import { preAuthEncoding } from './pae.ts';
import { type DsseEnvelope, IN_TOTO_PAYLOAD_TYPE } from './parse.ts';
import { legacyPreAuthEncoding } from './verify-legacy.ts';

function valid(hash: string, data: Buffer, key: KeyObject, signature: Uint8Array): boolean {
  try {
    return cryptoVerify(hash, data, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

/**
 * Verifies the DSSE signature with the signer's EC key and the curve's hash over the standard PAE; failing that,
 * over the v0.2 PAE (curve hash, then SHA-256, which v0.2 always used), as the reference verifier falls back.
 * Returns whether the legacy encoding was needed.
 */
export function verifyDsseSignature(
  envelope: DsseEnvelope,
  key: LoadedPublicKey,
  signer: string,
): { legacyPae: boolean } {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new SigningError(
      'PAYLOAD_TYPE',
      `payloadType is ${JSON.stringify(envelope.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  const signature = envelope.signatures[0];
  if (signature === undefined) throw new SigningError('ENVELOPE_INVALID', 'The envelope has no signature');
  if (valid(key.hash, preAuthEncoding(envelope.payloadType, envelope.payload), key.key, signature.sig)) {
    return { legacyPae: false };
  }
  const legacy = legacyPreAuthEncoding(envelope.payloadType, envelope.payload);
  if (valid(key.hash, legacy, key.key, signature.sig) || valid('sha256', legacy, key.key, signature.sig)) {
    return { legacyPae: true };
  }
  throw new SigningError(
    'SIGNATURE_INVALID',
    `The DSSE signature does not verify with ${signer} (ECDSA ${key.curve}/${key.hash.toUpperCase()})`,
  );
}

/** The signing key of a certificate, which OMS requires to be ECDSA P-256, P-384 or P-521. */
export function certificateKey(certificate: Certificate): LoadedPublicKey {
  try {
    return loadPublicKey(certificate.publicKey);
  } catch (error) {
    if (!isPalisadeError(error)) throw error;
    throw new SigningError(
      'CERTIFICATE_USAGE',
      `The signing certificate ${describeCertificate(certificate)} has a ${certificate.publicKey.asymmetricKeyType} key; OMS signing keys are ECDSA P-256, P-384 or P-521`,
    );
  }
}

/** The leaf may sign: KeyUsage digitalSignature or ExtendedKeyUsage codeSigning, as model_signing requires. */
export function checkSigningUsage(leaf: Certificate): void {
  const digitalSignature = leaf.keyUsage?.digitalSignature ?? false;
  if (!digitalSignature && !leaf.extKeyUsage.includes(OID.codeSigning)) {
    throw new SigningError(
      'CERTIFICATE_USAGE',
      `The signing certificate ${describeCertificate(leaf)} allows neither digitalSignature (KeyUsage) nor codeSigning (ExtendedKeyUsage)`,
    );
  }
}
