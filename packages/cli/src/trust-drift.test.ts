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
