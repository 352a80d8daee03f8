import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { readTextBounded } from './read-bounded.ts';

/** Where a local model came from, when its layout says so. */
export interface RepoIdentity {
  /** `owner/name` on the Hugging Face Hub. */
  readonly repoId?: string;
  /** The 40-hex commit. */
  readonly revision?: string;
}

const SHA = /^[0-9a-f]{40}$/;
const HF_CACHE = /models--([^/\\]+?)--([^/\\]+)[/\\]snapshots[/\\]([0-9a-f]{40})(?:[/\\]|$)/;
const HF_REMOTE = /url\s*=\s*https?:\/\/(?:[^@/]+@)?huggingface\.co\/([\w.-]+\/[\w.-]+?)(?:\.git)?\s*$/m;

/**
 * Reads the identity from a Hugging Face cache path (`models--owner--name/snapshots/<sha>`) or from a git
 * clone (`.git/HEAD`, the ref it names, and an `origin` on huggingface.co). Small files only, never a git command.
 */
export function repoIdentity(modelPath: string): RepoIdentity {
  const full = resolve(modelPath);
  const cache = HF_CACHE.exec(full + sep);
  if (cache?.[1] && cache[2] && cache[3]) return { repoId: `${cache[1]}/${cache[2]}`, revision: cache[3] };
  const git = join(full, '.git');
  if (!existsSync(join(git, 'HEAD'))) return {};
  try {
    const head = readTextBounded(join(git, 'HEAD'), 4096).trim();
    let revision: string | undefined = SHA.test(head) ? head : undefined;
    const ref = /^ref:\s*(refs\/[\w./-]+)$/.exec(head)?.[1];
    if (ref && !ref.includes('..') && existsSync(join(git, ref))) {
      const sha = readTextBounded(join(git, ref), 4096).trim();
      if (SHA.test(sha)) revision = sha;
    }
    const config = existsSync(join(git, 'config')) ? readTextBounded(join(git, 'config'), 65536) : '';
    const repoId = HF_REMOTE.exec(config)?.[1];
    return { ...(repoId ? { repoId } : {}), ...(revision ? { revision } : {}) };
  } catch {
    return {};
  }
}
