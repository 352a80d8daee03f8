import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Stats } from 'node:fs';
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { PalisadeError } from '@palisade/core';
import type { SigningReason } from '../errors.ts';
import { SigningError } from '../errors.ts';
import type { HashProgressListener } from '../serialize/hash-pool.ts';
import { parseShardName } from '../serialize/order.ts';
import { type Manifest, type Resource, rootDigest, serializeModel } from '../serialize/serialize.ts';
import { parseTrustedRoot, type TrustedRoot } from '../sigstore/trusted-root.ts';
import { type Certificate, parseCertificate, parsePemCertificates } from '../x509/certificate.ts';
import { type LoadedPublicKey, loadPublicKey, publicKeyHint } from './keys.ts';
import { isMlDsa65Key, verifyMlDsaSignature } from './ml-dsa.ts';
import { parseBundle, type SigstoreBundle } from './parse.ts';
import { type OmsStatement, parseStatement, type SignedSerialization } from './statement.ts';
import {
  type CertificateSigner,
  type CertificateTime,
  type CertificateTrust,
  verifyCertificateSignature,
} from './verify-certificate.ts';
import { type KeylessSigner, type KeylessTrust, verifyKeylessSignature } from './verify-keyless.ts';
import { LEGACY_PREDICATE_TYPE, parseLegacyStatement, predicateTypeOf } from './verify-legacy.ts';
import { verifyDsseSignature } from './verify-signature.ts';

/** stat of the model path, a missing model being INPUT_NOT_FOUND. */
export function modelStat(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    throw new PalisadeError('INPUT_NOT_FOUND', `No such file or directory: ${path}`, { cause: error });
  }
}

/** The reference CLI's default signature file name; always excluded from a directory model. */
export const DEFAULT_SIGNATURE_NAME = 'model.sig';

export interface ChangedResource {
  readonly name: string;
  readonly expected: string;
  readonly actual: string;
}

export interface ManifestDifferences {
  /** On disk but not signed. */
  readonly added: readonly string[];
  /** Signed but not on disk. */
  readonly removed: readonly string[];
  /** Signed with another digest (or algorithm). */
  readonly changed: readonly ChangedResource[];
}

export interface KeySigner {
  readonly method: 'key';
  /** `ECDSA P-256` (or P-384, P-521), or `ML-DSA-65` for the Palisade extension. */
  readonly algorithm: string;
  readonly hint: string;
  readonly legacyPae: boolean;
}

/** Who signed, as established by the verified material (the key, the certificate chain, or Fulcio + Rekor). */
export type SignerInfo = KeySigner | CertificateSigner | KeylessSigner;

export type VerificationResult =
  | {
      readonly ok: true;
      readonly statement: OmsStatement;
      readonly signer: SignerInfo;
      readonly manifest: Manifest;
      readonly warnings: readonly string[];
    }
  | {
      readonly ok: false;
      readonly reason: SigningReason;
      readonly message: string;
      readonly differences?: ManifestDifferences;
      readonly warnings: readonly string[];
    };

/** Exactly one of `publicKey`, `certificateChain`, `trustedRoot` says what to trust. */
export interface VerifyOptions {
  /** Key method: the signer's public key, PEM text or a KeyObject (EC P-256/P-384/P-521, or ML-DSA-65 for the Palisade extension). */
  readonly publicKey?: string | Uint8Array | KeyObject;
  /** Certificate method: PEM text (one or several, each possibly several certificates) of the trusted roots. */
  readonly certificateChain?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Certificate method: when the path must be valid (default `signing`, the leaf's notBefore, as the reference). */
  readonly certificateTime?: CertificateTime;
  /** Keyless method: a Sigstore trusted_root.json (or ClientTrustConfig), as text or parsed. */
  readonly trustedRoot?: TrustedRoot | string | Uint8Array;
  /** Signer identity (certificate SAN); required for keyless, optional for the certificate method. */
  readonly identity?: string;
  /** OIDC issuer recorded by Fulcio; required for keyless, optional for the certificate method. */
  readonly issuer?: string;
  /** Where the bundle lives, so that it is excluded when inside the model. */
  readonly signaturePath?: string;
  /** Extra paths to exclude, relative to the model root (or absolute inside it). */
  readonly ignorePaths?: readonly string[];
  /** Exclude `.git` and friends at the root (default true). */
  readonly ignoreGitPaths?: boolean;
  /** Hash only the signed files and do not fail on unsigned extra files (OMS `--ignore-unsigned-files`). */
  readonly ignoreUnsignedFiles?: boolean;
  /** Hashing progress of the re-serialization, as `serializeModel` reports it. */
  readonly onProgress?: HashProgressListener;
}

/**
 * Checks the DSSE signature of a key-method bundle: the hint (or legacy raw key) must match the given key, and
 * ECDSA over PAE(payloadType, payload) must verify with the curve's hash. Returns the warnings.
 */
export function verifyKeySignature(bundle: SigstoreBundle, key: LoadedPublicKey): string[] {
  const warnings: string[] = [];
  const material = bundle.verificationMaterial;
  if (material.kind !== 'publicKey') {
    const keyless = material.kind === 'certificate';
    throw new SigningError(
      'METHOD_UNSUPPORTED',
      `The bundle was signed with the ${keyless ? 'keyless Sigstore' : 'certificate'} method; verify it with ${keyless ? '--trust-root, --identity and --issuer' : '--certificate-chain'} instead of a public key`,
      { code: 'UNSUPPORTED' },
    );
  }
  if (material.hint !== undefined) {
    if (material.hint !== key.hint) {
      throw new SigningError(
        'HINT_MISMATCH',
        `The bundle was signed by the key with hint ${material.hint}; the given key's hint is ${key.hint}`,
      );
    }
  } else if (material.rawBytes !== undefined) {
    let embedded: KeyObject | undefined;
    try {
      embedded = createPublicKey(Buffer.from(material.rawBytes).toString('utf8'));
    } catch {
      warnings.push('The bundle carries a public key that cannot be parsed; it was not compared');
    }
    if (embedded && !embedded.equals(key.key)) {
      throw new SigningError('KEY_MISMATCH', 'The public key in the bundle is not the given key');
    }
  } else {
    warnings.push('The bundle names no key (no publicKey.hint); only the signature ties it to the given key');
  }
  const { legacyPae } = verifyDsseSignature(bundle.dsseEnvelope, key, `the given ${key.curve} key`);
  if (legacyPae) warnings.push(LEGACY_WARNING);
  return warnings;
}

function algorithmMatches(algorithm: string, serialization: SignedSerialization): boolean {
  if (algorithm === serialization.hashType) return true;
  return (
    serialization.method === 'shards' &&
    algorithm === `${serialization.hashType}-sharded-${serialization.shardSize}`
  );
}

/** Local resource name of a signed one: a single-file model may be signed as `.` (reference) or its basename (OMS). */
function localName(
  name: string,
  singleFileName: string | undefined,
  method: SignedSerialization['method'],
): string {
  if (singleFileName === undefined || singleFileName === '.') return name;
  if (method === 'files') return name === singleFileName ? '.' : name;
  const shard = parseShardName(name);
  return shard && shard.path === singleFileName ? `.:${shard.start}:${shard.end}` : name;
}

/** Compares the signed resources with the local ones as maps name → (algorithm, digest). */
export function compareManifests(
  signed: readonly Resource[],
  local: readonly Resource[],
  serialization: SignedSerialization,
  options: { singleFileName?: string; ignoreUnsigned?: boolean } = {},
): ManifestDifferences {
  const localByName = new Map(local.map((resource) => [resource.name, resource]));
  const signedNames = new Set<string>();
  const removed: string[] = [];
  const changed: ChangedResource[] = [];
  for (const resource of signed) {
    const name = localName(resource.name, options.singleFileName, serialization.method);
    signedNames.add(name);
    const mine = localByName.get(name);
    if (!mine) removed.push(resource.name);
    else if (mine.digest !== resource.digest || !algorithmMatches(resource.algorithm, serialization)) {
      changed.push({
        name: resource.name,
        expected: `${resource.algorithm}:${resource.digest}`,
        actual: `${resource.algorithm}:${mine.digest}`,
      });
    }
  }
  const added = options.ignoreUnsigned
    ? []
    : local.filter((r) => !signedNames.has(r.name)).map((r) => r.name);
  return { added, removed, changed };
}

function describeDifferences(differences: ManifestDifferences): { reason: SigningReason; message: string } {
  const parts: string[] = [];
  const kinds: SigningReason[] = [];
  if (differences.added.length > 0) {
    kinds.push('MANIFEST_EXTRA_FILE');
    parts.push(`not signed: ${differences.added.join(', ')}`);
  }
  if (differences.removed.length > 0) {
    kinds.push('MANIFEST_MISSING_FILE');
    parts.push(`missing: ${differences.removed.join(', ')}`);
  }
  if (differences.changed.length > 0) {
    kinds.push('MANIFEST_DIGEST_MISMATCH');
    parts.push(`changed: ${differences.changed.map((c) => c.name).join(', ')}`);
  }
  const reason = kinds.length === 1 ? (kinds[0] as SigningReason) : 'MANIFEST_MISMATCH';
  return { reason, message: `The model differs from its signature (${parts.join('; ')})` };
}

function signedFilePaths(statement: OmsStatement, singleFileName: string | undefined): Set<string> {
  const paths = new Set<string>();
  for (const resource of statement.resources) {
    const name = localName(resource.name, singleFileName, statement.serialization.method);
    if (statement.serialization.method === 'files') paths.add(name);
    else {
      const shard = parseShardName(name);
      if (shard) paths.add(shard.path);
    }
  }
  return paths;
}

const LEGACY_WARNING =
  'The signature uses the buggy DSSE encoding of model_signing v0.2 (accepted, as the reference accepts it); re-sign the model';

type Trust =
  | { readonly kind: 'key'; readonly key: LoadedPublicKey }
  | { readonly kind: 'ml-dsa'; readonly key: KeyObject }
  | { readonly kind: 'certificate'; readonly trust: CertificateTrust }
  | { readonly kind: 'sigstore'; readonly trust: KeylessTrust };

/** Trust anchors from PEM text (any number of certificates per input) or a single DER certificate. */
function trustAnchors(input: NonNullable<VerifyOptions['certificateChain']>): Certificate[] {
  const list = typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
  return list.flatMap((item) => {
    const text = typeof item === 'string' ? item : Buffer.from(item).toString('latin1');
    if (text.includes('-----BEGIN CERTIFICATE-----')) return parsePemCertificates(text);
    return [parseCertificate(typeof item === 'string' ? item : Buffer.from(item))];
  });
}

/** An EC key, or an ML-DSA-65 key for bundles of the Palisade extension; anything else is a usage error. */
function keyTrust(input: NonNullable<VerifyOptions['publicKey']>): Trust {
  try {
    return { kind: 'key', key: loadPublicKey(input) };
  } catch (error) {
    let key: KeyObject | undefined;
    try {
      key =
        typeof input === 'object' && !(input instanceof Uint8Array)
          ? input
          : createPublicKey(Buffer.from(input));
      if (key.type === 'private') key = createPublicKey(key);
    } catch {
      key = undefined;
    }
    if (key !== undefined && isMlDsa65Key(key)) return { kind: 'ml-dsa', key };
    throw error;
  }
}

/** What the caller trusts; a missing or unusable trust input is a usage error, not a verification result. */
function resolveTrust(options: VerifyOptions): Trust {
  const given = [options.publicKey, options.certificateChain, options.trustedRoot].filter(
    (v) => v !== undefined,
  );
  if (given.length !== 1) {
    throw new PalisadeError(
      'USAGE',
      'Give exactly one of a public key, a certificate chain or a Sigstore trusted root',
    );
  }
  if (options.publicKey !== undefined) return keyTrust(options.publicKey);
  if (options.certificateChain !== undefined) {
    let anchors: Certificate[];
    try {
      anchors = trustAnchors(options.certificateChain);
    } catch (error) {
      throw new PalisadeError(
        'USAGE',
        `The certificate chain is not PEM or DER certificates: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return {
      kind: 'certificate',
      trust: {
        anchors,
        ...(options.certificateTime !== undefined ? { time: options.certificateTime } : {}),
        ...(options.identity !== undefined ? { identity: options.identity } : {}),
        ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
      },
    };
  }
  if (options.identity === undefined || options.issuer === undefined) {
    throw new PalisadeError(
      'USAGE',
      'Keyless verification needs the expected signer identity and OIDC issuer: anyone can get a Sigstore certificate',
    );
  }
  const root = options.trustedRoot as NonNullable<VerifyOptions['trustedRoot']>;
  return {
    kind: 'sigstore',
    trust: {
      trustedRoot: typeof root === 'string' || root instanceof Uint8Array ? parseTrustedRoot(root) : root,
      identity: options.identity,
      issuer: options.issuer,
    },
  };
}

function verifySigner(bundle: SigstoreBundle, trust: Trust, warnings: string[]): SignerInfo {
  if (trust.kind === 'key') {
    warnings.push(...verifyKeySignature(bundle, trust.key));
    return {
      method: 'key',
      algorithm: `ECDSA ${trust.key.curve}`,
      hint: trust.key.hint,
      legacyPae: warnings.includes(LEGACY_WARNING),
    };
  }
  if (trust.kind === 'ml-dsa') {
    warnings.push(...verifyMlDsaSignature(bundle, trust.key));
    return { method: 'key', algorithm: 'ML-DSA-65', hint: publicKeyHint(trust.key), legacyPae: false };
  }
  if (trust.kind === 'certificate') {
    const signer = verifyCertificateSignature(bundle, trust.trust);
    if (signer.legacyPae) warnings.push(LEGACY_WARNING);
    return signer;
  }
  const signer = verifyKeylessSignature(bundle, trust.trust);
  if (signer.untrustedTimestamps > 0) {
    warnings.push(
      `${signer.untrustedTimestamps} RFC 3161 timestamp(s) were signed by no timestamp authority of the trusted root and were ignored`,
    );
  }
  return signer;
}

/** The signed statement: OMS v1.0, or a v0.2 one (files as subjects) as the reference still reads it. */
function signedStatement(payload: Uint8Array, warnings: string[]): OmsStatement {
  if (predicateTypeOf(payload) === LEGACY_PREDICATE_TYPE) {
    warnings.push('The statement is in the model_signing v0.2 format (no root digest is signed)');
    return parseLegacyStatement(payload);
  }
  const statement = parseStatement(payload);
  const listedRoot = rootDigest(statement.resources);
  if (listedRoot !== statement.rootDigest) {
    throw new SigningError(
      'ROOT_DIGEST_MISMATCH',
      `The signed resources hash to ${listedRoot}, not the subject digest ${statement.rootDigest}: the manifest is inconsistent`,
    );
  }
  return statement;
}

/**
 * Verifies a model against an OMS bundle signed by a key, a certificate chain or keyless Sigstore: bundle
 * structure, the signer (key / chain to a trusted root / Fulcio, Rekor and identity), the DSSE signature, the
 * statement and root digest, then the model re-serialized with the signed parameters. Verification failures come
 * back as `{ ok: false, reason }`; bad arguments (missing model, unusable key or trust root) throw.
 */
export async function verifyModel(
  modelPath: string,
  bundleInput: string | Uint8Array | SigstoreBundle,
  options: VerifyOptions,
): Promise<VerificationResult> {
  const trust = resolveTrust(options);
  const root = resolve(modelPath);
  const singleFile = modelStat(root).isFile() ? basename(root) : undefined;
  const warnings: string[] = [];
  try {
    const bundle =
      typeof bundleInput === 'string' || bundleInput instanceof Uint8Array
        ? parseBundle(bundleInput, { anyMediaType: trust.kind === 'sigstore' })
        : bundleInput;
    const signer = verifySigner(bundle, trust, warnings);
    const statement = signedStatement(bundle.dsseEnvelope.payload, warnings);
    const signed = statement.serialization;
    const ignorePaths = [
      ...signed.ignorePaths,
      ...(options.ignorePaths ?? []),
      ...(singleFile === undefined ? [DEFAULT_SIGNATURE_NAME] : []),
      ...(options.signaturePath !== undefined ? [resolve(options.signaturePath)] : []),
    ];
    const manifest = await serializeModel(root, {
      method: signed.method,
      hashType: signed.hashType,
      allowSymlinks: signed.allowSymlinks,
      ...(signed.shardSize !== undefined ? { shardSize: signed.shardSize } : {}),
      ignorePaths,
      ignoreGitPaths: options.ignoreGitPaths ?? true,
      ...(options.ignoreUnsignedFiles ? { onlyPaths: signedFilePaths(statement, singleFile) } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const differences = compareManifests(statement.resources, manifest.resources, signed, {
      ...(singleFile !== undefined ? { singleFileName: singleFile } : {}),
      ignoreUnsigned: options.ignoreUnsignedFiles ?? false,
    });
    if (differences.added.length + differences.removed.length + differences.changed.length > 0) {
      return { ok: false, ...describeDifferences(differences), differences, warnings };
    }
    return { ok: true, statement, signer, manifest, warnings };
  } catch (error) {
    if (error instanceof SigningError)
      return { ok: false, reason: error.reason, message: error.message, warnings };
    throw error;
  }
}
