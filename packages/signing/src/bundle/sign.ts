import { sign as cryptoSign, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { PalisadeError } from '@palisade/core';
import { type Manifest, type SerializeOptions, serializeModel } from '../serialize/serialize.ts';
import { loadPrivateKey } from './keys.ts';
import {
  loadMlDsaPrivateKey,
  ML_DSA_65,
  ML_DSA_65_KEYID,
  type SigningAlgorithm,
  signMlDsa,
} from './ml-dsa.ts';
import { preAuthEncoding } from './pae.ts';
import { BUNDLE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE } from './parse.ts';
import { certificateChainFor } from './sign-certificate.ts';
import { OMS_PREDICATE_TYPE, STATEMENT_TYPE } from './statement.ts';
import { DEFAULT_SIGNATURE_NAME, modelStat } from './verify.ts';

export interface SignOptions extends Omit<SerializeOptions, 'onlyPaths'> {
  /**
   * The private key, PEM text or a KeyObject: EC P-256 (recommended), P-384 or P-521; ML-DSA-65 with
   * `algorithm: 'ml-dsa-65'`.
   */
  readonly privateKey: string | Uint8Array | KeyObject;
  /**
   * Certificate method: PEM texts holding the certificate of the signing key and its issuers (in order, the
   * signing certificate first or anywhere). The bundle then carries an `x509CertificateChain`.
   */
  readonly certificateChain?: readonly (string | Uint8Array)[];
  /**
   * `ecdsa` (default, OMS) or `ml-dsa-65`: Palisade's post-quantum extension, which no other OMS verifier
   * accepts (see ml-dsa.ts).
   */
  readonly algorithm?: SigningAlgorithm;
  /** Where the bundle will be written; excluded from the model when inside it (default `model.sig`). */
  readonly signaturePath?: string;
}

export interface SignResult {
  /** The Sigstore bundle JSON, ready to write to `model.sig`. */
  readonly bundle: string;
  readonly manifest: Manifest;
}

/** The in-toto statement bytes, field order and 2-space indentation as model_signing writes them. */
export function statementBytes(manifest: Manifest): Buffer {
  const s = manifest.serialization;
  const statement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: manifest.subjectName, digest: { sha256: manifest.rootDigest } }],
    predicateType: OMS_PREDICATE_TYPE,
    predicate: {
      serialization: {
        method: s.method,
        hash_type: s.hashType,
        allow_symlinks: s.allowSymlinks,
        ...(s.method === 'shards' ? { shard_size: s.shardSize } : {}),
        ignore_paths: s.ignorePaths,
      },
      resources: manifest.resources.map((r) => ({ name: r.name, algorithm: r.algorithm, digest: r.digest })),
    },
  };
  return Buffer.from(JSON.stringify(statement, null, 2), 'utf8');
}

interface Signer {
  readonly verificationMaterial: Record<string, unknown>;
  readonly keyid: string;
  sign(pae: Buffer): Buffer;
}

/** The key (and certificates) turned into what the bundle needs; bad keys fail before any hashing. */
function signerFor(options: SignOptions): Signer {
  if (options.algorithm === ML_DSA_65) {
    if (options.certificateChain !== undefined) {
      throw new PalisadeError('USAGE', 'ML-DSA-65 signs with a key only, not with a certificate chain');
    }
    const { key, hint } = loadMlDsaPrivateKey(options.privateKey);
    return {
      verificationMaterial: { publicKey: { hint }, tlogEntries: [] },
      keyid: ML_DSA_65_KEYID,
      sign: (pae) => signMlDsa(key, pae),
    };
  }
  if (options.algorithm !== undefined && options.algorithm !== 'ecdsa') {
    throw new PalisadeError('USAGE', `Unknown signing algorithm ${JSON.stringify(options.algorithm)}`);
  }
  const { key, publicKey } = loadPrivateKey(options.privateKey);
  const sign = (pae: Buffer): Buffer => cryptoSign(publicKey.hash, pae, { key, dsaEncoding: 'der' });
  if (options.certificateChain === undefined) {
    return {
      verificationMaterial: { publicKey: { hint: publicKey.hint }, tlogEntries: [] },
      keyid: '',
      sign,
    };
  }
  const chain = certificateChainFor(publicKey.key, options.certificateChain);
  return {
    verificationMaterial: {
      x509CertificateChain: { certificates: chain.map((c) => ({ rawBytes: c.raw.toString('base64') })) },
      tlogEntries: [],
    },
    keyid: '',
    sign,
  };
}

/**
 * Signs a model: serializes it, builds the OMS statement, signs PAE and returns a v0.3 Sigstore bundle as
 * model_signing ≥ 1.1 writes it — ECDSA with the curve's hash (DER) and a key hint, or the certificate chain
 * (leaf first) — or, opted in, Palisade's ML-DSA-65 extension.
 */
export async function signModel(modelPath: string, options: SignOptions): Promise<SignResult> {
  const signer = signerFor(options);
  const root = resolve(modelPath);
  const isDirectory = modelStat(root).isDirectory();
  const ignorePaths = [
    ...(options.ignorePaths ?? []),
    ...(isDirectory ? [DEFAULT_SIGNATURE_NAME] : []),
    ...(options.signaturePath !== undefined ? [resolve(options.signaturePath)] : []),
  ];
  const manifest = await serializeModel(root, { ...options, ignorePaths });
  if (manifest.resources.length === 0) {
    throw new PalisadeError('INPUT_INVALID', `${modelPath} has no files to sign (OMS requires at least one)`);
  }
  const payload = statementBytes(manifest);
  const sig = signer.sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload));
  const bundle = {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: signer.verificationMaterial,
    dsseEnvelope: {
      payload: payload.toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: sig.toString('base64'), keyid: signer.keyid }],
    },
  };
  return { bundle: JSON.stringify(bundle), manifest };
}
