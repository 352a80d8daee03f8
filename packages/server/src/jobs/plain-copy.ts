import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FileBlobStore } from '../blobs/file-blob-store.ts';
import type { ArtifactStore, VersionRecord } from '../inventory/artifacts.ts';
import type { Job } from './queue.ts';

export interface JobDeps {
  readonly artifacts: ArtifactStore;
  readonly blobs: FileBlobStore;
  readonly workDir: string;
  readonly timeoutMs: number;
}

/**
 * Runs `work` on a decrypted copy of the job's version, in a folder private to this attempt and removed after,
 * under the version's (sanitised) upload name, so that the domain packages see the file as the CLI would. The
 * stored result has the folder's path removed, leaving the file name.
 */
export async function withPlainCopy(
  deps: JobDeps,
  job: Job,
  work: (file: string, version: VersionRecord) => Promise<unknown>,
): Promise<unknown> {
  const version = await deps.artifacts.versionById(job.versionId);
  if (version === undefined) throw new Error('the version no longer exists');
  if (!version.stored) throw new Error('the version was registered by digest only; upload its bytes first');
  const folder = join(deps.workDir, `${job.id}-${job.attempts}`);
  const file = join(folder, version.filename ?? version.digest.replace(':', '-'));
  await mkdir(folder, { recursive: true, mode: 0o700 });
  try {
    await pipeline(deps.blobs.read(version.digest), createWriteStream(file, { mode: 0o600 }));
    const result = await work(file, version);
    const prefix = JSON.stringify(`${folder}/`).slice(1, -1);
    return JSON.parse(JSON.stringify(result).replaceAll(prefix, '')) as unknown;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
