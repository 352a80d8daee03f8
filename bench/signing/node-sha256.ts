/**
 * The "one node process" reference of bench/signing/run.ts: SHA-256 of every file listed (one path a line) in
 * the file given as argument, one after the other on one thread, with 1 MiB blocking reads — the plain loop
 * anyone would write, independent of Palisade's code. Prints `hex  path` lines like sha256sum.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const list = process.argv[2];
if (list === undefined) throw new Error('usage: node node-sha256.ts PATH-LIST');
const buffer = Buffer.allocUnsafe(1 << 20);
const lines: string[] = [];
for (const path of readFileSync(list, 'utf8').split('\n').filter(Boolean)) {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  closeSync(fd);
  lines.push(`${hash.digest('hex')}  ${path}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
