import { DatabaseSync } from 'node:sqlite';
import { isPalisadeError, PalisadeError } from '@palisade/core';
import { bytesEqual, decodeBase64, parseDecimal } from '../bytes.ts';
import { emptyRoot } from '../merkle/hash.ts';
import { checkConsistency } from '../merkle/proof.ts';
import { parseCheckpoint } from '../note/checkpoint.ts';
import type { NoteSigner, NoteVerifier } from '../note/ed25519.ts';
import { MAX_NOTE_BYTES, parseNote, signNote, verifyNote } from '../note/note.ts';

/** Most consistency-proof lines an add-checkpoint request may carry (c2sp.org/tlog-witness). */
const MAX_PROOF_LINES = 63;

/** What a witness remembers per log: the last checkpoint it cosigned. */
export interface WitnessState {
  readonly size: number;
  readonly rootHash: Uint8Array;
}

/** The witness's storage port. `compareAndSwap` must be atomic and durable before it returns true. */
export interface WitnessStore {
  get(origin: string): WitnessState | undefined;
  /** Stores `next` only if the stored size is still `expectedSize` (0 when nothing is stored). */
  compareAndSwap(origin: string, expectedSize: number, next: WitnessState): boolean;
}

export class MemoryWitnessStore implements WitnessStore {
  readonly #states = new Map<string, WitnessState>();

  get(origin: string): WitnessState | undefined {
    return this.#states.get(origin);
  }

  compareAndSwap(origin: string, expectedSize: number, next: WitnessState): boolean {
    if ((this.#states.get(origin)?.size ?? 0) !== expectedSize) return false;
    this.#states.set(origin, next);
    return true;
  }
}

/** Witness state in SQLite (WAL, synchronous=FULL): one row per log origin. */
export class SqliteWitnessStore implements WitnessStore {
  readonly #db: DatabaseSync;

  constructor(path: string) {
    this.#db = new DatabaseSync(path);
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS witness_state (origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL)',
    );
  }

  get(origin: string): WitnessState | undefined {
    const row = this.#db.prepare('SELECT size, root FROM witness_state WHERE origin = ?').get(origin);
    if (row === undefined) return undefined;
    if (!(row.root instanceof Uint8Array) || typeof row.size !== 'number')
      throw new PalisadeError('INPUT_INVALID', 'witness database: bad state row');
    return { size: row.size, rootHash: row.root };
  }

  compareAndSwap(origin: string, expectedSize: number, next: WitnessState): boolean {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const current = this.get(origin)?.size ?? 0;
      if (current !== expectedSize) {
        this.#db.exec('ROLLBACK');
        return false;
      }
      this.#db
        .prepare('INSERT OR REPLACE INTO witness_state (origin, size, root) VALUES (?, ?, ?)')
        .run(origin, next.size, next.rootHash);
      this.#db.exec('COMMIT');
      return true;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    this.#db.close();
  }
}

/** The HTTP answer to an add-checkpoint request (c2sp.org/tlog-witness). */
export interface WitnessResponse {
  readonly status: 200 | 400 | 403 | 404 | 409 | 422;
  readonly contentType: string;
  readonly body: string;
}

function answer(
  status: WitnessResponse['status'],
  body: string,
  contentType = 'text/plain; charset=utf-8',
): WitnessResponse {
  return { status, contentType, body };
}

interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: readonly Uint8Array[];
  readonly checkpoint: string;
}

/** Parses an add-checkpoint body: `old <size>`, 0–63 base64 proof lines, a blank line, the signed checkpoint. */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  if (body.length > MAX_NOTE_BYTES + 64 * 64)
    throw new PalisadeError('LIMIT_EXCEEDED', 'add-checkpoint request is too large');
  const blank = body.indexOf('\n\n');
  if (blank < 0) throw new PalisadeError('INPUT_INVALID', 'add-checkpoint request has no blank line');
  const [oldLine = '', ...proofLines] = body.slice(0, blank).split('\n');
  if (!oldLine.startsWith('old '))
    throw new PalisadeError('INPUT_INVALID', 'add-checkpoint request must start with "old <size>"');
  if (proofLines.length > MAX_PROOF_LINES)
    throw new PalisadeError(
      'INPUT_INVALID',
      `add-checkpoint request has more than ${MAX_PROOF_LINES} proof lines`,
    );
  const proof = proofLines.map((line, i) => {
    const hash = decodeBase64(line, `consistency proof line ${i + 1}`);
    if (hash.length !== 32)
      throw new PalisadeError('INPUT_INVALID', `consistency proof line ${i + 1} is not 32 bytes`);
    return hash;
  });
  return { oldSize: parseDecimal(oldLine.slice(4), 'old size'), proof, checkpoint: body.slice(blank + 2) };
}

/**
 * A transparency-log witness (c2sp.org/tlog-witness): cosigns a log's checkpoint only when it is consistent with the
 * last checkpoint it cosigned for that log, and remembers the new one atomically before answering.
 */
export class Witness {
  readonly #signer: NoteSigner;
  readonly #logs: ReadonlyMap<string, NoteVerifier>;
  readonly #store: WitnessStore;

  /** `logs`: the logs this witness follows, by origin, with their log keys. */
  constructor(signer: NoteSigner, logs: ReadonlyMap<string, NoteVerifier>, store: WitnessStore) {
    this.#signer = signer;
    this.#logs = logs;
    this.#store = store;
  }

  /** Handles the body of `POST <prefix>/add-checkpoint`; never throws for bad input. */
  addCheckpoint(body: string): WitnessResponse {
    let request: AddCheckpointRequest;
    let origin: string;
    let size: number;
    let rootHash: Uint8Array;
    try {
      request = parseAddCheckpoint(body);
      ({ origin, size, rootHash } = parseCheckpoint(parseNote(request.checkpoint).text));
    } catch (error) {
      if (isPalisadeError(error)) return answer(400, `${error.message}\n`);
      throw error;
    }
    const log = this.#logs.get(origin);
    if (log === undefined) return answer(404, `unknown log origin ${origin}\n`);
    try {
      verifyNote(request.checkpoint, [log]);
    } catch {
      return answer(403, `checkpoint is not validly signed by ${log.name}\n`);
    }
    if (request.oldSize > size)
      return answer(400, `old size ${request.oldSize} is larger than the checkpoint size ${size}\n`);
    const known = this.#store.get(origin);
    const knownSize = known?.size ?? 0;
    if (request.oldSize !== knownSize) return answer(409, `${knownSize}\n`, 'text/x.tlog.size');
    if (known !== undefined && size === known.size && !bytesEqual(rootHash, known.rootHash))
      return answer(409, `checkpoint of size ${size} has a different root than the one cosigned before\n`);
    if (size === 0 && !bytesEqual(rootHash, emptyRoot()))
      return answer(422, 'a checkpoint of size 0 must have the empty root\n');
    if (knownSize === 0) {
      if (request.proof.length > 0)
        return answer(422, 'the consistency proof must be empty when old size is 0\n');
    } else if (known !== undefined) {
      const failure = checkConsistency(known.size, size, known.rootHash, rootHash, request.proof);
      if (failure !== undefined) return answer(422, `consistency proof does not verify: ${failure}\n`);
    }
    if (!this.#store.compareAndSwap(origin, knownSize, { size, rootHash })) {
      return answer(409, `${this.#store.get(origin)?.size ?? 0}\n`, 'text/x.tlog.size');
    }
    const signed = signNote(parseNote(request.checkpoint).text, [this.#signer]);
    const line = signed.slice(signed.lastIndexOf('\n\n') + 2);
    return answer(200, line);
  }
}
