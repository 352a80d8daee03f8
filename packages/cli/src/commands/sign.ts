import { writeFile } from 'node:fs/promises';
import { PalisadeError } from '@palisade/core';
import { type Manifest, signModel } from '@palisade/signing';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { hashProgressBar } from './hash-progress.ts';
import {
  IGNORE_PATHS_OPTION,
  modelPath,
  readInput,
  requiredString,
  SIGNATURE_OPTION,
  signaturePath,
  stringList,
} from './signing-common.ts';

function shardSize(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new PalisadeError('USAGE', `--shard-size takes a positive whole number of bytes, not "${value}".`);
  }
  return n;
}

const ALGORITHMS = ['ecdsa', 'ml-dsa-65'] as const;

function algorithm(value: unknown): (typeof ALGORITHMS)[number] {
  if (value === undefined) return 'ecdsa';
  const found = ALGORITHMS.find((a) => a === value);
  if (found === undefined) {
    throw new PalisadeError('USAGE', `--algorithm is ecdsa or ml-dsa-65, not "${value}".`);
  }
  return found;
}

interface Signed {
  readonly model: string;
  readonly signature: string;
  /** `key`, `certificate`, or `key (ml-dsa-65, Palisade extension)`. */
  readonly method: string;
  readonly manifest: Manifest;
}

function render({ model, signature, method, manifest }: Signed, format: string): string {
  const s = manifest.serialization;
  if (format === 'json') {
    const result = {
      model,
      signature,
      method,
      subject: manifest.subjectName,
      rootDigest: `sha256:${manifest.rootDigest}`,
      serialization: {
        method: s.method,
        hashType: s.hashType,
        allowSymlinks: s.allowSymlinks,
        ...(s.shardSize !== undefined ? { shardSize: s.shardSize } : {}),
        ignorePaths: s.ignorePaths,
      },
      resources: manifest.resources,
    };
    return `${JSON.stringify(result, null, 2)}\n`;
  }
  const serialization = s.method === 'shards' ? `shards of ${s.shardSize} bytes` : 'files';
  return [
    `Signed ${model} (${manifest.resources.length} resources, ${serialization}, ${s.hashType})`,
    `Root digest: sha256:${manifest.rootDigest}`,
    `Signature:   ${signature} (${method})`,
    ...manifest.resources.map((r) => `  ${r.digest}  ${r.name}`),
    '',
  ].join('\n');
}

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, io, flags } = context;
  const model = modelPath(context);
  const keyPath = requiredString(context, 'key', 'sign');
  const size = shardSize(values['shard-size']);
  const signingAlgorithm = algorithm(values.algorithm);
  const privateKey = await readInput(keyPath, 'private key');
  const chainPaths = stringList(values['certificate-chain']);
  const certificateChain = await Promise.all(chainPaths.map((path) => readInput(path, 'certificate chain')));
  const signature = signaturePath(model, values.signature as string | undefined);
  const progress = hashProgressBar(context);
  const { bundle, manifest } = await signModel(model, {
    privateKey,
    algorithm: signingAlgorithm,
    ...(certificateChain.length > 0 ? { certificateChain } : {}),
    signaturePath: signature,
    ignorePaths: stringList(values['ignore-paths']),
    allowSymlinks: values['allow-symlinks'] === true,
    ...(size !== undefined ? { method: 'shards' as const, shardSize: size } : { method: 'files' as const }),
    onProgress: progress.onProgress,
  }).finally(() => progress.done());
  try {
    await writeFile(signature, bundle);
  } catch (error) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `Cannot write the signature to ${signature}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const method =
    signingAlgorithm === 'ml-dsa-65'
      ? 'key (ml-dsa-65, Palisade extension)'
      : certificateChain.length > 0
        ? 'certificate'
        : 'key';
  await writeResult(io, render({ model, signature, method, manifest }, flags.format ?? 'text'), flags.output);
  return EXIT.ok;
}

export const signCommand: Command = {
  name: 'sign',
  summary: 'Sign a model (file or folder) with a private key, as an OpenSSF Model Signing bundle',
  usage: 'palisade sign MODEL --key PRIVATE_KEY.pem [--certificate-chain PEM...] [options]',
  description: [
    'Hashes every file of the model (SHA-256, per file or per shard, on every core), lists them in an in-toto',
    'statement and signs it with an EC private key (P-256, P-384 or P-521). The result is an OpenSSF Model Signing',
    'v1.0 Sigstore bundle, the format model_signing >= 1.1 writes; `model_signing verify key` and `palisade verify`',
    'both accept it. With --certificate-chain the bundle carries the certificate of the key and its issuers',
    '(`model_signing verify certificate`, `palisade verify --certificate-chain ROOT.pem`).',
    'The bundle goes to model.sig inside a directory model, or MODEL.sig beside a file model, unless --signature',
    'says otherwise; what was signed (files and root digest) goes to standard output or --output. Hashing',
    'progress is shown on standard error when it is a terminal.',
    '',
    '--algorithm ml-dsa-65 is a PALISADE EXTENSION, not part of OMS: the signature is post-quantum ML-DSA-65',
    '(FIPS 204) by an ML-DSA-65 key, marked in the bundle by keyid "palisade-extension:ml-dsa-65". Only',
    '`palisade verify` checks it; model_signing, sigstore-js and other OMS verifiers reject such a bundle.',
    '',
    'Exit codes: 0 signed, 2 usage or input error (no key, unreadable model, empty model), 3 internal error.',
  ].join('\n'),
  formats: ['text', 'json'],
  options: [
    {
      name: 'key',
      short: 'k',
      type: 'string',
      value: 'FILE',
      description:
        'PEM private key, unencrypted: EC (PKCS#8 or SEC1), or ML-DSA-65 (PKCS#8) with --algorithm ml-dsa-65. Required.',
    },
    {
      name: 'certificate-chain',
      type: 'string',
      multiple: true,
      value: 'PEM',
      description:
        'Certificate method: PEM file(s) with the certificate of --key and its issuing CAs, in order.',
    },
    {
      name: 'algorithm',
      type: 'string',
      value: 'ALG',
      description:
        'ecdsa (default, OMS) or ml-dsa-65 (Palisade extension, post-quantum; other OMS verifiers reject it).',
    },
    SIGNATURE_OPTION,
    IGNORE_PATHS_OPTION,
    {
      name: 'allow-symlinks',
      type: 'boolean',
      description: 'Hash the target of a symbolic link under the link name (default: a symlink is an error).',
    },
    {
      name: 'shard-size',
      type: 'string',
      value: 'BYTES',
      description: 'Hash files in shards of BYTES (method "shards") instead of whole files.',
    },
  ],
  examples: [
    'palisade sign ./models/llama --key signing-key.pem',
    'palisade sign model.safetensors --key signing-key.pem        # writes model.safetensors.sig',
    'palisade sign ./models/llama --key key.pem --ignore-paths README.md --format json -o signed.json',
    'palisade sign ./models/llama --key leaf-key.pem --certificate-chain leaf.pem --certificate-chain intermediate.pem',
    'palisade sign ./models/llama --key ml-dsa-key.pem --algorithm ml-dsa-65   # Palisade extension',
    'openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out key.pem',
  ],
  run,
};
