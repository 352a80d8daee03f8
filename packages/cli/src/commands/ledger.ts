import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { PalisadeError } from '@palisade/core';
import {
  type DsseEnvelope,
  type DsseVerifier,
  decodeEntry,
  dsseSigner,
  encodeEntry,
  entriesForSubject,
  entriesWithDigest,
  formatProofFile,
  generateEd25519Key,
  type LedgerEntry,
  normalizeDigest,
  parseJson,
  publishedFiles,
  readEnvelope,
  readStatement,
  SqliteLogStore,
  signatureReferenceEntry,
  signStatement,
  verifiedSigners,
} from '@palisade/ledger';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { checkProof } from '../ledger/check-proof.ts';
import { cosign } from '../ledger/cosign.ts';
import {
  appendWithRetry,
  checkpointCovering,
  currentCheckpoint,
  LEDGER_OPTION,
  ledgerPaths,
  type OpenLedger,
  openLedger,
  readSmall,
  signAndKeepCheckpoint,
  statementKey,
  trustedEntryKeys,
  writeSecret,
} from '../ledger/ledger-files.ts';
import { readInput, stringList } from './signing-common.ts';

/** Largest attestation file `append` reads (an entry is at most 64 KiB once signed; bundles carry more). */
const MAX_ATTESTATION_FILE = 4 << 20;

const SUBCOMMANDS = [
  'init',
  'append',
  'verify',
  'prove',
  'check-proof',
  'checkpoint',
  'cosign',
  'export-tiles',
] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function withLedger<T>(ledger: OpenLedger, work: (ledger: OpenLedger) => T): T {
  try {
    return work(ledger);
  } finally {
    ledger.close();
  }
}

async function init(context: CommandContext): Promise<ExitCode> {
  const paths = ledgerPaths(context);
  if (existsSync(paths.signerKey) || existsSync(paths.verifierKey)) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `A ledger already exists at ${paths.database}; keep it, or choose another --ledger`,
    );
  }
  // A database without keys (written by a library caller such as `palisade gate --ledger`) is adopted: its history
  // gets its first signed checkpoint.
  const adopted = existsSync(paths.database);
  const given = context.values.origin;
  const origin =
    typeof given === 'string' && given !== ''
      ? given
      : `${hostname().replace(/[^A-Za-z0-9.-]/g, '-')}/palisade-ledger`;
  const { skey, vkey } = generateEd25519Key(origin);
  writeSecret(paths.signerKey, `${skey}\n`);
  mkdirSync(dirname(paths.database), { recursive: true });
  writeFileSync(paths.verifierKey, `${vkey}\n`, { flag: 'wx' });
  new SqliteLogStore(paths.database).close();
  const checkpoint = withLedger(openLedger(paths, true), signAndKeepCheckpoint);
  const result = {
    ledger: paths.database,
    adopted,
    origin,
    verifierKey: vkey,
    signerKey: paths.signerKey,
    checkpoint,
  };
  await writeResult(
    context.io,
    context.flags.format === 'json'
      ? json(result)
      : [
          `${adopted ? 'Adopted the existing' : 'Created'} ledger ${paths.database} (origin ${origin})`,
          `Log key:      ${paths.signerKey} (secret, mode 0600)`,
          `Verifier key: ${vkey}`,
          `              (also in ${paths.verifierKey}; give it to whoever checks proofs)`,
          '',
        ].join('\n'),
    context.flags.output,
  );
  return EXIT.ok;
}

/**
 * The entry of a signed envelope: the envelope itself, or, when it is larger than an entry (an OMS signature of a
 * model with many files), a signature reference signed by the ledger. Either way only after its signature checked
 * with a known key: like Rekor, the ledger logs only what a known key signed.
 */
function envelopeEntry(
  envelope: DsseEnvelope,
  path: string,
  trusted: readonly DsseVerifier[],
  sign: () => KeyObject,
): Uint8Array {
  if (verifiedSigners(envelope, trusted).length === 0) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `${path} is not signed by the log key or a --signer-key; give the signer's public key with --signer-key`,
    );
  }
  try {
    return encodeEntry(envelope);
  } catch (error) {
    if (!(error instanceof PalisadeError) || error.code !== 'LIMIT_EXCEEDED') throw error;
    return signatureReferenceEntry(envelope, dsseSigner(sign()));
  }
}

/**
 * Entry bytes from an attestation file: a DSSE envelope, a Sigstore bundle carrying one (an OMS model signature),
 * or an unsigned in-toto statement, which is signed here (with --key or the log key).
 */
function entryFromFile(
  text: string,
  path: string,
  trusted: readonly DsseVerifier[],
  sign: () => KeyObject,
): Uint8Array {
  const value = parseJson(text, path, MAX_ATTESTATION_FILE);
  const object = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  if (object.dsseEnvelope !== undefined)
    return envelopeEntry(readEnvelope(object.dsseEnvelope), path, trusted, sign);
  if (object.payloadType !== undefined) return envelopeEntry(readEnvelope(value), path, trusted, sign);
  if (object._type !== undefined) return signStatement(readStatement(value), dsseSigner(sign()));
  throw new PalisadeError(
    'INPUT_INVALID',
    `${path} is neither a DSSE envelope, a Sigstore bundle nor an in-toto statement`,
  );
}

async function append(context: CommandContext): Promise<ExitCode> {
  const files = context.positionals.slice(1);
  if (files.length === 0)
    throw new PalisadeError('USAGE', 'ledger append needs at least one attestation file');
  const ledger = openLedger(ledgerPaths(context), true);
  try {
    const trusted = trustedEntryKeys(context, ledger.verifier);
    const entries: { file: string; bytes: Uint8Array; entry: LedgerEntry }[] = [];
    for (const file of files) {
      const data = await readInput(file, 'attestation');
      if (data.length > MAX_ATTESTATION_FILE)
        throw new PalisadeError('LIMIT_EXCEEDED', `${file} is larger than ${MAX_ATTESTATION_FILE} bytes`);
      const bytes = entryFromFile(data.toString('utf8'), file, trusted, () => statementKey(context, ledger));
      const entry = decodeEntry(bytes);
      entries.push({ file, bytes, entry });
    }
    const first = appendWithRetry(
      ledger,
      entries.map((e) => e.bytes),
    );
    signAndKeepCheckpoint(ledger);
    const rows = entries.map((e, i) => ({
      file: e.file,
      index: first + i,
      digest: e.entry.digest,
      kind: e.entry.kind,
      subjects: e.entry.subjects,
    }));
    await writeResult(
      context.io,
      context.flags.format === 'json'
        ? json({ ledger: ledger.paths.database, size: ledger.log.size, entries: rows })
        : rows.map((r) => `Appended ${r.file} as entry ${r.index} (${r.kind}) ${r.digest}\n`).join(''),
      context.flags.output,
    );
    return EXIT.ok;
  } finally {
    ledger.close();
  }
}

function readTrusted(paths: readonly string[]): string[] {
  return paths.map((path) => readSmall(path, 'trusted checkpoint').toString('utf8'));
}

async function verify(context: CommandContext): Promise<ExitCode> {
  const ledger = openLedger(ledgerPaths(context), false);
  const result = withLedger(ledger, ({ log, verifier, paths }) => {
    const trusted = readTrusted(stringList(context.values.trusted));
    if (existsSync(paths.trustedCheckpoint))
      trusted.push(readSmall(paths.trustedCheckpoint, 'trusted checkpoint').toString('utf8'));
    return { ...log.verify({ log: verifier }, { trusted }), trustedCheckpoints: trusted.length };
  });
  const text = result.ok
    ? `Ledger ${ledger.paths.database} verified: ${result.size} entries, checked against ${result.trustedCheckpoints} checkpoint(s) kept outside it\n`
    : [
        `Ledger ${ledger.paths.database} FAILED verification: history changed at entry ${result.firstBadIndex}`,
        ...result.problems.map((p) => `  - ${p}`),
        '',
      ].join('\n');
  await writeResult(
    context.io,
    context.flags.format === 'json' ? json({ ledger: ledger.paths.database, ...result }) : text,
    context.flags.output,
  );
  return result.ok ? EXIT.ok : EXIT.findings;
}

async function prove(context: CommandContext): Promise<ExitCode> {
  const given = context.positionals[1];
  if (given === undefined || context.positionals.length > 2)
    throw new PalisadeError(
      'USAGE',
      'ledger prove takes one digest: of an entry, or of an artifact (its newest entry)',
    );
  const digest = normalizeDigest(given);
  const ledger = openLedger(ledgerPaths(context), false);
  const file = withLedger(ledger, (opened) => {
    const { log } = opened;
    const index = entriesWithDigest(log, digest).at(-1) ?? entriesForSubject(log, digest).at(-1)?.index;
    if (index === undefined)
      throw new PalisadeError(
        'INPUT_NOT_FOUND',
        `No entry in ${opened.paths.database} has digest or subject ${digest}`,
      );
    const { note, size } = checkpointCovering(opened, index);
    return formatProofFile({
      extra: log.entry(index),
      index,
      proof: log.inclusionProof(index, size),
      checkpoint: note,
    });
  });
  await writeResult(context.io, file, context.flags.output);
  return EXIT.ok;
}

async function checkpoint(context: CommandContext): Promise<ExitCode> {
  const note = withLedger(openLedger(ledgerPaths(context), true), signAndKeepCheckpoint);
  await writeResult(context.io, note, context.flags.output);
  return EXIT.ok;
}

async function exportTiles(context: CommandContext): Promise<ExitCode> {
  const directory = context.positionals[1];
  if (directory === undefined)
    throw new PalisadeError('USAGE', 'ledger export-tiles needs the output directory');
  const ledger = openLedger(ledgerPaths(context), false);
  const counts = withLedger(ledger, (opened) => {
    const note = currentCheckpoint(opened);
    let written = 0;
    let kept = 0;
    const skip = (path: string): boolean => {
      const exists = existsSync(join(directory, path));
      if (exists) kept++;
      return exists;
    };
    for (const file of publishedFiles(opened.log, note, skip)) {
      const target = join(directory, file.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.data);
      written++;
    }
    return { written, kept, size: opened.log.size };
  });
  await writeResult(
    context.io,
    context.flags.format === 'json'
      ? json({ directory, ...counts })
      : `Published ${counts.size} entries to ${directory}: ${counts.written} files written, ${counts.kept} immutable files already there\n`,
    context.flags.output,
  );
  return EXIT.ok;
}

async function run(context: CommandContext): Promise<ExitCode> {
  const sub = context.positionals[0];
  if (!SUBCOMMANDS.includes(sub as Subcommand)) {
    throw new PalisadeError(
      'USAGE',
      `ledger needs a subcommand: ${SUBCOMMANDS.join(', ')}. See 'palisade ledger --help'.`,
    );
  }
  switch (sub as Subcommand) {
    case 'init':
      return init(context);
    case 'append':
      return append(context);
    case 'verify':
      return verify(context);
    case 'prove':
      return prove(context);
    case 'check-proof':
      return checkProof(context);
    case 'checkpoint':
      return checkpoint(context);
    case 'cosign':
      return cosign(context);
    case 'export-tiles':
      return exportTiles(context);
  }
}

export const ledgerCommand: Command = {
  name: 'ledger',
  summary:
    'Keep a tamper-evident transparency log of attestations: init, append, verify, prove, check proofs, publish',
  usage:
    'palisade ledger init|append|verify|prove|check-proof|checkpoint|export-tiles [args] [--ledger PATH]',
  description: [
    'A Merkle-tree transparency log (RFC 6962 hashing, C2SP signed checkpoints, c2sp.org/tlog-proof files,',
    'c2sp.org/tlog-tiles publishing) of DSSE-signed in-toto statements, in one SQLite file.',
    '',
    '  init                 Create the ledger and its Ed25519 log key (ledger.key, 0600; ledger.pub beside it).',
    '  append FILE...       Append attestations: DSSE envelopes, Sigstore bundles (OMS model signatures) or',
    '                       in-toto statements (signed with --key or the log key); then sign a checkpoint.',
    '                       Envelopes must be signed by the log key or a --signer-key; one over 64 KiB is',
    '                       logged by reference (digests and signatures, signed by the ledger).',
    '  verify               Recompute the tree from every entry; check every checkpoint, consistency between them',
    '                       and against checkpoints kept outside the file (ledger.checkpoint, --trusted).',
    '  prove DIGEST         Print a tlog-proof file for the entry with that digest, or the newest entry about the',
    "                       artifact with that digest; the entry travels in the file's extra line.",
    "  check-proof FILE     Check a tlog-proof offline with the log's verifier key: checkpoint signature, inclusion,",
    "                       the entry's DSSE signature, and with --model that the entry is about that model.",
    '  checkpoint           Sign and print a checkpoint of the current tree.',
    '  cosign               Run a witness (c2sp.org/tlog-witness) over the latest checkpoint: it cosigns only if',
    '                       consistent with what it cosigned before (--witness-state); exit 1 when it refuses.',
    '  export-tiles DIR     Write the log as static files: checkpoint, tile/<L>/<N>, tile/entries/<N>.',
    '',
    'Exit codes: 0 ok; 1 verify or check-proof failed (the first bad entry is named); 2 usage or input error;',
    '3 internal error.',
  ].join('\n'),
  formats: ['text', 'json'],
  options: [
    LEDGER_OPTION,
    {
      name: 'origin',
      type: 'string',
      value: 'NAME',
      description: 'init: the log origin and key name (default <host>/palisade-ledger).',
    },
    {
      name: 'key',
      short: 'k',
      type: 'string',
      value: 'FILE',
      description:
        'append: PEM private key (Ed25519 or ECDSA) to sign unsigned statements; default the log key.',
    },
    {
      name: 'trusted',
      type: 'string',
      multiple: true,
      value: 'FILE',
      description:
        'verify: a checkpoint kept elsewhere (a witness, a proof) the ledger must still be consistent with.',
    },
    {
      name: 'log-key',
      type: 'string',
      value: 'VKEY|FILE',
      description: "check-proof: the log's verifier key (default: ledger.pub of --ledger).",
    },
    {
      name: 'signer-key',
      type: 'string',
      multiple: true,
      value: 'FILE',
      description: 'append, check-proof: a PEM public key trusted to sign entries (the log key always is).',
    },
    {
      name: 'witness-key',
      type: 'string',
      value: 'FILE',
      description: 'cosign: the witness signing key (Go-format Ed25519, created 0600 when missing).',
    },
    {
      name: 'witness-state',
      type: 'string',
      value: 'FILE',
      description:
        'cosign: the witness state database (keep it away from the ledger host if that is not trusted).',
    },
    {
      name: 'witness-name',
      type: 'string',
      value: 'NAME',
      description: 'cosign: the witness name when its key is created (default <host>/witness).',
    },
    {
      name: 'witness',
      type: 'string',
      multiple: true,
      value: 'VKEY|FILE',
      description:
        'check-proof: a witness cosigner key (c2sp.org/tlog-cosignature) whose cosignature the checkpoint must carry.',
    },
    {
      name: 'witness-threshold',
      type: 'string',
      value: 'N',
      description: 'check-proof: how many of the --witness keys must have cosigned (default all).',
    },
    {
      name: 'model',
      type: 'string',
      value: 'PATH',
      description: 'check-proof: require the entry to be about this model (its OMS root digest).',
    },
  ],
  examples: [
    'palisade ledger init --origin ledger.example.com/ml',
    'palisade ledger append model/model.sig scan.intoto.json',
    'palisade ledger verify',
    'palisade ledger prove sha256:3f1c… -o model.tlog-proof',
    'palisade ledger check-proof model.tlog-proof --log-key ledger.pub --model ./model',
    'palisade ledger cosign --witness-key /secure/witness.key --witness-state /secure/witness.db',
    'palisade ledger export-tiles ./public/ledger',
  ],
  run,
};
