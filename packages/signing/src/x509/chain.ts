import { SigningError } from '../errors.ts';
import { type Certificate, describeCertificate, distinguishedName } from './certificate.ts';

/** Longest path considered (leaf, intermediates, anchor); real PKIs use 3–4. */
const MAX_PATH_LENGTH = 8;
/** Bundled intermediates and issuer checks allowed, so that crafted chains cannot make the search explode. */
const MAX_INTERMEDIATES = 16;
const MAX_ISSUER_CHECKS = 1024;

export interface ChainOptions {
  /** Every certificate of the path must be within its validity period at this instant. */
  readonly time: Date;
}

function sameCertificate(a: Certificate, b: Certificate): boolean {
  return a.der.equals(b.der);
}

/**
 * True when `parent` issued `child`: names and key identifiers link (OpenSSL's X509_check_issued, which also
 * refuses an issuer whose KeyUsage lacks keyCertSign) and the parent's key verifies the child's signature.
 */
function issued(parent: Certificate, child: Certificate): boolean {
  if (!child.x509.checkIssued(parent.x509)) return false;
  try {
    return child.x509.verify(parent.publicKey);
  } catch {
    return false;
  }
}

function checkTime(certificate: Certificate, time: Date): void {
  if (time < certificate.notBefore || time > certificate.notAfter) {
    throw new SigningError(
      'CERTIFICATE_EXPIRED',
      `${describeCertificate(certificate)} is valid from ${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()}, not at ${time.toISOString()}`,
    );
  }
}

function checkIssuer(issuer: Certificate, below: number): void {
  const name = describeCertificate(issuer);
  if (!issuer.basicConstraints?.ca) {
    throw new SigningError(
      'CHAIN_INVALID',
      `${name} issues certificates but is not a CA (basicConstraints cA)`,
    );
  }
  if (issuer.keyUsage && !issuer.keyUsage.keyCertSign) {
    throw new SigningError('CHAIN_INVALID', `${name} issues certificates but its KeyUsage lacks keyCertSign`);
  }
  const limit = issuer.basicConstraints.pathLength;
  if (limit !== undefined && below > limit) {
    throw new SigningError(
      'CHAIN_INVALID',
      `${name} allows ${limit} intermediate CA(s) below it (pathLenConstraint); the path has ${below}`,
    );
  }
}

function checkCritical(certificate: Certificate): void {
  if (certificate.unknownCritical.length > 0) {
    throw new SigningError(
      'CHAIN_INVALID',
      `${describeCertificate(certificate)} has critical extension(s) ${certificate.unknownCritical.join(', ')} that are not understood`,
    );
  }
}

/** Depth-first search for a path from `from` to an anchor, through the untrusted intermediates. */
function findPath(
  from: Certificate,
  intermediates: readonly Certificate[],
  anchors: readonly Certificate[],
  path: Certificate[],
  budget: { checks: number },
): Certificate[] | undefined {
  const issuedBy = (parent: Certificate): boolean => {
    if (++budget.checks > MAX_ISSUER_CHECKS) {
      throw new SigningError(
        'CHAIN_INVALID',
        'The certificate chain takes too many checks to build; refused',
      );
    }
    return issued(parent, from);
  };
  if (anchors.some((anchor) => sameCertificate(anchor, from))) return path;
  const anchor = anchors.find(issuedBy);
  if (anchor) return [...path, anchor];
  if (path.length >= MAX_PATH_LENGTH) return undefined;
  for (const next of intermediates) {
    if (path.some((seen) => sameCertificate(seen, next)) || !issuedBy(next)) continue;
    const found = findPath(next, intermediates, anchors, [...path, next], budget);
    if (found) return found;
  }
  return undefined;
}

/**
 * Builds and validates the path leaf → intermediates → a trust anchor (RFC 5280 basic path validation as
 * OpenSSL does it by default): each signature and name link, issuers are CAs with keyCertSign and within
 * their pathLenConstraint, no unknown critical extension, every certificate valid at `time`. Returns the path,
 * leaf first, ending with the anchor.
 */
export function verifyChain(
  leaf: Certificate,
  intermediates: readonly Certificate[],
  anchors: readonly Certificate[],
  options: ChainOptions,
): Certificate[] {
  if (anchors.length === 0) throw new SigningError('CHAIN_INVALID', 'No trusted root certificate was given');
  if (intermediates.length > MAX_INTERMEDIATES) {
    throw new SigningError(
      'CHAIN_INVALID',
      `The bundle carries ${intermediates.length} intermediate certificates; at most ${MAX_INTERMEDIATES} are accepted`,
    );
  }
  const path = findPath(leaf, intermediates, anchors, [leaf], { checks: 0 });
  if (!path) {
    const issuer = distinguishedName(leaf.x509.issuer);
    throw new SigningError(
      'CHAIN_INVALID',
      `No chain from ${describeCertificate(leaf)} (issued by ${issuer}) to a trusted root: no trusted or bundled certificate issued it with a valid signature`,
    );
  }
  path.forEach((certificate, index) => {
    checkCritical(certificate);
    checkTime(certificate, options.time);
    if (index > 0) checkIssuer(certificate, Math.max(0, index - 1));
  });
  return path;
}
