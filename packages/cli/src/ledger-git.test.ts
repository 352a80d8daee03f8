import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readGitSource } from './ledger/git.ts';

function repo(t: { after: (fn: () => void) => void }, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-git-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

test('a loose ref wins over packed-refs; an scp-style remote becomes an ssh URL', (t) => {
  const dir = repo(t, {
    '.git/HEAD': 'ref: refs/heads/dev\n',
    '.git/refs/heads/dev': `${A}\n`,
    '.git/packed-refs': `${B} refs/heads/dev\n`,
    '.git/config':
      '[remote "origin"]\n\turl = git@github.com:acme/train.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n',
    'src/train.py': 'print()\n',
  });
  assert.deepEqual(readGitSource(join(dir, 'src')), {
    uri: 'git+ssh://git@github.com/acme/train.git',
    commit: A,
    ref: 'refs/heads/dev',
  });
});

test('a detached HEAD has no ref; without a remote the URI is the local path', (t) => {
  const dir = repo(t, { '.git/HEAD': `${B}\n`, '.git/config': '[core]\n\tbare = false\n' });
  const source = readGitSource(dir);
  assert.equal(source.commit, B);
  assert.equal(source.ref, undefined);
  assert.match(source.uri, /^git\+file:\/\/\/.*palisade-git-/);
});

test('a worktree .git file is followed to its gitdir and commondir', (t) => {
  const dir = repo(t, {
    'main/.git/config': '[remote "origin"]\n\turl = https://example.com/r.git\n',
    'main/.git/packed-refs': `${A} refs/heads/feature\n`,
    'main/.git/worktrees/wt/HEAD': 'ref: refs/heads/feature\n',
    'main/.git/worktrees/wt/commondir': '../..\n',
    'wt/.git': 'gitdir: ../main/.git/worktrees/wt\n',
  });
  assert.deepEqual(readGitSource(join(dir, 'wt')), {
    uri: 'git+https://example.com/r.git',
    commit: A,
    ref: 'refs/heads/feature',
  });
});

test('no repository, an unborn branch and a garbage HEAD are input errors', (t) => {
  const empty = repo(t, { 'x.txt': '' });
  // The temp directory has no .git above it (tmpdir is not inside a repository here).
  assert.throws(() => readGitSource(empty), /not inside a git repository|no commit yet/);
  const unborn = repo(t, { '.git/HEAD': 'ref: refs/heads/main\n' });
  assert.throws(() => readGitSource(unborn), /no commit yet/);
  const garbage = repo(t, { '.git/HEAD': 'hello\n' });
  assert.throws(() => readGitSource(garbage), /neither a commit nor a ref/);
});
