import { SigningError } from '../errors.ts';
import { verifyTimestamp } from '../sigstore/rfc3161.ts';
import { verifyEmbeddedScts } from '../sigstore/sct.ts';
import { verifyTlogEntry } from '../sigstore/tlog.ts';
import { type TrustedRoot, within } from '../sigstore/trusted-root.ts';
import { type Certificate, describeCertificate, parseCertificate } from '../x509/certificate.ts';
import { verifyChain } from '../x509/chain.ts';
import { certificateIdentities, certificateIssuer, checkIdentity } from '../x509/identity.ts';
import type { SigstoreBundle } from './parse.ts';
import { certificateKey, checkSigningUsage, verifyDsseSignature } from './verify-signature.ts';

/** Sigstore writes one entry; a few more are plausible, thousands are a denial of service. */
const MAX_TLOG_ENTRIES = 8;

export interface KeylessTrust {
  readonly trustedRoot: TrustedRoot;
  /** The signer's identity (SAN email or URI), exact. */
  readonly identity: string;
  /** The OIDC issuer that vouched for it, exact. */
  readonly issuer: string;
}

export interface KeylessSigner {
  readonly method: 'sigstore';
  readonly identities: readonly string[];
  readonly issuer: string | undefined;
  readonly chain: readonly string[];
  /** CT logs whose embedded SCT verified. */
  readonly ctlogs: readonly string[];
  readonly tlog: { readonly baseUrl: string; readonly logIndex: string; readonly integratedTime: string };
  /** Verified RFC 3161 timestamps over the signature. */
  readonly timestamps: readonly { readonly authority: string; readonly time: string }[];
  /** RFC 3161 timestamps that no authority of the trusted root signed; they attest nothing. */
  readonly untrustedTimestamps: number;
}

/** Fulcio's chain at the integrated time, tried against each CA of the trusted root valid then. */
function verifyFulcioChain(leaf: Certificate, trustedRoot: TrustedRoot, time: Date): Certificate[] {
  const authorities = trustedRoot.certificateAuthorities.filter((ca) => within(ca.validFor, time));
  if (authorities.length === 0) {
    throw new SigningError(
      'CHAIN_INVALID',
      `No certificate authority of the trusted root was valid at ${time.toISOString()}`,
    );
  }
  let firstError: unknown;
  for (const ca of authorities) {
    const root = ca.certificates[ca.certificates.length - 1] as Certificate;
    try {
      return verifyChain(leaf, ca.certificates.slice(0, -1), [root], { time });
    } catch (error) {
      firstError ??= error;
    }
  }
  throw firstError;
}

/**
 * Verifies a keyless Sigstore bundle offline: the DSSE signature with the Fulcio certificate's key, each Rekor
 * entry (body, signed entry timestamp, inclusion proof and checkpoint), the Fulcio chain at the integrated time,
 * any RFC 3161 timestamps (and the chain at their times), an embedded SCT from a trusted CT log, the
 * certificate's usage, and the signer's identity and OIDC issuer.
 */
export function verifyKeylessSignature(bundle: SigstoreBundle, trust: KeylessTrust): KeylessSigner {
  const material = bundle.verificationMaterial;
  if (material.kind !== 'certificate') {
    throw new SigningError(
      'METHOD_UNSUPPORTED',
      `The bundle was signed with the ${material.kind === 'publicKey' ? 'key' : 'certificate'} method; verify it with ${material.kind === 'publicKey' ? '--key' : '--certificate-chain'} instead of a Sigstore trusted root`,
      { code: 'UNSUPPORTED' },
    );
  }
  const leaf = parseCertificate(material.certificate);
  verifyDsseSignature(bundle.dsseEnvelope, certificateKey(leaf), `the key of ${describeCertificate(leaf)}`);
  if (bundle.tlogEntries.length === 0)
    throw new SigningError('TLOG_INVALID', 'The bundle has no transparency-log entry');
  if (bundle.tlogEntries.length > MAX_TLOG_ENTRIES) {
    throw new SigningError(
      'TLOG_INVALID',
      `The bundle has ${bundle.tlogEntries.length} transparency-log entries; at most ${MAX_TLOG_ENTRIES} are checked`,
    );
  }
  const entries = bundle.tlogEntries.map((entry) =>
    verifyTlogEntry(entry, bundle.dsseEnvelope, leaf, trust.trustedRoot),
  );
  const first = entries[0] as (typeof entries)[number];
  const signature = bundle.dsseEnvelope.signatures[0]?.sig ?? new Uint8Array();
  const stamped = (bundle.rfc3161Timestamps ?? []).map((token) =>
    verifyTimestamp(token, signature, trust.trustedRoot.timestampAuthorities),
  );
  const timestamps = stamped.filter((stamp) => stamp !== undefined);
  // The certificate must have been valid at every attested time: the log's and each timestamp authority's.
  for (const stamp of timestamps) verifyFulcioChain(leaf, trust.trustedRoot, stamp.time);
  const path = verifyFulcioChain(leaf, trust.trustedRoot, first.integratedTime);
  const ctlogs = verifyEmbeddedScts(leaf, path[1] ?? leaf, trust.trustedRoot.ctlogs);
  checkSigningUsage(leaf);
  checkIdentity(leaf, trust);
  return {
    method: 'sigstore',
    identities: certificateIdentities(leaf),
    issuer: certificateIssuer(leaf),
    chain: path.map(describeCertificate),
    ctlogs: ctlogs.map((log) => log.baseUrl),
    timestamps: timestamps.map((stamp) => ({ authority: stamp.authority, time: stamp.time.toISOString() })),
    untrustedTimestamps: stamped.length - timestamps.length,
    tlog: {
      baseUrl: first.log.baseUrl,
      logIndex: first.logIndex,
      integratedTime: first.integratedTime.toISOString(),
    },
  };
}
