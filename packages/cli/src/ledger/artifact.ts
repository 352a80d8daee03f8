import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PalisadeError } from '@palisade/core';
import { normalizeDigest } from '@palisade/ledger';
import { DEFAULT_SIGNATURE_NAME, serializeModel } from '@palisade/signing';

/** An artifact named on the command line: its OMS root digest and a name for it. */
export interface Artifact {
  readonly name: string;
  readonly sha256: string;
}

/**
 * The OMS root digest of a model or dataset (file or directory), computed as `palisade sign` does (SHA-256 per
 * file; `.git*` and a directory's own `model.sig` left out), so it equals the subject of the model's signature.
 */
export async function artifactDigest(path: string): Promise<Artifact> {
  const root = resolve(path);
  const isDirectory = existsSync(root) && statSync(root).isDirectory();
  const manifest = await serializeModel(root, { ignorePaths: isDirectory ? [DEFAULT_SIGNATURE_NAME] : [] });
  if (manifest.resources.length === 0)
    throw new PalisadeError('INPUT_INVALID', `${path} has no files to hash`);
  return { name: manifest.subjectName, sha256: manifest.rootDigest };
}

/** A digest (`sha256:<hex>` or bare hex) as given, or the digest of the file or directory at that path. */
export async function digestOrPath(value: string): Promise<{ digest: string; name?: string }> {
  if (existsSync(value)) {
    const artifact = await artifactDigest(value);
    return { digest: `sha256:${artifact.sha256}`, name: artifact.name };
  }
  try {
    return { digest: normalizeDigest(value) };
  } catch {
    throw new PalisadeError(
      'INPUT_NOT_FOUND',
      `"${value}" is neither a digest (sha256:<hex>) nor an existing path`,
    );
  }
}

/** Where the offline proof of a model goes: beside it (`<model>.tlog-proof`), outside the signed files. */
export function proofPathFor(model: string): string {
  const root = resolve(model);
  return join(dirname(root), `${basename(root)}.tlog-proof`);
}
