import { PalisadeError } from '@palisade/core';
import {
  type CertificateTime,
  type SignerInfo,
  type VerificationResult,
  type VerifyOptions,
  verifyModel,
} from '@palisade/signing';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { hashProgressBar } from './hash-progress.ts';
import {
  IGNORE_PATHS_OPTION,
  modelPath,
  readInput,
  SIGNATURE_OPTION,
  signaturePath,
  stringList,
} from './signing-common.ts';

/** One line saying who signed, from what the verification established. */
function describeSigner(signer: SignerInfo): string {
  if (signer.method === 'key') return `key (${signer.algorithm}, hint ${signer.hint.slice(0, 16)}…)`;
  if (signer.method === 'certificate') {
    const who =
      signer.identities.length > 0 ? signer.identities.join(', ') : signer.subject || '(no subject)';
    return `certificate ${who}, chain ${signer.chain.join(' → ')} (valid at ${signer.validatedAt})`;
  }
  return `${signer.identities.join(', ')} via ${signer.issuer ?? '(no issuer)'} (Sigstore; ${signer.tlog.baseUrl} entry ${signer.tlog.logIndex} at ${signer.tlog.integratedTime})`;
}

function json(model: string, signature: string, result: VerificationResult): string {
  const body = result.ok
    ? {
        verified: true,
        model,
        signature,
        method: result.signer.method,
        signer: result.signer,
        subject: result.statement.subjectName,
        rootDigest: `sha256:${result.statement.rootDigest}`,
        files: result.statement.resources.length,
        warnings: result.warnings,
      }
    : {
        verified: false,
        model,
        signature,
        reason: result.reason,
        message: result.message,
        ...(result.differences ? { differences: result.differences } : {}),
        warnings: result.warnings,
      };
  return `${JSON.stringify(body, null, 2)}\n`;
}

function text(model: string, signature: string, result: VerificationResult): string {
  const warnings = result.warnings.map((w) => `Warning: ${w}`);
  if (result.ok) {
    return [
      `Verified ${model} against ${signature}`,
      `Signed by: ${describeSigner(result.signer)}`,
      `Root digest: sha256:${result.statement.rootDigest} (${result.statement.resources.length} resources)`,
      ...warnings,
      '',
    ].join('\n');
  }
  const d = result.differences;
  return [
    `NOT VERIFIED ${model} against ${signature}`,
    `${result.reason}: ${result.message}`,
    ...(d?.added ?? []).map((name) => `  added:   ${name}`),
    ...(d?.removed ?? []).map((name) => `  removed: ${name}`),
    ...(d?.changed ?? []).map((c) => `  changed: ${c.name} (signed ${c.expected}, now ${c.actual})`),
    ...warnings,
    '',
  ].join('\n');
}

function optionalString(context: CommandContext, flag: string): string | undefined {
  const value = context.values[flag];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new PalisadeError('USAGE', `--${flag} needs a value`);
  return value;
}

function certificateTime(value: string | undefined): CertificateTime | undefined {
  if (value === undefined || value === 'signing' || value === 'now') return value;
  const instant = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(instant.getTime())) {
    throw new PalisadeError('USAGE', `--certificate-time is signing, now or an RFC 3339 time, not ${value}`);
  }
  return instant;
}

/** The trust the user gave: exactly one of --key, --certificate-chain, --trust-root, with the flags each allows. */
async function trustOptions(context: CommandContext): Promise<VerifyOptions> {
  const key = optionalString(context, 'key');
  const chain = stringList(context.values['certificate-chain']);
  const trustRoot = optionalString(context, 'trust-root');
  const identity = optionalString(context, 'identity');
  const issuer = optionalString(context, 'issuer');
  const time = certificateTime(optionalString(context, 'certificate-time'));
  const given = [key, chain.length > 0 ? chain : undefined, trustRoot].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new PalisadeError(
      'USAGE',
      `verify needs --key, --certificate-chain or --trust-root (exactly one${given > 1 ? `; ${given} were given` : ''}). See 'palisade verify --help'.`,
    );
  }
  const who = {
    ...(identity !== undefined ? { identity } : {}),
    ...(issuer !== undefined ? { issuer } : {}),
  };
  if (key !== undefined) {
    if (identity !== undefined || issuer !== undefined || time !== undefined) {
      throw new PalisadeError(
        'USAGE',
        '--identity, --issuer and --certificate-time apply to certificates, not to --key',
      );
    }
    return { publicKey: await readInput(key, 'public key') };
  }
  if (chain.length > 0) {
    const pems = await Promise.all(chain.map((path) => readInput(path, 'certificate chain')));
    return { certificateChain: pems, ...who, ...(time !== undefined ? { certificateTime: time } : {}) };
  }
  if (identity === undefined || issuer === undefined) {
    throw new PalisadeError(
      'USAGE',
      'Keyless verification needs --identity and --issuer: anyone can obtain a Sigstore certificate, so the signer must be named.',
    );
  }
  if (time !== undefined)
    throw new PalisadeError('USAGE', '--certificate-time does not apply to --trust-root');
  return { trustedRoot: await readInput(trustRoot as string, 'Sigstore trusted root'), ...who };
}

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, io, flags } = context;
  const model = modelPath(context);
  const trust = await trustOptions(context);
  const signature = signaturePath(model, values.signature as string | undefined);
  const bundle = await readInput(signature, 'signature');
  const progress = hashProgressBar(context);
  const result = await verifyModel(model, bundle, {
    ...trust,
    signaturePath: signature,
    ignorePaths: stringList(values['ignore-paths']),
    ignoreUnsignedFiles: values['ignore-unsigned-files'] === true,
    onProgress: progress.onProgress,
  }).finally(() => progress.done());
  const format = flags.format ?? 'text';
  await writeResult(
    io,
    format === 'json' ? json(model, signature, result) : text(model, signature, result),
    flags.output,
  );
  return result.ok ? EXIT.ok : EXIT.findings;
}

export const verifyCommand: Command = {
  name: 'verify',
  summary:
    'Verify a signed model against its OpenSSF Model Signing bundle: key, certificate chain or Sigstore',
  usage:
    'palisade verify MODEL --key PUBLIC.pem | --certificate-chain ROOT.pem… | --trust-root trusted_root.json --identity ID --issuer URL [options]',
  description: [
    'Checks the bundle (Sigstore v0.3, DSSE, in-toto, OMS predicate) and who signed it, then re-hashes the model with',
    'the signed parameters and compares every file. Bundles written by model_signing (v0.2 to v1.1) and by palisade',
    'sign are accepted. Give exactly one kind of trust:',
    '',
    '  --key                 key method: ECDSA P-256/P-384/P-521 public key of the signer.',
    "  --certificate-chain   certificate method: trusted root (or CA) certificates. The bundle's leaf must chain to",
    "                        one of them through the bundle's intermediates: signatures, names, CA basic constraints,",
    "                        keyCertSign, path length, validity at the leaf's notBefore (as model_signing checks;",
    '                        --certificate-time now|TIME to check another instant), leaf KeyUsage digitalSignature or',
    "                        ExtendedKeyUsage codeSigning. --identity / --issuer optionally pin the leaf's SAN and",
    '                        Fulcio issuer extension.',
    '  --trust-root          keyless Sigstore, fully offline: a trusted_root.json (or a ClientTrustConfig embedding',
    '                        one). The Rekor v1 entry must log this signature and certificate, its signed entry',
    '                        timestamp and inclusion proof (against the signed checkpoint) must verify with the log',
    '                        key, the Fulcio chain must be valid at the integrated time, an embedded SCT must be',
    '                        signed by a CT log of the trusted root, and the certificate must name --identity (SAN)',
    '                        and --issuer (OIDC issuer extension). Both are required.',
    '',
    'A failure names its reason (a stable code such as CHAIN_INVALID, IDENTITY_MISMATCH, INCLUSION_PROOF_INVALID,',
    'SIGNATURE_INVALID, MANIFEST_DIGEST_MISMATCH) and what differs: files added, removed or changed. RFC 3161',
    'timestamps signed by a trusted timestamp authority are verified too. Not supported yet: Rekor v2 entries (such a',
    'bundle fails, never passes).',
    '',
    'Exit codes: 0 verified, 1 not verified (reason on the result), 2 usage or input error (missing model, key,',
    'certificate, trusted root or signature file; unusable trust input), 3 internal error.',
  ].join('\n'),
  formats: ['text', 'json'],
  options: [
    {
      name: 'key',
      short: 'k',
      type: 'string',
      value: 'FILE',
      description:
        'PEM public key of the signer: EC P-256, P-384 or P-521 (key method), or ML-DSA-65 for bundles of the Palisade extension.',
    },
    {
      name: 'certificate-chain',
      type: 'string',
      multiple: true,
      value: 'FILE',
      description: 'PEM (or DER) file of trusted root certificates: certificate method.',
    },
    {
      name: 'trust-root',
      type: 'string',
      value: 'FILE',
      description: 'Sigstore trusted_root.json for offline keyless verification.',
    },
    {
      name: 'identity',
      type: 'string',
      value: 'ID',
      description: 'Expected signer identity: a SAN email or URI of the signing certificate (exact).',
    },
    {
      name: 'issuer',
      type: 'string',
      value: 'URL',
      description: 'Expected OIDC issuer recorded in the certificate by Fulcio (exact).',
    },
    {
      name: 'certificate-time',
      type: 'string',
      value: 'WHEN',
      description:
        'Certificate method: validate the chain at signing (default: leaf notBefore), now, or an RFC 3339 time.',
    },
    SIGNATURE_OPTION,
    IGNORE_PATHS_OPTION,
    {
      name: 'ignore-unsigned-files',
      type: 'boolean',
      description: 'Hash only the signed files; files that were not signed do not fail verification.',
    },
    {
      name: 'allow-symlinks',
      type: 'boolean',
      description:
        'Accepted for model_signing compatibility; the model is re-hashed with the allow_symlinks setting that was signed.',
    },
  ],
  examples: [
    'palisade verify ./models/llama --key signing-key-pub.pem',
    'palisade verify ./models/llama --certificate-chain ca-cert.pem',
    'palisade verify ./models/llama --trust-root trusted_root.json --identity ml@example.com --issuer https://accounts.google.com',
    'palisade verify model.safetensors --key pub.pem --signature model.safetensors.sig',
    'palisade verify ./models/llama --key pub.pem --format json -o verification.json || exit 1',
  ],
  run,
};
