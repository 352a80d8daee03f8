import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrivacyBudgetLedger } from './budget-ledger.ts';
import { addNoise, gaussianVariance, laplaceScale } from './mechanisms.ts';
import { parseQuery, releaseStatistic } from './queries.ts';
import { SeededTestRandom } from './random.ts';
import { toNumber } from './rational.ts';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-dp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('calibration: Laplace b = Δ₁/ε exactly; Gaussian σ meets (ε, δ) through zCDP', () => {
  assert.equal(toNumber(laplaceScale(3n, 0.5)), 6);
  assert.equal(toNumber(laplaceScale(1n, 0.1)), 1 / 0.1);
  for (const [epsilon, delta] of [
    [1, 1e-6],
    [0.1, 1e-9],
    [4, 1e-5],
  ] as const) {
    const s2 = toNumber(gaussianVariance(1n, { epsilon, delta }));
    const rho = 1 / (2 * s2);
    assert.ok(rho + 2 * Math.sqrt(rho * Math.log(1 / delta)) <= epsilon, `ε=${epsilon}`);
    assert.ok(rho + 2 * Math.sqrt(rho * Math.log(1 / delta)) > epsilon * 0.999, 'and does not waste budget');
  }
});

test('the Laplace mechanism adds noise of scale Δ₁/ε around the true value', () => {
  const random = new SeededTestRandom('mechanism');
  const samples = Array.from(
    { length: 20_000 },
    () =>
      Number(addNoise(1000n, 'laplace', { l1: 1n, l2: 1n }, { epsilon: 0.5, delta: 0 }, random).value) - 1000,
  );
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const r = Math.exp(-0.5);
  const variance = (2 * r) / (1 - r) ** 2;
  const observed = samples.reduce((a, b) => a + b * b, 0) / samples.length;
  assert.ok(Math.abs(mean) < 4 * Math.sqrt(variance / samples.length), `unbiased: ${mean}`);
  assert.ok(Math.abs(observed / variance - 1) < 0.06, `variance ${observed} vs ${variance}`);
  assert.throws(
    () => addNoise(1n, 'laplace', { l1: 1n, l2: 1n }, { epsilon: 0, delta: 0 }, random),
    /epsilon/,
  );
  assert.throws(
    () => addNoise(1n, 'gaussian', { l1: 1n, l2: 1n }, { epsilon: 1, delta: 0 }, random),
    /delta/,
  );
});

test('queries parse; unknown ones are usage errors', () => {
  assert.deepEqual(parseQuery('count'), { kind: 'count' });
  assert.deepEqual(parseQuery('mean(age)'), { kind: 'mean', column: 'age' });
  assert.deepEqual(parseQuery('quantile(income, 0.9)'), { kind: 'quantile', column: 'income', q: 0.9 });
  assert.deepEqual(parseQuery('median(x)'), { kind: 'quantile', column: 'x', q: 0.5 });
  assert.throws(() => parseQuery('drop table'), /Unknown query/);
  assert.throws(() => parseQuery('quantile(x, 2)'), /0 ≤ q ≤ 1/);
});

test('count, sum, mean, histogram and quantile on a dataset, with contribution bounding', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'people.csv');
  const rows = ['user,age,sex'];
  for (let i = 0; i < 1000; i++) rows.push(`u${i},${20 + (i % 50)},${i % 3 === 0 ? 'F' : 'M'}`);
  for (let i = 0; i < 500; i++) rows.push(`heavy,${200},M`); // one person with 500 records
  writeFileSync(path, rows.join('\n'));
  const random = new SeededTestRandom('queries');
  const release = (query: string, extra: object = {}) =>
    releaseStatistic(path, {
      query: parseQuery(query),
      mechanism: 'laplace',
      epsilon: 50,
      delta: 0,
      random,
      ...extra,
    });

  const all = await release('count');
  assert.ok(Math.abs((all.value ?? 0) - 1500) < 5);
  const bounded = await release('count', { privacyUnit: 'user', maxContributions: 1 });
  assert.ok(Math.abs((bounded.value ?? 0) - 1001) < 5, `one record per person: ${bounded.value}`);
  const sum = await release('sum(age)', { bounds: [0, 100], privacyUnit: 'user' });
  const exactSum = Array.from({ length: 1000 }, (_, i) => 20 + (i % 50)).reduce((a, b) => a + b, 0) + 100;
  assert.ok(
    Math.abs((sum.value ?? 0) - exactSum) < 30,
    `sum ${sum.value} vs ${exactSum} (200 clamped to 100)`,
  );
  const mean = await release('mean(age)', { bounds: [0, 100], privacyUnit: 'user' });
  assert.ok(Math.abs((mean.value ?? 0) - exactSum / 1001) < 0.5);
  const hist = await release('histogram(sex)', { categories: ['F', 'M'] });
  assert.deepEqual(
    hist.bins?.map((b) => b.label),
    ['F', 'M', '(other)'],
  );
  assert.ok(Math.abs((hist.bins?.[0]?.count ?? 0) - 334) < 5);
  const median = await release('median(age)', { bounds: [0, 100], privacyUnit: 'user' });
  assert.ok(Math.abs((median.value ?? 0) - 45) < 2, `median ${median.value}`);
  await assert.rejects(release('sum(age)'), /bounds/);
  await assert.rejects(release('count', { maxContributions: 0 }), /contributions/);
});

test('the budget ledger refuses a release that would overspend, atomically, and fixes the budget once set', async (t) => {
  const dir = tempDir(t);
  const ledger = await PrivacyBudgetLedger.open(join(dir, 'budget.sqlite'));
  t.after(() => ledger.close());
  const release = (epsilon: number, delta = 0) => ({
    query: 'count',
    mechanism: 'laplace',
    cost: { epsilon, delta },
  });
  assert.throws(() => ledger.charge('sha256:aa', release(0.5)), /no privacy budget/);
  ledger.charge('sha256:aa', release(0.5), { epsilon: 1, delta: 1e-6 });
  ledger.charge('sha256:aa', release(0.3));
  ledger.charge('sha256:aa', release(0.1, 1e-6));
  assert.throws(() => ledger.charge('sha256:aa', release(0.2)), { code: 'LIMIT_EXCEEDED' });
  assert.throws(
    () => ledger.charge('sha256:aa', release(0.05, 1e-7)),
    { code: 'LIMIT_EXCEEDED' },
    'δ is budgeted too',
  );
  ledger.charge('sha256:aa', release(0.1), { epsilon: 1, delta: 1e-6 });
  const status = ledger.status('sha256:aa');
  assert.equal(status?.releases, 4);
  assert.ok(Math.abs((status?.spent.epsilon ?? 0) - 1) < 1e-12);
  assert.throws(() => ledger.charge('sha256:aa', release(0.0001)), /exceed/);
  assert.throws(() => ledger.charge('sha256:aa', release(0.1), { epsilon: 5, delta: 0 }), /fixed/);
  assert.equal(ledger.status('sha256:bb'), undefined, 'budgets are per dataset');
  const reopened = await PrivacyBudgetLedger.open(join(dir, 'budget.sqlite'));
  assert.equal(reopened.status('sha256:aa')?.releases, 4, 'the ledger persists');
  reopened.close();
});
