import { SigningError } from '../errors.ts';
import { type Certificate, OID } from './certificate.ts';
import { readTlv, TAG, value } from './der.ts';

export interface IdentityPolicy {
  /** Exact subject alternative name (email, URI or DNS name) the signer must hold. */
  readonly identity?: string;
  /** Exact OIDC issuer recorded by Fulcio in the certificate. */
  readonly issuer?: string;
}

/** Fulcio's OIDC issuer: the v2 extension (a DER UTF8String) wins over the deprecated v1 one (raw bytes). */
export function certificateIssuer(certificate: Certificate): string | undefined {
  const v2 = certificate.extensions.get(OID.fulcioIssuerV2);
  if (v2) {
    try {
      const tlv = readTlv(v2.value, 0);
      if (tlv.tag === TAG.utf8String && tlv.end === v2.value.length)
        return value(v2.value, tlv).toString('utf8');
    } catch {
      return undefined;
    }
    return undefined;
  }
  return certificate.extensions.get(OID.fulcioIssuerV1)?.value.toString('utf8');
}

/** Every identity the certificate names in its subject alternative names. */
export function certificateIdentities(certificate: Certificate): string[] {
  const { emails, uris, dnsNames } = certificate.subjectAltNames;
  return [...emails, ...uris, ...dnsNames];
}

/** Requires the certificate to name `identity` in its SANs and `issuer` in Fulcio's issuer extension. */
export function checkIdentity(certificate: Certificate, policy: IdentityPolicy): void {
  if (policy.identity !== undefined) {
    const names = certificateIdentities(certificate);
    if (!names.includes(policy.identity)) {
      throw new SigningError(
        'IDENTITY_MISMATCH',
        `The signing certificate is for ${names.length > 0 ? names.join(', ') : 'no subject alternative name'}, not ${policy.identity}`,
      );
    }
  }
  if (policy.issuer !== undefined) {
    const issuer = certificateIssuer(certificate);
    if (issuer !== policy.issuer) {
      throw new SigningError(
        'ISSUER_MISMATCH',
        `The signing certificate's OIDC issuer is ${issuer === undefined ? 'absent' : JSON.stringify(issuer)}, not ${JSON.stringify(policy.issuer)}`,
      );
    }
  }
}
