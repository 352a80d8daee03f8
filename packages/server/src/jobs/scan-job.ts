import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { scanPaths } from '@palisade/scanner';
import type { FileBlobStore } from '../blobs/file-blob-store.ts';
import type { ArtifactStore } from '../inventory/artifacts.ts';
import type { JobRunner } from './worker.ts';

/**
 * Scans a stored version with `@palisade/scanner`, exactly as `palisade scan FILE` would: the blob is decrypted
 * into a private work folder under its (sanitised) upload name, so that content sniffing and extension checks see
 * what the CLI sees, and server paths are replaced by that name in the stored report.
 */
export function scanJobRunner(deps: {
  readonly artifacts: ArtifactStore;
  readonly blobs: FileBlobStore;
  readonly workDir: string;
  readonly timeoutMs: number;
}): JobRunner {
  return async (job) => {
    const version = await deps.artifacts.versionById(job.versionId);
    if (version === undefined) throw new Error('the version to scan no longer exists');
    if (!version.stored)
      throw new Error('the version was registered by digest only; upload its bytes to scan it');
    const folder = join(deps.workDir, `${job.id}-${job.attempts}`);
    const name = version.filename ?? version.digest.replace(':', '-');
    const file = join(folder, name);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    try {
      // Blobs are encrypted at rest: the scan reads a decrypted copy, private to this attempt and removed after.
      await pipeline(deps.blobs.read(version.digest), createWriteStream(file, { mode: 0o600 }));
      const report = await scanPaths([file], {
        concurrency: 1,
        digests: true,
        limits: { timeoutMs: deps.timeoutMs },
      });
      const prefix = JSON.stringify(`${folder}/`).slice(1, -1);
      return JSON.parse(JSON.stringify(report).replaceAll(prefix, '')) as unknown;
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  };
}
