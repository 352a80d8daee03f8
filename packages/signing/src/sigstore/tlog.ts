import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { DsseEnvelope } from '../bundle/parse.ts';
import { SigningError, type SigningReason } from '../errors.ts';
import type { Certificate } from '../x509/certificate.ts';
import { verifyCheckpoint } from './checkpoint.ts';
import { leafHash, rootFromInclusionProof } from './merkle.ts';
import { checkDsseBody } from './rekor-body.ts';
import { type TransparencyLog, type TrustedRoot, within } from './trusted-root.ts';

export interface VerifiedEntry {
  readonly log: TransparencyLog;
  readonly logIndex: string;
  /** When the log integrated the entry, attested by its signed entry timestamp. */
  readonly integratedTime: Date;
}

type Json = Record<string, unknown>;
const DIGITS = /^[0-9]{1,20}$/;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(reason: SigningReason, message: string): never {
  throw new SigningError(reason, message);
}

function bytes(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    fail('TLOG_INVALID', `${what} must be base64`);
  }
  return Buffer.from(value, 'base64');
}

function integer(value: unknown, what: string): string {
  if (typeof value !== 'string' || !DIGITS.test(value))
    fail('TLOG_INVALID', `${what} must be a decimal string`);
  return value;
}

function signatureValid(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    if (key.asymmetricKeyType === 'ed25519') return cryptoVerify(null, data, key, signature);
    return cryptoVerify('sha256', data, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

/**
 * Rekor v1 signed entry timestamp: the log's signature over the canonical JSON of body, integratedTime, logID
 * (hex) and logIndex, keys sorted.
 */
function checkPromise(entry: Json, body: Buffer, log: TransparencyLog, time: string, index: string): void {
  const promise = entry.inclusionPromise;
  if (!isObject(promise)) {
    fail(
      'SET_INVALID',
      'The entry has no signed entry timestamp (inclusionPromise), so its time is not attested; RFC 3161 timestamps are not verified by Palisade yet',
    );
  }
  const signed = `{"body":"${body.toString('base64')}","integratedTime":${time},"logID":"${log.logId.toString('hex')}","logIndex":${index}}`;
  const signature = bytes(promise.signedEntryTimestamp, 'inclusionPromise.signedEntryTimestamp');
  if (!signatureValid(log.key, Buffer.from(signed, 'utf8'), signature)) {
    fail('SET_INVALID', "The signed entry timestamp does not verify with the log's key");
  }
}

function checkInclusion(entry: Json, body: Buffer, log: TransparencyLog): void {
  const proof = entry.inclusionProof;
  if (!isObject(proof)) fail('INCLUSION_PROOF_INVALID', 'The entry has no inclusion proof');
  const index = BigInt(integer(proof.logIndex, 'inclusionProof.logIndex'));
  const size = BigInt(integer(proof.treeSize, 'inclusionProof.treeSize'));
  const rootHash = bytes(proof.rootHash, 'inclusionProof.rootHash');
  if (!Array.isArray(proof.hashes)) fail('TLOG_INVALID', 'inclusionProof.hashes must be an array');
  const hashes = proof.hashes.map((hash, i) => bytes(hash, `inclusionProof.hashes[${i}]`));
  const computed = rootFromInclusionProof(index, size, leafHash(body), hashes);
  if (!computed?.equals(rootHash)) {
    fail(
      'INCLUSION_PROOF_INVALID',
      `The inclusion proof of leaf ${index} in a tree of ${size} does not lead to root ${rootHash.toString('base64')}`,
    );
  }
  const envelope = isObject(proof.checkpoint) ? proof.checkpoint.envelope : undefined;
  if (typeof envelope !== 'string') fail('CHECKPOINT_INVALID', 'The inclusion proof has no checkpoint');
  const checkpoint = verifyCheckpoint(envelope, log.key);
  if (checkpoint.treeSize !== size || !checkpoint.rootHash.equals(rootHash)) {
    fail(
      'CHECKPOINT_INVALID',
      'The signed checkpoint is for another tree size or root than the inclusion proof',
    );
  }
}

/**
 * Verifies one Rekor v1 transparency-log entry of a keyless bundle offline: the log is in the trusted root,
 * the body logs this envelope and certificate, the signed entry timestamp and the inclusion proof (against its
 * signed checkpoint) verify with the log's key, and the log's key was valid when the entry was integrated.
 */
export function verifyTlogEntry(
  raw: unknown,
  envelope: DsseEnvelope,
  leaf: Certificate,
  trustedRoot: TrustedRoot,
): VerifiedEntry {
  if (!isObject(raw)) fail('TLOG_INVALID', 'A tlogEntries element must be an object');
  const logId = bytes(isObject(raw.logId) ? raw.logId.keyId : undefined, 'logId.keyId');
  const log = trustedRoot.tlogs.find((candidate) => candidate.logId.equals(logId));
  if (!log)
    fail(
      'TLOG_INVALID',
      `The entry is from log ${logId.toString('base64')}, which the trusted root does not list`,
    );
  const kind = isObject(raw.kindVersion) ? `${raw.kindVersion.kind} ${raw.kindVersion.version}` : '';
  if (kind !== 'dsse 0.0.1') {
    fail(
      'TLOG_INVALID',
      `Entries of kind ${JSON.stringify(kind)} are not supported (Rekor v1 dsse 0.0.1 only)`,
    );
  }
  const logIndex = integer(raw.logIndex, 'logIndex');
  const time = integer(raw.integratedTime, 'integratedTime');
  if (Number(time) > 8_640_000_000_000) fail('TLOG_INVALID', 'integratedTime is out of range');
  if (time === '0')
    fail(
      'TLOG_INVALID',
      'The entry has no integrated time (a Rekor v2 entry); RFC 3161 timestamps are not verified yet',
    );
  const body = bytes(raw.canonicalizedBody, 'canonicalizedBody');
  checkDsseBody(body, envelope, leaf);
  checkPromise(raw, body, log, time, logIndex);
  checkInclusion(raw, body, log);
  const integratedTime = new Date(Number(time) * 1000);
  if (!within(log.validFor, integratedTime)) {
    fail(
      'TLOG_INVALID',
      `The log's key was not valid at the integrated time ${integratedTime.toISOString()}`,
    );
  }
  return { log, logIndex, integratedTime };
}
