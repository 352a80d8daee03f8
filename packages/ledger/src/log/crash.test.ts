import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateEd25519Key, parseSignerKey, parseVerifierKey } from '../note/keys.ts';
import { TransparencyLog } from './log.ts';
import { SqliteLogStore } from './store.ts';

const ORIGIN = 'ledger.example/crash';
const dir = mkdtempSync(join(tmpdir(), 'palisade-ledger-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the appending child, kills it with SIGKILL `ms` after its first acknowledgement, and returns the batches it acknowledged. */
function runAndKill(path: string, ms: number): Promise<{ first: number; count: number }[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'crash-child.ts'), path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    // The clock starts at the first acknowledgement, so a slow start on a loaded machine never means no batch.
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => child.kill('SIGKILL'), 30_000); // a child that never starts cannot hang the run
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      timer ??= setTimeout(() => child.kill('SIGKILL'), ms);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      clearTimeout(giveUp);
      if (signal !== 'SIGKILL') {
        reject(new Error(`child ended without being killed: ${err}`));
        return;
      }
      const acks = out
        .split('\n')
        .slice(0, -1) // a last line without its newline was never fully acknowledged
        .map((line) => {
          const [, first = '', count = ''] = line.split(' ');
          return { first: Number(first), count: Number(count) };
        });
      resolve(acks);
    });
  });
}

test('SIGKILL during appends never loses an acknowledged batch nor breaks the log', async () => {
  const path = join(dir, 'crash.db');
  const { skey, vkey } = generateEd25519Key(ORIGIN);
  const policy = { log: parseVerifierKey(vkey) };
  const acknowledged: { first: number; count: number }[] = [];
  const deadline = Date.now() + 3000;
  for (let round = 0; round < 6 && Date.now() < deadline; round++) {
    acknowledged.push(...(await runAndKill(path, 250 + ((round * 97) % 200))));
    const store = new SqliteLogStore(path);
    const log = new TransparencyLog(store, ORIGIN);
    const last = acknowledged.at(-1);
    if (last !== undefined)
      assert.ok(log.size >= last.first + last.count, `round ${round}: lost acknowledged entries`);
    const result = log.verify(policy);
    assert.deepEqual(result.problems, [], `round ${round}`);
    // Every entry present is the one the child wrote at that index, acknowledged or not.
    const decoder = new TextDecoder();
    for (const row of store.scanEntries()) assert.equal(decoder.decode(row.entry), `entry ${row.index}`);
    log.checkpoint(parseSignerKey(skey));
    store.close();
  }
  assert.ok(acknowledged.length > 0, 'the child acknowledged no batch');
});
