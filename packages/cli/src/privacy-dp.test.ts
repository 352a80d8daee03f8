import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runMain } from '@palisade/testing';
import { main } from './main.ts';

function run(args: string[]) {
  return runMain(main, args);
}

function dataset(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-dp-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const csv = join(dir, 'patients.csv');
  const rows = ['patient_id,age,diagnosis'];
  for (let i = 0; i < 400; i++) rows.push(`p${i % 200},${30 + (i % 40)},${['A', 'B', 'C'][i % 3]}`);
  writeFileSync(csv, rows.join('\n'));
  return { csv, ledger: join(dir, 'ledger', 'budget.sqlite') };
}

test('dp releases noisy statistics, reports the budget as gate facts, and refuses to overspend (exit 1)', async (t) => {
  const { csv, ledger } = dataset(t);
  const first = await run([
    'dp',
    csv,
    '--query',
    'count',
    '--epsilon',
    '0.5',
    '--budget',
    '1',
    '--ledger',
    ledger,
    '--format',
    'json',
  ]);
  assert.equal(first.code, 0, first.err);
  const release = JSON.parse(first.out);
  assert.equal(release.query, 'count');
  assert.match(release.digest, /^sha256:[0-9a-f]{64}$/);
  assert.ok(Math.abs(release.value - 400) < 40, `noisy count ${release.value}`);
  assert.equal(release.noiseScale, 2);
  assert.equal(release.facts.privacy.epsilonSpent, 0.5);

  const mean = await run([
    'dp',
    csv,
    '--query',
    'mean(age)',
    '--bounds',
    '0,100',
    '--epsilon',
    '0.4',
    '--privacy-unit',
    'patient_id',
    '--max-contributions',
    '2',
    '--ledger',
    ledger,
  ]);
  assert.equal(mean.code, 0, mean.err);
  assert.match(mean.out, /^mean\(age\) ≈ /);
  assert.match(mean.out, /spent ε = 0\.9 of 1 \(2 releases\)/);

  const refused = await run([
    'dp',
    csv,
    '--query',
    'histogram(diagnosis)',
    '--categories',
    'A,B,C',
    '--epsilon',
    '0.2',
    '--ledger',
    ledger,
  ]);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /would exceed the dataset's privacy budget/);
  assert.equal(refused.out, '', 'nothing is released');

  const gaussian = await run([
    'dp',
    csv,
    '--query',
    'histogram(diagnosis)',
    '--categories',
    'A,B,C',
    '--epsilon',
    '0.1',
    '--mechanism',
    'gaussian',
    '--delta',
    '1e-7',
    '--ledger',
    ledger,
    '--budget',
    '1',
  ]);
  assert.equal(gaussian.code, 1, 'δ is over budget too (the budget has δ = 0)');
});

test('dp usage errors exit 2: no budget yet, missing bounds, bad mechanism, text input', async (t) => {
  const { csv, ledger } = dataset(t);
  assert.equal((await run(['dp', csv, '--query', 'count', '--epsilon', '1', '--ledger', ledger])).code, 2);
  const common = ['--epsilon', '1', '--budget', '5', '--ledger', ledger];
  assert.equal((await run(['dp', csv, '--query', 'sum(age)', ...common])).code, 2);
  assert.equal((await run(['dp', csv, '--query', 'count', '--mechanism', 'exponential', ...common])).code, 2);
  assert.equal((await run(['dp', csv, '--query', 'count', '--max-contributions', '2', ...common])).code, 2);
  assert.equal((await run(['dp', csv, '--query', 'nonsense', ...common])).code, 2);
  const ok = await run(['dp', csv, '--query', 'count', ...common]);
  assert.match(ok.out, /spent ε = 1 of 5 \(1 releases\)/, 'the refused requests spent nothing');
});
