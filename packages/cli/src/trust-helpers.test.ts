import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '@palisade/testing';
import { main } from './main.ts';

/** Runs the CLI in-process with captured output (shared by the trust command tests). */
export function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runMain(main, args);
}

export function scratchDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-cli-trust-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
