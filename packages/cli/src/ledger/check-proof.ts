import { existsSync } from 'node:fs';
import { isPalisadeError, PalisadeError } from '@palisade/core';
import {
  decodeEntry,
  leafHash,
  type NoteVerifier,
  parseProofFile,
  parseVerifierKey,
  SIG_TYPE_ED25519,
  verifiedSigners,
  verifyProofFile,
} from '@palisade/ledger';
import type { CommandContext } from '../command.ts';
import { stringList } from '../commands/signing-common.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { artifactDigest } from './artifact.ts';
import { ledgerPaths, readSmall, trustedEntryKeys } from './ledger-files.ts';

/** Largest proof file read: a checkpoint with cosignatures, 63 hashes and a 64 KiB entry in base64. */
const MAX_PROOF_FILE = 256 << 10;

function logKey(context: CommandContext): NoteVerifier {
  const given = context.values['log-key'];
  let text: string;
  if (typeof given === 'string' && given !== '') {
    text = existsSync(given) ? readSmall(given, 'log key').toString('utf8') : given;
  } else {
    const path = ledgerPaths(context).verifierKey;
    if (!existsSync(path))
      throw new PalisadeError(
        'USAGE',
        `check-proof needs the log's verifier key: --log-key VKEY|FILE (no ${path})`,
      );
    text = readSmall(path, 'log key').toString('utf8');
  }
  return parseVerifierKey(text.trim());
}

/** How many of the --witness keys must have cosigned (default: all given). */
function witnessThreshold(value: unknown, witnesses: number): number {
  if (value === undefined) return witnesses;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > witnesses)
    throw new PalisadeError('USAGE', `--witness-threshold must be a whole number from 0 to ${witnesses}`);
  return n;
}

/**
 * `palisade ledger check-proof FILE`: offline, with only the log's verifier key. The entry comes from the file's
 * unauthenticated `extra` line, so it is re-derived: its leaf hash must be what the signed checkpoint includes.
 */
export async function checkProof(context: CommandContext): Promise<ExitCode> {
  const path = context.positionals[1];
  if (path === undefined || context.positionals.length > 2)
    throw new PalisadeError('USAGE', 'ledger check-proof takes one tlog-proof file');
  const data = readSmall(path, 'proof file', MAX_PROOF_FILE);
  const verifier = logKey(context);
  if (verifier.sigType !== SIG_TYPE_ED25519)
    throw new PalisadeError('USAGE', 'the log key must be an Ed25519 verifier key (type 0x01)');
  const witnesses = stringList(context.values.witness).map((text) =>
    parseVerifierKey((existsSync(text) ? readSmall(text, 'witness key').toString('utf8') : text).trim()),
  );
  const threshold = witnessThreshold(context.values['witness-threshold'], witnesses.length);
  const model = context.values.model;
  const expected =
    typeof model === 'string' && model !== '' ? `sha256:${(await artifactDigest(model)).sha256}` : undefined;
  const problems: string[] = [];
  let summary: Record<string, unknown> = { file: path };
  try {
    const file = parseProofFile(data);
    if (file.extra === undefined)
      throw new PalisadeError(
        'INPUT_INVALID',
        'the proof file carries no entry (extra line); it cannot be checked alone',
      );
    const checked = verifyProofFile(file, leafHash(file.extra), {
      log: verifier,
      witnesses,
      witnessThreshold: threshold,
    });
    const entry = decodeEntry(file.extra);
    const trusted = trustedEntryKeys(context, verifier);
    const signers = verifiedSigners(entry.envelope, trusted);
    if (signers.length === 0) problems.push('the entry is not signed by the log key or a --signer-key');
    if (expected !== undefined && !entry.subjects.includes(expected))
      problems.push(`the entry is about ${entry.subjects.join(', ')}, not the model ${expected}`);
    summary = {
      file: path,
      origin: checked.checkpoint.origin,
      index: checked.index,
      treeSize: checked.checkpoint.size,
      kind: entry.kind,
      entryDigest: entry.digest,
      subjects: entry.subjects,
      signers,
      ...(expected !== undefined ? { model: expected } : {}),
    };
  } catch (error) {
    if (!isPalisadeError(error) || error.code === 'USAGE') throw error;
    problems.push(error.message);
  }
  const ok = problems.length === 0;
  const text = ok
    ? `Proof ${path} checks: entry ${summary.index} (${summary.kind}) ${summary.entryDigest} is in ${summary.origin} at size ${summary.treeSize}, about ${(summary.subjects as string[]).join(', ')}\n`
    : [`Proof ${path} FAILED:`, ...problems.map((p) => `  - ${p}`), ''].join('\n');
  await writeResult(
    context.io,
    context.flags.format === 'json' ? `${JSON.stringify({ ok, ...summary, problems }, null, 2)}\n` : text,
    context.flags.output,
  );
  return ok ? EXIT.ok : EXIT.findings;
}
