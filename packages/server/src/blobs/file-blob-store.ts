import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { PalisadeError } from '@palisade/core';

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

/**
 * Content-addressed blobs on disk (`blobs/sha256/ab/<hex>`). A blob is written to a temporary file while it is
 * hashed, synced, then renamed into place and its folder synced: once `put` resolves, a crash cannot lose it,
 * and a crash before that leaves only a temporary file. No path ever comes from a request.
 */
export class FileBlobStore {
  readonly #root: string;
  readonly #tmp: string;

  constructor(root: string) {
    this.#root = root;
    this.#tmp = join(root, 'tmp');
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
    const out = createWriteStream(temp, { mode: 0o600, flags: 'wx' });
    let size = 0;
    try {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > maxBytes) {
          throw new PalisadeError('LIMIT_EXCEEDED', `Uploads may have at most ${maxBytes} bytes.`);
        }
        hash.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        out.end(() => resolve());
      });
      await fsyncPath(temp);
      const digest = `sha256:${hash.digest('hex')}`;
      const target = this.pathOf(digest);
      const folder = join(target, '..');
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      await rename(temp, target);
      await fsyncPath(folder);
      return { digest, size };
    } catch (error) {
      out.destroy();
      await rm(temp, { force: true });
      throw error;
    }
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(digest))).isFile();
    } catch {
      return false;
    }
  }

  async size(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(digest))).size;
    } catch {
      return undefined;
    }
  }

  read(digest: string): Readable {
    return createReadStream(this.pathOf(digest));
  }
}
