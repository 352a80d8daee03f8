import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { runCli, scratchDir } from './trust-helpers.test.ts';

const LINEAR = resolve(import.meta.dirname, '../../trust/fixtures/linear.onnx');
const W = [0.5, -2, 3, 0, 1.5];

/** Rows for y = x·w + 0.25 (the linear.onnx fixture), with the label column first. */
function data(dir: string): { path: string; rows: number[][] } {
  const rows = Array.from({ length: 40 }, (_, r) =>
    W.map((_, i) => Math.round(Math.sin(r * 7 + i * 3) * 100) / 50),
  );
  const lines = [
    'y,a,b,c,d,e',
    ...rows.map((x) => [x.reduce((s, v, i) => s + v * (W[i] as number), 0.25), ...x].join(',')),
  ];
  const path = join(dir, 'rows.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, rows };
}

test('palisade explain: Kernel SHAP values follow the linear rule; permutation importance ranks the weights', async (t) => {
  const { path, rows } = data(scratchDir(t));
  const { code, out, err } = await runCli([
    'explain',
    LINEAR,
    '--data',
    path,
    '--label',
    'y',
    '--rows',
    '3',
    '--format',
    'json',
  ]);
  assert.equal(code, 0, err);
  const report = JSON.parse(out);
  assert.deepEqual(report.features, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(report.backgroundRows, 40);
  const means = W.map((_, i) => rows.reduce((s, x) => s + (x[i] as number), 0) / rows.length);
  for (const row of report.rows) {
    const x = rows[row.row] as number[];
    row.values.forEach((v: number, i: number) => {
      assert.ok(
        Math.abs(v - (W[i] as number) * ((x[i] as number) - (means[i] as number))) < 1e-5,
        `row ${row.row} feature ${i}`,
      );
    });
  }
  const importance = report.permutationImportance;
  assert.equal(importance.scoring, 'r2');
  assert.ok(Math.abs(importance.baseline - 1) < 1e-9);
  assert.equal(importance.importances[3].mean, 0);
  assert.ok(importance.importances[2].mean > importance.importances[0].mean);
});

test('palisade explain: text output and clear usage errors', async (t) => {
  const { path } = data(scratchDir(t));
  const text = await runCli(['explain', LINEAR, '--data', path, '--label', 'y', '--rows', '2']);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /Kernel SHAP \(budget 2058 coalitions\) against 40 background rows/);
  assert.match(text.out, /^c\s+\d/m);
  const permutation = await runCli([
    'explain',
    LINEAR,
    '--data',
    path,
    '--rows',
    '1',
    '--method',
    'permutation',
    '--label',
    'y',
  ]);
  assert.equal(permutation.code, 0, permutation.err);
  assert.match(permutation.out, /permutation SHAP \(max_evals 500\)/);
  const noData = await runCli(['explain', LINEAR]);
  assert.equal(noData.code, 2);
  assert.match(noData.err, /needs --data/);
  const wrongWidth = await runCli(['explain', LINEAR, '--data', path]);
  assert.equal(wrongWidth.code, 2);
  assert.match(wrongWidth.err, /takes 5 inputs but 6 feature columns/);
  const missingModel = await runCli(['explain', join(path, 'nope.onnx'), '--data', path, '--label', 'y']);
  assert.equal(missingModel.code, 2);
});
