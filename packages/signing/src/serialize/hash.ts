import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { PalisadeError } from '@palisade/core';
import { SigningError } from '../errors.ts';

export const HASH_TYPES = ['sha256', 'blake2b', 'blake3'] as const;
export type HashType = (typeof HASH_TYPES)[number];

/** Bytes read per call: large enough that read calls cost little next to hashing, small enough to stay in cache. */
export const HASH_CHUNK = 1 << 20;

export function isHashType(value: unknown): value is HashType {
  return typeof value === 'string' && (HASH_TYPES as readonly string[]).includes(value);
}

/** A hash object for an OMS hash identifier. BLAKE3 is not in node:crypto and is reported as unsupported. */
export function createOmsHash(hashType: HashType): Hash {
  if (hashType === 'sha256') return createHash('sha256');
  if (hashType === 'blake2b') return createHash('blake2b512');
  throw new SigningError('SERIALIZATION_UNSUPPORTED', `Hash type ${hashType} is not supported yet`, {
    code: 'UNSUPPORTED',
  });
}

function unreadable(path: string, error: unknown): PalisadeError {
  return new PalisadeError(
    'INPUT_UNREADABLE',
    `Cannot read ${path} to hash it: ${(error as Error).message}`,
    { cause: error },
  );
}

function endedEarly(position: number, end: number): Error {
  return new Error(`file ended at ${position}, before ${end}`);
}

/**
 * Streams bytes [start, end) of a file (the whole file when `end` is undefined) through the hash with a 1 MiB
 * buffer; resolves to lowercase hex. A file that is shorter than `end` is an error: it changed while hashing.
 * `onBytes` hears how many bytes each read added.
 */
export async function hashFileRange(
  path: string,
  hashType: HashType,
  start = 0,
  end?: number,
  onBytes?: (bytes: number) => void,
): Promise<string> {
  const hash = createOmsHash(hashType);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const buffer = Buffer.allocUnsafe(HASH_CHUNK);
    let position = start;
    for (;;) {
      const want = end === undefined ? HASH_CHUNK : Math.min(HASH_CHUNK, end - position);
      if (want <= 0) break;
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) {
        if (end !== undefined) throw endedEarly(position, end);
        break;
      }
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
      onBytes?.(bytesRead);
    }
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    await handle?.close();
  }
  return hash.digest('hex');
}

/**
 * The same digest as `hashFileRange`, with blocking reads into the caller's buffer: for hashing threads, where a
 * blocking read costs less than a round trip through libuv's thread pool.
 */
export function hashFileRangeSync(
  path: string,
  hashType: HashType,
  buffer: Buffer,
  start = 0,
  end?: number,
  onBytes?: (bytes: number) => void,
): string {
  const hash = createOmsHash(hashType);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    let position = start;
    for (;;) {
      const want = end === undefined ? buffer.length : Math.min(buffer.length, end - position);
      if (want <= 0) break;
      const bytesRead = readSync(fd, buffer, 0, want, position);
      if (bytesRead === 0) {
        if (end !== undefined) throw endedEarly(position, end);
        break;
      }
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
      onBytes?.(bytesRead);
    }
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return hash.digest('hex');
}
