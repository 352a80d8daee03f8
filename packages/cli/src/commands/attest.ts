import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { PalisadeError } from '@palisade/core';
import {
  dsseSigner,
  entryDigest,
  formatProofFile,
  signStatement,
  type TrainingRun,
  trainingProvenance,
} from '@palisade/ledger';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { artifactDigest, digestOrPath, proofPathFor } from '../ledger/artifact.ts';
import { readGitSource } from '../ledger/git.ts';
import {
  appendWithRetry,
  LEDGER_OPTION,
  ledgerPaths,
  openLedger,
  signAndKeepCheckpoint,
  statementKey,
} from '../ledger/ledger-files.ts';
import { stringList } from './signing-common.ts';

function optional(context: CommandContext, name: string): string | undefined {
  const value = context.values[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** RFC 3339 UTC without fractions, as SLSA examples write it. */
function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** What went into the run, hashed and read from disk: the slow part, done after the ledger and key are checked. */
async function collect(context: CommandContext, modelPath: string) {
  const model = await artifactDigest(modelPath);
  const datasets = [];
  for (const path of stringList(context.values.dataset)) {
    const dataset = await artifactDigest(path);
    datasets.push({ name: dataset.name, sha256: dataset.sha256 });
  }
  const codeDir = optional(context, 'code');
  const code = codeDir === undefined ? undefined : readGitSource(codeDir);
  const baseGiven = optional(context, 'base-model');
  const base = baseGiven === undefined ? undefined : await digestOrPath(baseGiven);
  if (base !== undefined && !base.digest.startsWith('sha256:'))
    throw new PalisadeError('USAGE', '--base-model takes a sha256 digest or a model path');
  const invocationId = optional(context, 'invocation-id');
  const run: TrainingRun = {
    model,
    datasets,
    ...(code !== undefined
      ? { code: { uri: code.uri, gitCommit: code.commit, ...(code.ref ? { ref: code.ref } : {}) } }
      : {}),
    ...(base !== undefined
      ? {
          baseModel: {
            sha256: base.digest.slice('sha256:'.length),
            ...(base.name ? { name: base.name } : {}),
          },
        }
      : {}),
    builderId:
      optional(context, 'builder-id') ?? `urn:palisade:builder:${hostname().replace(/[^A-Za-z0-9.-]/g, '-')}`,
    ...(invocationId !== undefined ? { invocationId } : {}),
    finishedOn: now(),
  };
  return { run, model, datasets, code, base };
}

async function provenance(context: CommandContext): Promise<ExitCode> {
  const modelPath = optional(context, 'model');
  if (modelPath === undefined)
    throw new PalisadeError('USAGE', "attest provenance needs --model PATH. See 'palisade attest --help'.");
  const ledger = openLedger(ledgerPaths(context), true);
  try {
    const signer = dsseSigner(statementKey(context, ledger));
    const { run, model, datasets, code, base } = await collect(context, modelPath);
    const entry = signStatement(trainingProvenance(run), signer);
    const index = appendWithRetry(ledger, [entry]);
    const checkpoint = signAndKeepCheckpoint(ledger);
    const proof = optional(context, 'proof') ?? proofPathFor(modelPath);
    const file = formatProofFile({
      extra: entry,
      index,
      proof: ledger.log.inclusionProof(index),
      checkpoint,
    });
    try {
      writeFileSync(proof, file);
    } catch (error) {
      throw new PalisadeError(
        'INPUT_INVALID',
        `Cannot write the proof to ${proof}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const out = {
      ledger: ledger.paths.database,
      index,
      entryDigest: entryDigest(entry),
      model: `sha256:${model.sha256}`,
      datasets: datasets.map((d) => `sha256:${d.sha256}`),
      ...(code !== undefined ? { code } : {}),
      ...(base !== undefined ? { baseModel: base.digest } : {}),
      builderId: run.builderId,
      proof,
    };
    await writeResult(
      context.io,
      context.flags.format === 'json'
        ? `${JSON.stringify(out, null, 2)}\n`
        : [
            `Recorded the provenance of ${modelPath} as ledger entry ${index}`,
            `Entry digest: ${out.entryDigest}`,
            `Model:        ${out.model}`,
            ...datasets.map((d) => `Dataset:      sha256:${d.sha256} (${d.name})`),
            ...(code !== undefined ? [`Code:         ${code.uri} @ ${code.commit}`] : []),
            ...(base !== undefined ? [`Base model:   ${base.digest}`] : []),
            `Proof:        ${proof}`,
            '',
          ].join('\n'),
      context.flags.output,
    );
    return EXIT.ok;
  } finally {
    ledger.close();
  }
}

async function run(context: CommandContext): Promise<ExitCode> {
  const sub = context.positionals[0];
  if (sub !== 'provenance' || context.positionals.length > 1)
    throw new PalisadeError(
      'USAGE',
      "attest needs the subcommand 'provenance'. See 'palisade attest --help'.",
    );
  return provenance(context);
}

export const attestCommand: Command = {
  name: 'attest',
  summary:
    'Record what a model was trained from (SLSA v1 provenance), signed, in the ledger, with an offline proof',
  usage:
    'palisade attest provenance --model PATH [--dataset PATH...] [--code DIR] [--base-model DIGEST|PATH] [options]',
  description: [
    'Computes the OpenSSF Model Signing root digest of the model and of each dataset (the same digest',
    '`palisade sign` signs), reads the code repository URL and HEAD commit from its .git files (no git needed),',
    'and writes an in-toto statement with a SLSA v1 provenance predicate: subject = the model; resolvedDependencies',
    '= the datasets, the code at its commit and the base model; builder = --builder-id. The statement is signed as a',
    "DSSE envelope (with --key, or the ledger's log key), appended to the ledger, and a c2sp.org/tlog-proof file is",
    'written beside the model (MODEL.tlog-proof) for `palisade ledger check-proof`.',
    '',
    'Exit codes: 0 recorded, 2 usage or input error (no ledger, unreadable model, no git commit), 3 internal error.',
  ].join('\n'),
  formats: ['text', 'json'],
  options: [
    LEDGER_OPTION,
    {
      name: 'model',
      short: 'm',
      type: 'string',
      value: 'PATH',
      description: 'The trained model (file or directory). Required.',
    },
    {
      name: 'dataset',
      short: 'd',
      type: 'string',
      multiple: true,
      value: 'PATH',
      description: 'A dataset (file or directory) it was trained on.',
    },
    {
      name: 'code',
      type: 'string',
      value: 'DIR',
      description: 'The training code: a directory inside a git repository.',
    },
    {
      name: 'base-model',
      type: 'string',
      value: 'DIGEST|PATH',
      description: 'The model it was fine-tuned from: sha256 digest or path.',
    },
    {
      name: 'builder-id',
      type: 'string',
      value: 'URI',
      description: 'The training platform or runner identity (default urn:palisade:builder:<host>).',
    },
    { name: 'invocation-id', type: 'string', value: 'ID', description: 'The training run ID.' },
    {
      name: 'key',
      short: 'k',
      type: 'string',
      value: 'FILE',
      description: 'PEM private key (Ed25519 or ECDSA) to sign with (default: the log key).',
    },
    {
      name: 'proof',
      type: 'string',
      value: 'FILE',
      description: 'Where to write the tlog-proof (default MODEL.tlog-proof beside the model).',
    },
  ],
  examples: [
    'palisade attest provenance --model ./out/model --dataset ./data/train --code . --base-model ./models/bert-base',
    'palisade attest provenance --model model.safetensors --base-model sha256:3f1c… --builder-id https://ci.example/runner-7',
  ],
  run,
};
