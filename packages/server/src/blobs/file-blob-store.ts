import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PalisadeError } from '@palisade/core';
import type { KeyProvider } from '../crypto/key-provider.ts';
import {
  CHUNK_BYTES,
  formatHeader,
  HEADER_BYTES,
  KEY_SLOT_OFFSET,
  openChunk,
  parseHeader,
  plaintextSize,
  sealChunk,
  TAG_BYTES,
} from './blob-cipher.ts';

const DIGEST = /^sha256:([0-9a-f]{64})$/;

export interface StoredBlob {
  readonly digest: string;
  readonly size: number;
}

/** Where a blob of `digest` lives; the only path ever built, and only from a validated digest. */
function hexOf(digest: string): string {
  const hex = DIGEST.exec(digest)?.[1];
  if (hex === undefined) throw new PalisadeError('INPUT_INVALID', `"${digest}" is not a sha256:<hex> digest`);
  return hex;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readExactly(file: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  if (bytesRead !== length)
    throw new PalisadeError('INPUT_INVALID', 'A blob file is shorter than its format says');
  return buffer;
}

const context = (digest: string) => `blob:${digest}`;

/**
 * Content-addressed blobs on disk (`blobs/sha256/ab/<hex>`), encrypted at rest under a per-blob data key wrapped by
 * the KEK (`blob-cipher.ts`). A blob is written to a temporary file while it is hashed and encrypted, synced, then
 * renamed into place and its folder synced: once `put` resolves, a crash cannot lose it, and a crash before that
 * leaves only a temporary file. No path ever comes from a request. The digest is of the plaintext.
 */
export class FileBlobStore {
  readonly #root: string;
  readonly #tmp: string;
  readonly #keys: KeyProvider;

  constructor(root: string, keys: KeyProvider) {
    this.#root = root;
    this.#tmp = join(root, 'tmp');
    this.#keys = keys;
    mkdirSync(this.#tmp, { recursive: true, mode: 0o700 });
  }

  pathOf(digest: string): string {
    const hex = hexOf(digest);
    return join(this.#root, 'sha256', hex.slice(0, 2), hex);
  }

  /** Streams `source` in, refusing more than `maxBytes`; resolves to its digest once it is durable. */
  async put(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StoredBlob> {
    const temp = join(this.#tmp, `${randomBytes(12).toString('hex')}.part`);
    const hash = createHash('sha256');
    const dek = randomBytes(32);
    const prefix = randomBytes(8);
    const file = await open(temp, 'wx', 0o600);
    let size = 0;
    let index = 0;
    let position = HEADER_BYTES;
    let pending = Buffer.alloc(0);
    const write = async (sealed: Buffer) => {
      await file.write(sealed, 0, sealed.length, position);
      position += sealed.length;
    };
    try {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > maxBytes)
          throw new PalisadeError('LIMIT_EXCEEDED', `Uploads may have at most ${maxBytes} bytes.`);
        hash.update(chunk);
        pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
        // A full chunk is sealed only once more data follows: the last chunk must carry the final flag.
        while (pending.length > CHUNK_BYTES) {
          await write(sealChunk(dek, prefix, index++, false, pending.subarray(0, CHUNK_BYTES)));
          pending = pending.subarray(CHUNK_BYTES);
        }
      }
      await write(sealChunk(dek, prefix, index, true, pending));
      const digest = `sha256:${hash.digest('hex')}`;
      const wrapped = this.#keys.wrap(dek, context(digest));
      await file.write(
        formatHeader({
          kekVersion: wrapped.version,
          wrappedKey: Buffer.from(wrapped.data),
          noncePrefix: prefix,
        }),
        0,
        HEADER_BYTES,
        0,
      );
      await file.sync();
      await file.close();
      const target = this.pathOf(digest);
      const folder = join(target, '..');
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      await rename(temp, target);
      await fsyncPath(folder);
      return { digest, size };
    } catch (error) {
      await file.close().catch(() => {});
      await rm(temp, { force: true });
      throw error;
    } finally {
      dek.fill(0);
    }
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(digest))).isFile();
    } catch {
      return false;
    }
  }

  /** The plaintext size, or undefined when the blob is not here. */
  async size(digest: string): Promise<number | undefined> {
    try {
      return plaintextSize((await stat(this.pathOf(digest))).size);
    } catch {
      return undefined;
    }
  }

  /** The plaintext, decrypted and authenticated chunk by chunk as it is read. */
  read(digest: string): Readable {
    const path = this.pathOf(digest);
    const keys = this.#keys;
    async function* chunks(): AsyncGenerator<Buffer> {
      const file = await open(path, 'r');
      try {
        const total = (await file.stat()).size;
        const header = parseHeader(await readExactly(file, HEADER_BYTES, 0));
        const dek = keys.unwrap({ version: header.kekVersion, data: header.wrappedKey }, context(digest));
        let position = HEADER_BYTES;
        for (let index = 0; ; index++) {
          const length = Math.min(CHUNK_BYTES + TAG_BYTES, total - position);
          if (length < TAG_BYTES) throw new PalisadeError('INPUT_INVALID', `Blob ${digest} is truncated`);
          const final = position + length === total;
          yield openChunk(dek, header.noncePrefix, index, final, await readExactly(file, length, position));
          position += length;
          if (final) break;
        }
      } finally {
        await file.close();
      }
    }
    return Readable.from(chunks());
  }

  /** Re-wraps one blob's data key under the current KEK, rewriting only its key slot; false if already current. */
  async rewrap(digest: string): Promise<boolean> {
    const file = await open(this.pathOf(digest), 'r+');
    try {
      const header = parseHeader(await readExactly(file, HEADER_BYTES, 0));
      const current = this.#keys.currentVersion();
      if (header.kekVersion === current) return false;
      const dek = this.#keys.unwrap({ version: header.kekVersion, data: header.wrappedKey }, context(digest));
      const wrapped = this.#keys.wrap(dek, context(digest));
      dek.fill(0);
      const slot = formatHeader({
        kekVersion: wrapped.version,
        wrappedKey: Buffer.from(wrapped.data),
        noncePrefix: header.noncePrefix,
      });
      // One small write inside the first disk sector: the old or the new key slot, never half of each.
      await file.write(slot, KEY_SLOT_OFFSET, HEADER_BYTES - 8 - KEY_SLOT_OFFSET, KEY_SLOT_OFFSET);
      await file.sync();
      return true;
    } finally {
      await file.close();
    }
  }

  /** Every stored digest (for key rotation). */
  digests(): string[] {
    const root = join(this.#root, 'sha256');
    const out: string[] = [];
    let folders: string[];
    try {
      folders = readdirSync(root);
    } catch {
      return out;
    }
    for (const folder of folders) {
      for (const name of readdirSync(join(root, folder)))
        if (/^[0-9a-f]{64}$/.test(name)) out.push(`sha256:${name}`);
    }
    return out.sort();
  }
}
