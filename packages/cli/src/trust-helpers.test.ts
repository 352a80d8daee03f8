import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Io } from './io.ts';
import { main } from './main.ts';

/** Runs the CLI in-process with captured output (shared by the trust command tests). */
export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => {
    stdout += d;
  });
  err.on('data', (d) => {
    stderr += d;
  });
  const io: Io = { stdout: out, stderr: err, env: {} };
  const code = await main(args, io);
  return { code, out: stdout, err: stderr };
}

export function scratchDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-cli-trust-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
