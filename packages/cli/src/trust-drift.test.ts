import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { runCli, scratchDir } from './trust-helpers.test.ts';

const STATS = resolve(import.meta.dirname, '../../../../shared/vectors/ml/stats');
const samples: Record<string, number[]> = JSON.parse(readFileSync(join(STATS, 'samples.json'), 'utf8'));
const oracles = JSON.parse(readFileSync(join(STATS, 'stat_oracles.json'), 'utf8'));

/** Reference and current CSVs: `x` shifts (n1 vs n2), `same` does not, `g` is a label column. */
function files(dir: string): { reference: string; current: string } {
  const n1 = samples.n1 as number[];
  const n2 = samples.n2 as number[];
  const reference = join(dir, 'reference.csv');
  const current = join(dir, 'current.csv');
  writeFileSync(
    reference,
    ['x,same,g', ...n1.map((v, i) => `${v},${i % 4},${i % 3 ? 'a' : 'b'}`)].join('\n'),
  );
  writeFileSync(current, ['x,same,g', ...n2.map((v, i) => `${v},${i % 4},${i % 3 ? 'a' : 'b'}`)].join('\n'));
  return { reference, current };
}

test('palisade drift --format json: per-column test, statistic, p-value, verdict and datasetDrift', async (t) => {
  const { reference, current } = files(scratchDir(t));
  const { code, out, err } = await runCli([
    'drift',
    '--reference',
    reference,
    '--current',
    current,
    '--format',
    'json',
  ]);
  assert.equal(code, 0, err);
  const report = JSON.parse(out);
  const x = report.columns.find((c: { column: string }) => c.column === 'x');
  assert.equal(x.test, 'ks');
  assert.equal(x.statistic, oracles.ks_2samp['100v120'].exact[0]);
  assert.ok(Math.abs(x.pValue - oracles.ks_2samp['100v120'].exact[1]) < 1e-15);
  assert.equal(x.drift, true);
  const same = report.columns.find((c: { column: string }) => c.column === 'same');
  assert.equal(same.test, 'chisquare');
  assert.equal(same.drift, false);
  assert.equal(report.columns.find((c: { column: string }) => c.column === 'g').test, 'z');
  assert.equal(report.datasetDrift, false);
  assert.deepEqual(report.facts.drift.metrics.datasetDrift, 0);
  assert.equal(report.facts.drift.status, 'passed');
});

test('palisade drift: text table, --fail-on-drift, and usage errors exit 2 with a hint', async (t) => {
  const { reference, current } = files(scratchDir(t));
  const text = await runCli(['drift', '-r', reference, '-c', current, '--columns', 'x', '--fail-on-drift']);
  assert.equal(text.code, 1);
  assert.match(text.out, /x\s+numeric\s+ks\s+0\.1867\s+0\.0390\s+0\.050\s+DRIFT/);
  assert.match(text.out, /DATASET DRIFT/);
  const threaded = await runCli([
    'drift',
    '-r',
    reference,
    '-c',
    current,
    '--columns',
    'x',
    '--threads',
    '2',
  ]);
  assert.equal(threaded.out, text.out);
  const badThreads = await runCli(['drift', '-r', reference, '-c', current, '--threads', '0']);
  assert.equal(badThreads.code, 2);
  const missing = await runCli(['drift', '--reference', reference]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /needs --current/);
  const badTest = await runCli(['drift', '-r', reference, '-c', current, '--test', 'magic']);
  assert.equal(badTest.code, 2);
  assert.match(badTest.err, /--test takes one of ks, chisquare/);
  const wrongKind = await runCli(['drift', '-r', reference, '-c', current, '--column-test', 'g=ks']);
  assert.equal(wrongKind.code, 2);
  const absent = await runCli(['drift', '-r', join(reference, 'nope.csv'), '-c', current]);
  assert.equal(absent.code, 2);
});

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('palisade drift --timestamp: windows over ISO dates, with alerts from reference-chunk thresholds', async (t) => {
  const dir = scratchDir(t);
  const day = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString();
  const reference = join(dir, 'reference.csv');
  const current = join(dir, 'current.csv');
  // Reference: m1 and m2 (N(0.05, 1) moved back to N(0, 1)), 5,000 hours; current: 3,000 hours of N(0, 1) from a
  // seeded generator, the last fifth shifted by 1.
  const referenceValues = [...(samples.m1 as number[]), ...(samples.m2 as number[]).map((v) => v - 0.05)];
  writeFileSync(reference, ['x,when', ...referenceValues.map((v, i) => `${v},${day(i)}`)].join('\n'));
  const random = mulberry32(7);
  const currentValues = Array.from(
    { length: 3000 },
    (_, i) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()) + (i >= 2400 ? 1 : 0),
  );
  writeFileSync(current, ['x,when', ...currentValues.map((v, i) => `${v},${day(10_000 + i)}`)].join('\n'));
  const args = ['drift', '-r', reference, '-c', current, '--timestamp', 'when', '--windows', '10'];
  const { code, out, err } = await runCli([...args, '--format', 'json']);
  assert.equal(code, 0, err);
  const report = JSON.parse(out);
  assert.deepEqual(
    report.columns.map((c: { column: string }) => c.column),
    ['x'],
  );
  assert.equal(report.windows.windowRows, 300);
  assert.equal(report.windows.windows[0].start, day(10_000));
  assert.deepEqual(
    report.windows.windows.map((w: { alerts: number }) => w.alerts),
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
  );
  assert.equal(report.facts.drift.metrics.windowAlerts, 2);
  const text = await runCli(args);
  assert.match(text.out, /^10\s+2027-06-14T04:00:00.000Z\s+2027-06-26T15:00:00.000Z\s+300\s+1\s+x$/m);
  const noStamp = await runCli(['drift', '-r', reference, '-c', current, '--windows', '5']);
  assert.equal(noStamp.code, 2);
});
