// Provenance benchmark (issue 7): signs N SLSA training-provenance statements (DSSE, Ed25519), appends them to a
// fresh SQLite ledger, indexes them, then asks findProvenance and lineage at random; prints the figures beside the
// machine's raw Ed25519 signing rate for the same number of statements.
//   node bench/provenance/run.ts [--entries 20000] [--batch 1000]
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  dsseSigner,
  dsseVerifier,
  findProvenance,
  lineage,
  SqliteLogStore,
  signStatement,
  syncIndex,
  TransparencyLog,
  trainingProvenance,
} from '../../packages/ledger/src/index.ts';

const { values } = parseArgs({
  options: { entries: { type: 'string', default: '20000' }, batch: { type: 'string', default: '1000' } },
});
const entries = Number(values.entries);
const batch = Number(values.batch);
const work = path.join(import.meta.dirname, '..', '.work', 'provenance');
mkdirSync(work, { recursive: true });
const db = path.join(work, 'bench.db');
for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });

const keys = generateKeyPairSync('ed25519');
const signer = dsseSigner(keys.privateKey);
const trusted = [dsseVerifier(keys.publicKey)];
const digest = (text: string): string => createHash('sha256').update(text).digest('hex');
const CHAINS = 100;
/** Model i is fine-tuned from model i − CHAINS (100 chains of fine-tunes), on 3 of 50 datasets, at one commit. */
function statement(i: number) {
  return trainingProvenance({
    model: { name: `model-${i}`, sha256: digest(`model-${i}`) },
    datasets: [0, 1, 2].map((k) => ({
      name: `data-${(i + k * 17) % 50}`,
      sha256: digest(`data-${(i + k * 17) % 50}`),
    })),
    code: { uri: 'git+https://example.com/train.git', gitCommit: digest(`commit-${i % 10}`).slice(0, 40) },
    ...(i >= CHAINS ? { baseModel: { sha256: digest(`model-${i - CHAINS}`) } } : {}),
    builderId: 'https://ci.example/runner',
  });
}

const store = new SqliteLogStore(db);
const log = new TransparencyLog(store, 'ledger.bench/provenance');
let bytes = 0;
const appendStart = performance.now();
for (let i = 0; i < entries; i += batch) {
  const signed = Array.from({ length: Math.min(batch, entries - i) }, (_, k) =>
    signStatement(statement(i + k), signer),
  );
  for (const entry of signed) bytes += entry.length;
  log.append(signed);
}
const appendSeconds = (performance.now() - appendStart) / 1000;
const indexStart = performance.now();
syncIndex(log);
const indexSeconds = (performance.now() - indexStart) / 1000;

let seed = 12345;
const random = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};
const time = (count: number, ask: () => void): number[] => {
  const times: number[] = [];
  for (let k = 0; k < count; k++) {
    const t = performance.now();
    ask();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b);
};
const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
let verified = 0;
const lookups = time(1_000, () => {
  if (findProvenance(log, digest(`model-${random(entries)}`), { keys: trusted }).verified) verified++;
});
let depth = 0;
const walks = time(100, () => {
  depth = Math.max(depth, lineage(log, digest(`model-${entries - 1 - random(CHAINS)}`)).ancestors.length);
});
store.close();

// The physical floor of the signing part: raw Ed25519 signatures over statements of the same size.
const sample = Buffer.alloc(Math.round(bytes / entries));
const signStart = performance.now();
for (let i = 0; i < entries; i++) sign(null, sample, keys.privateKey);
const signSeconds = (performance.now() - signStart) / 1000;

let size = 0;
for (const suffix of ['', '-wal']) {
  try {
    size += statSync(db + suffix).size;
  } catch {}
}
const ms = (x: number): string => `${x.toFixed(3)} ms`;
console.log(
  `statements              ${entries} SLSA provenance, ${Math.round(bytes / entries)} B each signed`,
);
console.log(
  `signed + appended/s     ${Math.round(entries / appendSeconds)}  (${appendSeconds.toFixed(2)} s)`,
);
console.log(`raw Ed25519 signs/s     ${Math.round(entries / signSeconds)}  (${signSeconds.toFixed(2)} s)`);
console.log(
  `index catch-up          ${Math.round(entries / indexSeconds)} entries/s  (${indexSeconds.toFixed(2)} s)`,
);
console.log(
  `findProvenance p50/p99  ${ms(percentile(lookups, 50))} / ${ms(percentile(lookups, 99))}  (1,000; ${verified} verified)`,
);
console.log(
  `lineage p50/p99         ${ms(percentile(walks, 50))} / ${ms(percentile(walks, 99))}  (100 chain tips, up to ${depth} ancestors)`,
);
console.log(
  `database size           ${(size / 2 ** 20).toFixed(1)} MiB = ${(size / (bytes + entries * 32)).toFixed(2)}× entry bytes + leaf hashes`,
);
