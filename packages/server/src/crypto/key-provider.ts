import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PalisadeError } from '@palisade/core';

/** A data key wrapped by one version of the key-encryption key: 12-byte nonce ‖ ciphertext ‖ 16-byte tag. */
export interface WrappedKey {
  readonly version: number;
  readonly data: Uint8Array;
}

/** The `KeyProvider` port (specs/scaling.md §5): wraps and unwraps data keys; the KEK never leaves it. */
export interface KeyProvider {
  currentVersion(): number;
  wrap(dek: Uint8Array, context: string): WrappedKey;
  unwrap(wrapped: WrappedKey, context: string): Buffer;
}

export const WRAPPED_KEY_BYTES = 12 + 32 + 16;

interface KeyFile {
  readonly versions: { version: number; key: string; createdAt: string }[];
}

function aad(context: string): Buffer {
  return Buffer.from(`palisade-dek-v1:${context}`, 'utf8');
}

/**
 * KEK versions in a local file (`keys/kek.json`, 0600), AES-256-GCM key wrapping with the object's identity as
 * associated data (a wrapped key moved to another object does not unwrap). New keys wrap under the newest version;
 * `rotate` adds one. The file is re-read when it changes, so a running server picks up a rotation.
 */
export class LocalKeyProvider implements KeyProvider {
  readonly #path: string;
  #keys = new Map<number, Buffer>();
  #current = 0;
  #mtime = -1;

  private constructor(path: string) {
    this.#path = path;
    this.#load();
  }

  /** Opens the key file in `dataDir/keys`, creating it with a first random KEK when missing. */
  static open(dataDir: string): LocalKeyProvider {
    const folder = join(dataDir, 'keys');
    const path = join(folder, 'kek.json');
    if (!existsSync(path)) {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      const file: KeyFile = {
        versions: [
          { version: 1, key: randomBytes(32).toString('base64'), createdAt: new Date().toISOString() },
        ],
      };
      writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    }
    chmodSync(path, 0o600);
    return new LocalKeyProvider(path);
  }

  #load(): void {
    const mtime = statSync(this.#path).mtimeMs;
    if (mtime === this.#mtime) return;
    let file: KeyFile;
    try {
      file = JSON.parse(readFileSync(this.#path, 'utf8')) as KeyFile;
    } catch (error) {
      throw new PalisadeError('INPUT_INVALID', `The key file ${this.#path} is not valid JSON`, {
        cause: error,
      });
    }
    const keys = new Map<number, Buffer>();
    for (const { version, key } of file.versions ?? []) {
      const bytes = Buffer.from(String(key), 'base64');
      if (!Number.isSafeInteger(version) || version < 1 || bytes.length !== 32) {
        throw new PalisadeError('INPUT_INVALID', `The key file ${this.#path} has a bad version entry`);
      }
      keys.set(version, bytes);
    }
    if (keys.size === 0) throw new PalisadeError('INPUT_INVALID', `The key file ${this.#path} has no key`);
    this.#keys = keys;
    this.#current = Math.max(...keys.keys());
    this.#mtime = mtime;
  }

  currentVersion(): number {
    this.#load();
    return this.#current;
  }

  versions(): number[] {
    this.#load();
    return [...this.#keys.keys()].sort((a, b) => a - b);
  }

  wrap(dek: Uint8Array, context: string): WrappedKey {
    const version = this.currentVersion();
    const key = this.#keys.get(version) as Buffer;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 }).setAAD(aad(context));
    const data = Buffer.concat([nonce, cipher.update(dek), cipher.final(), cipher.getAuthTag()]);
    return { version, data };
  }

  unwrap(wrapped: WrappedKey, context: string): Buffer {
    this.#load();
    const key = this.#keys.get(wrapped.version);
    if (key === undefined)
      throw new PalisadeError('INPUT_INVALID', `No key-encryption key of version ${wrapped.version}`);
    const data = Buffer.from(wrapped.data);
    if (data.length < 28) throw new PalisadeError('INPUT_INVALID', 'A wrapped key is too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12), {
        authTagLength: 16,
      }).setAAD(aad(context));
      decipher.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
    } catch (error) {
      throw new PalisadeError(
        'INPUT_INVALID',
        `A wrapped key for ${context} does not unwrap (tampered or misplaced)`,
        {
          cause: error,
        },
      );
    }
  }

  /** Adds a new KEK version (atomically replacing the file); older versions stay to unwrap existing keys. */
  rotate(): number {
    this.#load();
    const file = JSON.parse(readFileSync(this.#path, 'utf8')) as KeyFile;
    const version = this.#current + 1;
    file.versions.push({
      version,
      key: randomBytes(32).toString('base64'),
      createdAt: new Date().toISOString(),
    });
    const temp = `${this.#path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, this.#path);
    this.#mtime = -1;
    this.#load();
    return version;
  }
}
