import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PalisadeError } from '@palisade/core';
import { SigningError } from '../errors.ts';
import type { HashType } from './hash.ts';
import { type HashProgressListener, type HashTask, hashInParallel } from './hash-pool.ts';
import { compareItems } from './order.ts';

/** Paths the reference tool ignores at the model root unless told otherwise (`--no-ignore-git-paths`). */
export const DEFAULT_IGNORE_PATHS: readonly string[] = ['.git', '.gitattributes', '.github', '.gitignore'];

/** Below this many bytes a model is hashed on the calling thread: starting workers would cost more. */
const PARALLEL_FROM_BYTES = 64 << 20;

/** The reference's default shard size: decimal 1 GB. */
export const DEFAULT_SHARD_SIZE = 1_000_000_000;

export type SerializationMethod = 'files' | 'shards';

export interface Serialization {
  readonly method: SerializationMethod;
  readonly hashType: HashType;
  readonly allowSymlinks: boolean;
  /** Only for `shards`. */
  readonly shardSize?: number;
  /** Ignore paths relative to the model root, `/`-separated (what goes into the signed predicate). */
  readonly ignorePaths: readonly string[];
}

export interface Resource {
  readonly name: string;
  readonly algorithm: string;
  readonly digest: string;
}

export interface Manifest {
  /** Basename of the model path: the statement's subject name. */
  readonly subjectName: string;
  readonly serialization: Serialization;
  /** In the reference order (path components, then shard offsets). */
  readonly resources: readonly Resource[];
  /** SHA-256 over the concatenated binary digests, in listed order. */
  readonly rootDigest: string;
}

export interface SerializeOptions {
  readonly method?: SerializationMethod;
  readonly hashType?: HashType;
  readonly shardSize?: number;
  /** Follow symlinks and hash the target under the link's name (default false: a symlink is an error). */
  readonly allowSymlinks?: boolean;
  /**
   * Paths excluded with their subtrees. Relative paths are relative to the model root; absolute paths are
   * made relative to it, and dropped when outside it.
   */
  readonly ignorePaths?: readonly string[];
  /** Add `.git`, `.gitattributes`, `.github`, `.gitignore` at the root (default true). */
  readonly ignoreGitPaths?: boolean;
  /**
   * Hashing threads. Default: one per core for models of 64 MiB or more, else the calling thread only; an
   * explicit value is always honoured (1 = no worker threads).
   */
  readonly concurrency?: number;
  /** Hears the bytes and resources hashed so far, from 0 to the totals (the CLI draws it on a TTY). */
  readonly onProgress?: HashProgressListener;
  /** Hash only these resource file paths (verification with unsigned files ignored). */
  readonly onlyPaths?: ReadonlySet<string>;
}

interface FileEntry {
  /** Relative POSIX path, or `.` for a single-file model. */
  readonly name: string;
  readonly realPath: string;
  readonly size: number;
}

/** Collapses `.`, repeated and trailing `/`; rejects `..` escapes. Returns undefined for paths outside the root. */
export function canonicalRelativePath(path: string): string | undefined {
  const parts: string[] = [];
  for (const part of path.replaceAll('\\', '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

function resolveIgnorePaths(root: string, options: SerializeOptions): string[] {
  const out = new Set<string>();
  if (options.ignoreGitPaths ?? true) for (const path of DEFAULT_IGNORE_PATHS) out.add(path);
  for (const path of options.ignorePaths ?? []) {
    const rel = isAbsolute(path) ? relative(root, path) : path;
    if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) continue;
    const canonical = canonicalRelativePath(rel);
    if (canonical === undefined || canonical === '') continue;
    out.add(canonical);
  }
  return [...out].sort();
}

function isIgnored(rel: string, ignore: readonly string[]): boolean {
  for (const path of ignore) if (rel === path || rel.startsWith(`${path}/`)) return true;
  return false;
}

function listFiles(root: string, allowSymlinks: boolean, ignore: readonly string[]): FileEntry[] {
  let rootInfo: Stats;
  try {
    rootInfo = statSync(root);
  } catch (error) {
    throw new PalisadeError('INPUT_NOT_FOUND', `No such file or directory: ${root}`, { cause: error });
  }
  if (rootInfo.isFile()) return [{ name: '.', realPath: root, size: rootInfo.size }];
  if (!rootInfo.isDirectory()) {
    throw new SigningError('SPECIAL_FILE', `${root} is neither a regular file nor a directory`);
  }
  const files: FileEntry[] = [];
  const active = new Set<string>();
  const visit = (dir: string, rel: string): void => {
    const real = realpathSync(dir);
    if (active.has(real))
      throw new SigningError('SYMLINK_NOT_ALLOWED', `Symlink cycle at ${join(root, rel)}`);
    active.add(real);
    for (const name of readdirSync(dir)) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      if (isIgnored(relPath, ignore)) continue;
      const full = join(dir, name);
      let info = lstatSync(full);
      let target = full;
      if (info.isSymbolicLink()) {
        if (!allowSymlinks) {
          throw new SigningError(
            'SYMLINK_NOT_ALLOWED',
            `${join(root, relPath)} is a symlink; symlinks are refused unless allowed (allow_symlinks)`,
          );
        }
        try {
          info = statSync(full);
          target = realpathSync(full);
        } catch (error) {
          throw new SigningError('SPECIAL_FILE', `${join(root, relPath)} is a broken symlink`, {
            cause: error,
          });
        }
      }
      if (info.isDirectory()) visit(target, relPath);
      else if (info.isFile()) files.push({ name: relPath, realPath: target, size: info.size });
      else throw new SigningError('SPECIAL_FILE', `${join(root, relPath)} is a device, socket or FIFO`);
    }
    active.delete(real);
  };
  visit(root, '');
  return files;
}

/** SHA-256 over the concatenated binary digests in the given order (whatever the resources' hash type). */
export function rootDigest(resources: readonly Resource[]): string {
  const hash = createHash('sha256');
  for (const resource of resources) hash.update(Buffer.from(resource.digest, 'hex'));
  return hash.digest('hex');
}

/** The `algorithm` string the reference writes for a resource. */
export function resourceAlgorithm(
  serialization: Pick<Serialization, 'method' | 'hashType' | 'shardSize'>,
): string {
  return serialization.method === 'shards'
    ? `${serialization.hashType}-sharded-${serialization.shardSize ?? DEFAULT_SHARD_SIZE}`
    : serialization.hashType;
}

/**
 * Serializes a model (a file or a directory) into OMS resources exactly as the reference `model_signing` does:
 * per-file or sharded digests, the reference ordering and the root digest.
 */
export async function serializeModel(modelPath: string, options: SerializeOptions = {}): Promise<Manifest> {
  const root = resolve(modelPath);
  const method = options.method ?? 'files';
  const hashType = options.hashType ?? 'sha256';
  const shardSize = options.shardSize ?? DEFAULT_SHARD_SIZE;
  if (method === 'shards' && (!Number.isSafeInteger(shardSize) || shardSize <= 0)) {
    throw new PalisadeError('USAGE', `Shard size must be a positive integer, got ${shardSize}`);
  }
  const allowSymlinks = options.allowSymlinks ?? false;
  const ignorePaths = resolveIgnorePaths(root, options);
  const serialization: Serialization = {
    method,
    hashType,
    allowSymlinks,
    ignorePaths,
    ...(method === 'shards' ? { shardSize } : {}),
  };
  const algorithm = resourceAlgorithm(serialization);
  let files = listFiles(root, allowSymlinks, ignorePaths);
  if (options.onlyPaths) {
    const only = options.onlyPaths;
    files = files.filter((file) => only.has(file.name));
  }

  const items: { path: string; start?: number; end?: number; file: FileEntry }[] = [];
  for (const file of files) {
    if (method === 'files') {
      items.push({ path: file.name, file });
      continue;
    }
    for (let start = 0; start < file.size; start += shardSize) {
      items.push({ path: file.name, start, end: Math.min(file.size, start + shardSize), file });
    }
  }
  items.sort(compareItems);
  const tasks: HashTask[] = items.map((item) =>
    item.start === undefined || item.end === undefined
      ? { path: item.file.realPath, hashType, size: item.file.size }
      : { path: item.file.realPath, hashType, start: item.start, end: item.end, size: item.end - item.start },
  );
  const bytes = tasks.reduce((sum, task) => sum + task.size, 0);
  const digests = await hashInParallel(tasks, {
    threads: options.concurrency ?? (bytes >= PARALLEL_FROM_BYTES ? availableParallelism() : 1),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const resources = items.map((item, index) => ({
    name: method === 'files' ? item.path : `${item.path}:${item.start}:${item.end}`,
    algorithm,
    digest: digests[index] ?? '',
  }));
  return { subjectName: basename(root), serialization, resources, rootDigest: rootDigest(resources) };
}
