import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, type Stats, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { PalisadeError } from '@palisade/core';
import {
  type ArtifactFacts,
  type Environment,
  emptyFacts,
  type Facts,
  type SignatureFacts,
  scanFacts,
  type Unknown,
  unknown,
} from '@palisade/policy';
import { scanPaths } from '@palisade/scanner';
import { verifyModel } from '@palisade/signing';
import { readInput, signaturePath } from '../commands/signing-common.ts';
import { artifactDigest } from '../ledger/artifact.ts';
import type { LedgerPaths } from '../ledger/ledger-files.ts';
import { bomFacts } from './bom-evidence.ts';
import { evaluationFacts } from './evaluation-evidence.ts';
import { provenanceFacts } from './ledger-evidence.ts';

export interface EvidenceOptions {
  readonly environment: Environment;
  readonly origin: ArtifactFacts['origin'];
  /** PEM public key the operator trusts; without it a signature that exists is not verified (unknown). */
  readonly keyPath?: string;
  readonly signaturePath?: string;
  /** An initialised ledger (palisade ledger init): provenance is looked up in it. */
  readonly ledger?: LedgerPaths;
  /** PEM public keys trusted to sign provenance statements in the ledger (besides --key). */
  readonly provenanceKeyPaths?: readonly string[];
  /** JSON reports carrying evaluation facts (palisade fairness / robustness / drift / pii --format json). */
  readonly evaluationPaths?: readonly string[];
  readonly onScanTotal?: (total: number) => void;
  readonly onScanFile?: (path: string, done: number) => void;
}

/** Formats whose loading runs code; archives count when named like a PyTorch or joblib checkpoint. */
const PICKLE_FORMATS = new Set(['pickle']);
const PICKLE_EXTENSIONS = new Set(['.pkl', '.pickle', '.pt', '.pth', '.ckpt', '.joblib', '.dill', '.bin']);
const ARCHIVES = new Set(['zip', 'tar', '7z', 'gzip', 'bzip2', 'xz', 'lzma', 'lz4', 'zstd']);

function isPickleFamily(path: string, format: string): boolean {
  if (PICKLE_FORMATS.has(format)) return true;
  const ext = extname(path).toLowerCase();
  return PICKLE_EXTENSIONS.has(ext) && (ARCHIVES.has(format) || ext !== '.bin');
}

function statOf(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    throw new PalisadeError('INPUT_NOT_FOUND', `No such file or directory: ${path}`, { cause: error });
  }
}

function keyFingerprint(pem: Buffer): string {
  try {
    const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
    return `sha256:${createHash('sha256').update(der).digest('hex')}`;
  } catch (error) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `The --key file is not a PEM public key: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

async function signatureFacts(
  path: string,
  bundlePath: string,
  options: EvidenceOptions,
): Promise<SignatureFacts | Unknown> {
  if (!existsSync(bundlePath)) {
    if (options.signaturePath !== undefined) {
      throw new PalisadeError('INPUT_NOT_FOUND', `No signature file ${options.signaturePath}`);
    }
    return { status: 'absent', trusted: false };
  }
  if (options.keyPath === undefined) {
    return unknown(`a signature exists (${bundlePath}) but was not verified: pass --key PUBLIC.pem`);
  }
  const publicKey = await readInput(options.keyPath, 'public key');
  const fingerprint = keyFingerprint(publicKey);
  const bundle = await readInput(bundlePath, 'signature');
  const result = await verifyModel(path, bundle, { publicKey, signaturePath: bundlePath });
  return result.ok
    ? { status: 'verified', trusted: true, keyFingerprint: fingerprint, method: 'key' }
    : {
        status: 'invalid',
        trusted: false,
        keyFingerprint: fingerprint,
        reason: result.reason,
        method: 'key',
      };
}

/** Runs every evidence source on one artifact and assembles the facts a policy reads. */
export async function gatherFacts(path: string, options: EvidenceOptions): Promise<Facts> {
  const stat = statOf(path);
  // Reports first: a bad --evaluation file should not wait for a long scan.
  const evaluations = await evaluationFacts(options.evaluationPaths ?? []);
  const report = await scanPaths([path], {
    ...(options.onScanTotal ? { onTotal: options.onScanTotal } : {}),
    ...(options.onScanFile ? { onFile: (f, done) => options.onScanFile?.(f.path, done) } : {}),
  });
  const bundlePath = signaturePath(path, options.signaturePath);
  const bom = await bomFacts(path);
  const artifact: ArtifactFacts = {
    name: basename(resolve(path)),
    path,
    kind: stat.isDirectory() ? 'directory' : 'file',
    // The OMS root digest, computed as palisade sign and palisade attest compute it: signatures, ledger entries
    // and exceptions all name the artifact by it.
    digest: `sha256:${(await artifactDigest(path)).sha256}`,
    files: report.files.length,
    size: report.files.reduce((sum, f) => sum + f.size, 0),
    formats: [...new Set(report.files.map((f) => f.format))].sort(),
    pickleFamily: report.files.some((f) => isPickleFamily(f.path, f.format)),
    origin: options.origin,
  };
  const facts = emptyFacts(artifact, options.environment);
  return {
    ...facts,
    scan: report.files.length === 0 ? unknown('no file to scan') : scanFacts(report),
    signature: await signatureFacts(path, bundlePath, options),
    bom,
    evaluations: { ...facts.evaluations, ...evaluations },
    provenance: await provenanceFacts(artifact.digest, options.ledger, [
      ...(options.keyPath ? [options.keyPath] : []),
      ...(options.provenanceKeyPaths ?? []),
    ]),
  };
}
