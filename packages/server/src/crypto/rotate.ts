import { join } from 'node:path';
import { FileBlobStore } from '../blobs/file-blob-store.ts';
import { openDatabase } from '../db/open.ts';
import { IdentityStore } from '../identity/store.ts';
import { LocalKeyProvider } from './key-provider.ts';
import { rewrap } from './sealed-secret.ts';

export interface RotationResult {
  readonly kekVersion: number;
  readonly blobs: number;
  readonly secrets: number;
}

/**
 * `palisade keys rotate`: adds a KEK version and re-wraps every data key under it — the key slot of each blob file
 * and each sealed secret — without re-encrypting any data. Older KEK versions stay in the key file so that a
 * re-wrap interrupted half-way loses nothing; run it again to finish.
 */
export async function rotateKeys(options: {
  dataDir: string;
  database?: string | undefined;
}): Promise<RotationResult> {
  const keys = LocalKeyProvider.open(options.dataDir);
  const db = await openDatabase({ url: options.database, dataDir: options.dataDir });
  try {
    const kekVersion = keys.rotate();
    const blobs = new FileBlobStore(join(options.dataDir, 'blobs'), keys);
    let rewrapped = 0;
    for (const digest of blobs.digests()) if (await blobs.rewrap(digest)) rewrapped++;
    const secrets = await new IdentityStore(db, keys).rewrapSecrets((sealed, context) =>
      rewrap(keys, sealed, context),
    );
    return { kekVersion, blobs: rewrapped, secrets };
  } finally {
    await db.close();
  }
}
