import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { PalisadeError } from '@palisade/core';
import {
  cosignatureSigner,
  decodeBase64,
  ed25519PublicFromSeed,
  encodeBase64,
  formatVerifierKey,
  generateEd25519Key,
  parseCheckpoint,
  parseNote,
  parseSignerKey,
  SIG_TYPE_COSIGNATURE_ED25519,
  SqliteWitnessStore,
  Witness,
  type WitnessResponse,
} from '@palisade/ledger';
import type { CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { currentCheckpoint, ledgerPaths, openLedger, readSmall, writeSecret } from './ledger-files.ts';

/** A witness key: the Go-format Ed25519 signer key (created 0600 on first use), used for type 0x04 cosignatures. */
function witnessKey(
  path: string,
  name: string,
): { seed: Uint8Array; name: string; vkey: string; created: boolean } {
  let created = false;
  if (!existsSync(path)) {
    writeSecret(path, `${generateEd25519Key(name).skey}\n`);
    created = true;
  }
  const skey = readSmall(path, 'witness key').toString('utf8').trim();
  const signer = parseSignerKey(skey);
  const seed = decodeBase64(skey.split('+').slice(4).join('+'), 'witness key').subarray(1);
  return {
    seed,
    name: signer.name,
    vkey: formatVerifierKey(signer.name, SIG_TYPE_COSIGNATURE_ED25519, ed25519PublicFromSeed(seed)),
    created,
  };
}

function option(context: CommandContext, name: string): string | undefined {
  const value = context.values[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * `palisade ledger cosign`: runs a c2sp.org/tlog-witness witness over the ledger's latest checkpoint. The witness
 * keeps its own state (the last size and root it cosigned, in --witness-state, best kept where the ledger's host
 * cannot rewrite it) and cosigns only a checkpoint consistent with it; the cosigned checkpoint replaces the stored
 * one, so proofs carry the cosignature and `check-proof --witness` can require it.
 */
export async function cosign(context: CommandContext): Promise<ExitCode> {
  const keyPath = option(context, 'witness-key');
  const statePath = option(context, 'witness-state');
  if (keyPath === undefined || statePath === undefined)
    throw new PalisadeError('USAGE', 'ledger cosign needs --witness-key FILE and --witness-state FILE');
  const key = witnessKey(
    keyPath,
    option(context, 'witness-name') ?? `${hostname().replace(/[^A-Za-z0-9.-]/g, '-')}/witness`,
  );
  const ledger = openLedger(ledgerPaths(context), false);
  const state = new SqliteWitnessStore(statePath);
  let response: WitnessResponse;
  let checkpoint: string;
  try {
    checkpoint = currentCheckpoint(ledger);
    const { size } = parseCheckpoint(parseNote(checkpoint).text);
    const known = state.get(ledger.log.origin)?.size ?? 0;
    const proof =
      known > 0 && known < size && known <= ledger.log.size ? ledger.log.consistencyProof(known, size) : [];
    const witness = new Witness(
      cosignatureSigner(key.name, key.seed),
      new Map([[ledger.log.origin, ledger.verifier]]),
      state,
    );
    response = witness.addCheckpoint(
      `old ${Math.min(known, size)}\n${proof.map((h) => `${encodeBase64(h)}\n`).join('')}\n${checkpoint}`,
    );
    if (response.status === 200) {
      const cosigned = `${checkpoint}${response.body}`;
      ledger.log.saveCosignedCheckpoint(cosigned);
      checkpoint = cosigned;
    }
  } finally {
    state.close();
    ledger.close();
  }
  const ok = response.status === 200;
  const result = {
    ok,
    status: response.status,
    witness: key.vkey,
    created: key.created,
    ...(ok ? { checkpoint } : { reason: response.body.trim() }),
  };
  const text = ok
    ? `${key.created ? `Created witness key ${keyPath}\n` : ''}Cosigned by ${key.name} (verifier key ${key.vkey})\n${checkpoint}`
    : `Witness ${key.name} refused the checkpoint (${response.status}): ${response.body.trim()}\n` +
      'The ledger is not consistent with what this witness cosigned before: run palisade ledger verify.\n';
  await writeResult(
    context.io,
    context.flags.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : text,
    context.flags.output,
  );
  return ok ? EXIT.ok : EXIT.findings;
}
