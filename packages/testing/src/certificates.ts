import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Test support: PEM texts of a root CA, an intermediate CA and a code-signing leaf, with the leaf's key. */
export interface TestChain {
  readonly root: string;
  readonly intermediate: string;
  readonly leaf: string;
  readonly leafKey: string;
}

/**
 * Issues a fresh chain with the openssl CLI (Node can parse certificates but not issue them): root and
 * intermediate P-384 CAs, a P-256 leaf with digitalSignature and codeSigning, like model_signing's test chain.
 * Private keys exist only in a temporary directory, never in the repository.
 */
export function issueTestChain(): TestChain {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-test-ca-'));
  const at = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const request = (name: string, curve: string, subject: string): void =>
    openssl(
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      `ec_paramgen_curve:${curve}`,
      '-nodes',
      '-keyout',
      at(`${name}.key`),
      '-out',
      at(`${name}.csr`),
      '-subj',
      subject,
    );
  const issue = (name: string, issuer: string, extensions: string): void => {
    writeFileSync(at(`${name}.ext`), extensions);
    openssl(
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at(`${issuer}.pem`),
      '-CAkey',
      at(`${issuer}.key`),
      '-CAcreateserial',
      '-days',
      '30',
      '-extfile',
      at(`${name}.ext`),
      '-out',
      at(`${name}.pem`),
    );
  };
  try {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-384',
      '-nodes',
      '-keyout',
      at('root.key'),
      '-out',
      at('root.pem'),
      '-days',
      '30',
      '-subj',
      '/CN=palisade-test-root',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    request('intermediate', 'P-384', '/CN=palisade-test-intermediate');
    issue(
      'intermediate',
      'root',
      'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n',
    );
    request('leaf', 'P-256', '/CN=palisade-test-signer');
    issue('leaf', 'intermediate', 'keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n');
    const read = (name: string): string => readFileSync(at(name), 'utf8');
    return {
      root: read('root.pem'),
      intermediate: read('intermediate.pem'),
      leaf: read('leaf.pem'),
      leafKey: read('leaf.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
