import { SigningError } from '../errors.ts';
import {
  type Certificate,
  describeCertificate,
  distinguishedName,
  parseCertificate,
} from '../x509/certificate.ts';
import { verifyChain } from '../x509/chain.ts';
import { certificateIdentities, checkIdentity, type IdentityPolicy } from '../x509/identity.ts';
import type { SigstoreBundle } from './parse.ts';
import { certificateKey, checkSigningUsage, verifyDsseSignature } from './verify-signature.ts';

/**
 * When the certificate path must be valid: `signing` = at the leaf's notBefore, as model_signing checks (the
 * signature stays valid after the certificate expires); `now` = at verification time (OMS §8.2 literally);
 * or a given instant.
 */
export type CertificateTime = 'signing' | 'now' | Date;

export interface CertificateTrust extends IdentityPolicy {
  /** Trust anchors: every certificate given is trusted, as in the reference's X509Store. */
  readonly anchors: readonly Certificate[];
  readonly time?: CertificateTime;
}

export interface CertificateSigner {
  readonly method: 'certificate';
  readonly subject: string;
  readonly identities: readonly string[];
  readonly chain: readonly string[];
  readonly validatedAt: string;
  readonly legacyPae: boolean;
}

/**
 * Verifies a certificate-method bundle: the chain from the bundle's leaf through its intermediates to one of the
 * trust anchors, the leaf's usage, the optional identity, and the DSSE signature with the leaf's key.
 */
export function verifyCertificateSignature(
  bundle: SigstoreBundle,
  trust: CertificateTrust,
): CertificateSigner {
  const material = bundle.verificationMaterial;
  if (material.kind !== 'x509CertificateChain') {
    throw new SigningError(
      'METHOD_UNSUPPORTED',
      `The bundle was signed with the ${material.kind === 'publicKey' ? 'key' : 'keyless Sigstore'} method; verify it with ${material.kind === 'publicKey' ? '--key' : '--trust-root, --identity and --issuer'} instead of a certificate chain`,
      { code: 'UNSUPPORTED' },
    );
  }
  const [leaf, ...intermediates] = material.certificates.map((der) => parseCertificate(der));
  if (leaf === undefined)
    throw new SigningError('CERTIFICATE_INVALID', 'The bundle has no signing certificate');
  const key = certificateKey(leaf);
  const { legacyPae } = verifyDsseSignature(
    bundle.dsseEnvelope,
    key,
    `the key of ${describeCertificate(leaf)}`,
  );
  const time =
    trust.time === undefined || trust.time === 'signing'
      ? leaf.notBefore
      : trust.time === 'now'
        ? new Date()
        : trust.time;
  const path = verifyChain(leaf, intermediates, trust.anchors, { time });
  checkSigningUsage(leaf);
  checkIdentity(leaf, trust);
  return {
    method: 'certificate',
    subject: distinguishedName(leaf.x509.subject),
    identities: certificateIdentities(leaf),
    chain: path.map(describeCertificate),
    validatedAt: time.toISOString(),
    legacyPae,
  };
}
