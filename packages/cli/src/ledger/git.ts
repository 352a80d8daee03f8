import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { PalisadeError } from '@palisade/core';

/** Largest git metadata file read (config, HEAD, packed-refs). */
const MAX_GIT_FILE = 16 << 20;
const COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** The code a model was trained from: repository URL (as an SLSA `git+…` URI), commit and ref. */
export interface GitSource {
  readonly uri: string;
  readonly commit: string;
  readonly ref?: string;
}

function read(path: string): string | undefined {
  try {
    if (statSync(path).size > MAX_GIT_FILE)
      throw new PalisadeError('LIMIT_EXCEEDED', `${path} is larger than ${MAX_GIT_FILE} bytes`);
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The repository's git directory: `.git` in `dir` or a parent; a `.git` file (worktree, submodule) points to it. */
function gitDir(dir: string): string {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const candidate = join(current, '.git');
    let info: ReturnType<typeof statSync> | undefined;
    try {
      info = statSync(candidate);
    } catch {
      info = undefined;
    }
    if (info?.isDirectory()) return candidate;
    if (info?.isFile()) {
      const target = /^gitdir: (.+)$/m.exec(read(candidate) ?? '')?.[1]?.trim();
      if (target === undefined) throw new PalisadeError('INPUT_INVALID', `${candidate} has no gitdir line`);
      return isAbsolute(target) ? target : resolve(current, target);
    }
    if (dirname(current) === current) {
      throw new PalisadeError(
        'INPUT_INVALID',
        `${dir} is not inside a git repository (no .git found); give --code the repository`,
      );
    }
  }
}

/** Resolves a ref (`refs/heads/main`) through loose refs, then packed-refs. */
function resolveRef(common: string, ref: string): string | undefined {
  const loose = read(join(common, ref))?.trim();
  if (loose !== undefined && COMMIT.test(loose)) return loose;
  for (const line of (read(join(common, 'packed-refs')) ?? '').split('\n')) {
    const [hash, name] = line.trim().split(' ');
    if (name === ref && hash !== undefined && COMMIT.test(hash)) return hash;
  }
  return undefined;
}

/** `git@host:org/repo.git` → `ssh://git@host/org/repo.git`; URLs with a scheme are kept. */
function asUrl(remote: string): string {
  const scp = /^([^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(remote);
  if (scp !== null && !remote.includes('://')) return `ssh://${scp[1] ?? ''}${scp[2]}/${scp[3]}`;
  return remote;
}

/** The first remote URL in git config, preferring `origin`. */
function remoteUrl(config: string): string | undefined {
  let section = '';
  const urls = new Map<string, string>();
  for (const raw of config.split('\n')) {
    const line = raw.trim();
    const header = /^\[\s*remote\s+"([^"]+)"\s*\]$/.exec(line);
    if (header !== null) {
      section = header[1] ?? '';
      continue;
    }
    if (line.startsWith('[')) {
      section = '';
      continue;
    }
    const url = /^url\s*=\s*(.+)$/.exec(line)?.[1]?.trim();
    if (section !== '' && url !== undefined && !urls.has(section)) urls.set(section, url);
  }
  return urls.get('origin') ?? urls.values().next().value;
}

/**
 * Reads the repository URL and HEAD commit of the code in `dir` from the `.git` files directly (no git binary):
 * HEAD, loose refs, packed-refs, worktree `commondir`, and `[remote "origin"] url` in config. Without a remote, the
 * URI is the repository's `file://` path. Credentials embedded in a remote URL are dropped.
 */
export function readGitSource(dir: string): GitSource {
  const git = gitDir(dir);
  const commonDir = read(join(git, 'commondir'))?.trim();
  const common = commonDir === undefined ? git : resolve(git, commonDir);
  const head = read(join(git, 'HEAD'))?.trim();
  if (head === undefined) throw new PalisadeError('INPUT_INVALID', `${git} has no HEAD`);
  let commit: string | undefined;
  let ref: string | undefined;
  if (COMMIT.test(head)) commit = head;
  else {
    ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
    if (ref === undefined)
      throw new PalisadeError('INPUT_INVALID', `${git}/HEAD is neither a commit nor a ref`);
    commit = resolveRef(git, ref) ?? resolveRef(common, ref);
  }
  if (commit === undefined)
    throw new PalisadeError(
      'INPUT_INVALID',
      `${ref} in ${dir} has no commit yet; commit the training code first`,
    );
  const remote = remoteUrl(read(join(common, 'config')) ?? '');
  let uri: string;
  if (remote === undefined) uri = `git+file://${resolve(dirname(common))}`;
  else {
    const url = asUrl(remote);
    let clean = url;
    try {
      const parsed = new URL(url);
      parsed.username = parsed.username === 'git' ? 'git' : '';
      parsed.password = '';
      clean = parsed.href;
    } catch {
      // Not a URL the WHATWG parser understands (a local path): keep it as written.
    }
    uri = clean.startsWith('git+') ? clean : `git+${clean}`;
  }
  return { uri, commit, ...(ref !== undefined ? { ref } : {}) };
}
