import { type KeyObject, X509Certificate } from 'node:crypto';
import { PalisadeError } from '@palisade/core';

/** Bounds on what a signer may hand in: a chain is a handful of certificates of a few KiB each. */
const MAX_PEM_BYTES = 1 << 20;
const MAX_CERTIFICATES = 10;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function describe(certificate: X509Certificate): string {
  return `"${certificate.subject.replaceAll('\n', ', ')}" (serial ${certificate.serialNumber})`;
}

/** Every certificate of the PEM texts, in order; text around the blocks (openssl dumps) is ignored. */
export function readPemCertificates(pems: readonly (string | Uint8Array)[]): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  for (const pem of pems) {
    if (pem.length > MAX_PEM_BYTES) {
      throw new PalisadeError(
        'USAGE',
        `A certificate chain file is over ${MAX_PEM_BYTES} bytes; give PEM certificates`,
      );
    }
    const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8');
    const blocks = text.match(PEM_CERTIFICATE) ?? [];
    if (blocks.length === 0) throw new PalisadeError('USAGE', 'No PEM certificate (BEGIN CERTIFICATE) found');
    for (const block of blocks) {
      if (certificates.length === MAX_CERTIFICATES) {
        throw new PalisadeError('USAGE', `A certificate chain has at most ${MAX_CERTIFICATES} certificates`);
      }
      try {
        certificates.push(new X509Certificate(block));
      } catch (error) {
        throw new PalisadeError('USAGE', `Not a valid PEM certificate: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  }
  return certificates;
}

/**
 * The `x509CertificateChain` of a certificate bundle, as model_signing writes it: the certificate of the signing
 * key first, then the others in the order given (intermediates, optionally the root). Each certificate must be
 * issued and signed by the next one, so that a verifier can build the path; otherwise this is a usage error that
 * names the break.
 */
export function certificateChainFor(
  signingKey: KeyObject,
  pems: readonly (string | Uint8Array)[],
): X509Certificate[] {
  const certificates = readPemCertificates(pems);
  const leafIndex = certificates.findIndex((c) => c.publicKey.equals(signingKey));
  if (leafIndex < 0) {
    throw new PalisadeError(
      'USAGE',
      'None of the given certificates is for the signing key: --certificate-chain must include the certificate of --key',
    );
  }
  const leaf = certificates[leafIndex] as X509Certificate;
  const chain = [leaf, ...certificates.filter((_, i) => i !== leafIndex)];
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i] as X509Certificate;
    const issuer = chain[i + 1] as X509Certificate;
    if (!child.checkIssued(issuer) || !child.verify(issuer.publicKey)) {
      throw new PalisadeError(
        'USAGE',
        `${describe(child)} is not issued by the next certificate, ${describe(issuer)}: give the chain in order, signing certificate first, then its issuer, and so on`,
      );
    }
  }
  return chain;
}
