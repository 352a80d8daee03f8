import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { PalisadeError } from '@palisade/core';
import {
  type DsseVerifier,
  dsseVerifier,
  type NoteSigner,
  type NoteVerifier,
  parseCheckpoint,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  SqliteLogStore,
  signerKeyObject,
  TransparencyLog,
} from '@palisade/ledger';
import type { CommandContext, OptionSpec } from '../command.ts';
import { stringList } from '../commands/signing-common.ts';

export const DEFAULT_LEDGER = './.palisade/ledger.db';

/** Largest key, checkpoint or proof file read (a signed note is at most 1 MiB). */
export const MAX_SMALL_FILE = 2 << 20;

/**
 * Reads a small file (a key, a checkpoint, a proof), refusing one larger than `max` before reading it, so a wrong
 * path to a large file fails at once instead of filling memory.
 */
export function readSmall(path: string, what: string, max: number = MAX_SMALL_FILE): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PalisadeError(
      code === 'ENOENT' ? 'INPUT_NOT_FOUND' : 'INPUT_UNREADABLE',
      `Cannot read the ${what} ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    const size = fstatSync(fd).size;
    if (size > max)
      throw new PalisadeError('LIMIT_EXCEEDED', `The ${what} ${path} is larger than ${max} bytes`);
    const data = Buffer.alloc(size);
    let at = 0;
    while (at < size) {
      const read = readSync(fd, data, at, size - at, at);
      if (read === 0) break;
      at += read;
    }
    return data.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

export const LEDGER_OPTION: OptionSpec = {
  name: 'ledger',
  type: 'string',
  value: 'PATH',
  description: `The ledger database (default ${DEFAULT_LEDGER}); its keys sit beside it (ledger.key, ledger.pub).`,
};

/** The files of one ledger: the SQLite database, the log key (secret), the verifier key, the trusted checkpoint. */
export interface LedgerPaths {
  readonly database: string;
  readonly signerKey: string;
  readonly verifierKey: string;
  /** The newest checkpoint this ledger signed, kept outside the database so a rolled-back file is caught. */
  readonly trustedCheckpoint: string;
}

export function ledgerPaths(context: CommandContext): LedgerPaths {
  const value = context.values.ledger;
  const database = typeof value === 'string' && value !== '' ? value : DEFAULT_LEDGER;
  const stem = join(dirname(database), basename(database, extname(database)));
  return {
    database,
    signerKey: `${stem}.key`,
    verifierKey: `${stem}.pub`,
    trustedCheckpoint: `${stem}.checkpoint`,
  };
}

/** An opened ledger: the log, its keys and the trusted checkpoint kept beside it. Close it when done. */
export interface OpenLedger {
  readonly paths: LedgerPaths;
  readonly log: TransparencyLog;
  readonly verifier: NoteVerifier;
  readonly vkey: string;
  /** Present when the secret log key is readable (needed to append and to sign checkpoints). */
  readonly signer?: NoteSigner;
  readonly skey?: string;
  /** The log key as a DSSE verifier, for entries the ledger signed itself. */
  readonly dsse?: DsseVerifier;
  close(): void;
}

function readText(path: string, what: string): string {
  return readSmall(path, what).toString('utf8').trim();
}

/** Opens an initialised ledger; `needSigner` requires the secret key (append, checkpoint). */
export function openLedger(paths: LedgerPaths, needSigner: boolean): OpenLedger {
  if (!existsSync(paths.database) || !existsSync(paths.verifierKey)) {
    throw new PalisadeError(
      'INPUT_NOT_FOUND',
      `No ledger at ${paths.database}; create one with 'palisade ledger init --ledger ${paths.database}'.`,
    );
  }
  const vkey = readText(paths.verifierKey, 'ledger verifier key');
  const verifier = parseVerifierKey(vkey);
  let skey: string | undefined;
  if (needSigner || existsSync(paths.signerKey)) {
    try {
      skey = readText(paths.signerKey, 'ledger signing key');
    } catch (error) {
      if (needSigner) throw error;
    }
  }
  const signer = skey === undefined ? undefined : parseSignerKey(skey);
  if (signer !== undefined && signer.keyId !== verifier.keyId)
    throw new PalisadeError(
      'INPUT_INVALID',
      `${paths.signerKey} and ${paths.verifierKey} are not one key pair`,
    );
  const store = new SqliteLogStore(paths.database);
  const log = new TransparencyLog(store, verifier.name);
  const dsse = skey === undefined ? undefined : dsseVerifier(createPublicKey(signerKeyObject(skey)));
  return {
    paths,
    log,
    verifier,
    vkey,
    ...(signer !== undefined ? { signer } : {}),
    ...(skey !== undefined ? { skey } : {}),
    ...(dsse !== undefined ? { dsse } : {}),
    close: () => store.close(),
  };
}

/** Creates the directory and writes a file readable only by its owner (0600), refusing to overwrite. */
export function writeSecret(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

/** Signs a checkpoint of the current tree, stores it, and keeps it beside the database as the trusted one. */
export function signAndKeepCheckpoint(ledger: OpenLedger): string {
  if (ledger.signer === undefined)
    throw new PalisadeError(
      'INPUT_NOT_FOUND',
      `Signing a checkpoint needs the log key ${ledger.paths.signerKey}`,
    );
  const kept = existsSync(ledger.paths.trustedCheckpoint)
    ? [readSmall(ledger.paths.trustedCheckpoint, 'trusted checkpoint').toString('utf8')]
    : [];
  const note = ledger.log.checkpoint(ledger.signer, kept);
  writeFileSync(ledger.paths.trustedCheckpoint, note);
  return note;
}

/**
 * A checkpoint whose tree includes entry `index`: a fresh one of the whole log when the log key is at hand,
 * otherwise the latest stored one (so a reader without the key can still hand out proofs).
 */
export function checkpointCovering(ledger: OpenLedger, index: number): { note: string; size: number } {
  if (ledger.signer !== undefined) {
    const note = currentCheckpoint(ledger);
    return { note, size: parseCheckpoint(parseNote(note).text).size };
  }
  const latest = ledger.log.latestCheckpoint();
  const size = latest === undefined ? 0 : parseCheckpoint(parseNote(latest).text).size;
  if (latest === undefined || size <= index) {
    throw new PalisadeError(
      'INPUT_NOT_FOUND',
      `No signed checkpoint includes entry ${index} yet, and the log key ${ledger.paths.signerKey} is not readable to sign one`,
    );
  }
  return { note: latest, size };
}

/** The latest stored checkpoint if it covers the whole log, otherwise a fresh one (needs the key). */
export function currentCheckpoint(ledger: OpenLedger): string {
  const latest = ledger.log.latestCheckpoint();
  if (latest !== undefined && parseCheckpoint(parseNote(latest).text).size === ledger.log.size) return latest;
  return signAndKeepCheckpoint(ledger);
}

/** The key that signs statements given unsigned: --key (PEM, Ed25519 or ECDSA), else the log key. */
export function statementKey(context: CommandContext, ledger: OpenLedger): KeyObject {
  const path = context.values.key;
  if (typeof path === 'string' && path !== '') {
    try {
      return createPrivateKey(readSmall(path, 'private key'));
    } catch (error) {
      throw new PalisadeError('USAGE', `${path} is not a PEM private key: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (ledger.skey === undefined)
    throw new PalisadeError(
      'INPUT_NOT_FOUND',
      `Signing needs --key or the log key ${ledger.paths.signerKey}`,
    );
  return signerKeyObject(ledger.skey);
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The log key as a DSSE verifier: entries the ledger signs itself carry its Ed25519 signature. */
export function logDsseKey(verifier: NoteVerifier): DsseVerifier {
  const key = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, verifier.publicKey]),
    format: 'der',
    type: 'spki',
  });
  return dsseVerifier(key);
}

export function signerKeys(context: CommandContext): KeyObject[] {
  return stringList(context.values['signer-key']).map((path) => {
    try {
      return createPublicKey(readSmall(path, 'public key'));
    } catch (error) {
      throw new PalisadeError('USAGE', `${path} is not a PEM public key: ${(error as Error).message}`, {
        cause: error,
      });
    }
  });
}

/** The DSSE keys trusted to sign entries: the log key, and any --signer-key PEM public keys. */
export function trustedEntryKeys(context: CommandContext, verifier: NoteVerifier): DsseVerifier[] {
  return [logDsseKey(verifier), ...signerKeys(context).map(dsseVerifier)];
}

export const SIGNER_KEY_OPTION: OptionSpec = {
  name: 'signer-key',
  type: 'string',
  multiple: true,
  value: 'FILE',
  description: 'A PEM public key trusted to sign entries (the log key always is).',
};

/** Appends tries: another process appending at the same moment makes one attempt fail, not the command. */
const APPEND_ATTEMPTS = 5;

/**
 * Appends a batch, retrying when another writer appended first (the store refuses a stale append and the log picks
 * up the new size). Resolves to the first entry's index.
 */
export function appendWithRetry(ledger: OpenLedger, entries: readonly Uint8Array[]): number {
  for (let attempt = 1; ; attempt++) {
    try {
      return ledger.log.append(entries);
    } catch (error) {
      const stale =
        error instanceof PalisadeError && error.code === 'INTERNAL' && /log grew to/.test(error.message);
      if (!stale || attempt === APPEND_ATTEMPTS) throw error;
    }
  }
}
