import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { runCli, scratchDir } from './trust-helpers.test.ts';

const ORACLES = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../../shared/vectors/ml/fairness/oracles.json'), 'utf8'),
);
const EXAMPLE = ORACLES.fairlearn_user_guide_example;

/** Fairlearn's user-guide example as a JSON-lines file, with a second feature for the intersection. */
function dataFile(dir: string): string {
  const { y_true, y_pred, sensitive_features } = EXAMPLE.inputs;
  const path = join(dir, 'scored.jsonl');
  const lines = y_true.map((y: number, i: number) =>
    JSON.stringify({ y, p: y_pred[i], sf: sensitive_features[i], age: i < 9 ? 'old' : 'young' }),
  );
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

test('palisade fairness --format json: per-group metrics and the per-feature summaries of the issue', async (t) => {
  const file = dataFile(scratchDir(t));
  const { code, out, err } = await runCli([
    'fairness',
    file,
    '--label',
    'y',
    '--prediction',
    'p',
    '--sensitive',
    'sf',
    '--sensitive',
    'age',
    '--format',
    'json',
  ]);
  assert.equal(code, 0, err);
  const report = JSON.parse(out);
  const sf = report.features[0];
  assert.equal(sf.feature, 'sf');
  assert.ok(Math.abs(sf.demographicParityDifference - EXAMPLE.demographic_parity_difference) < 1e-12);
  assert.ok(Math.abs(sf.demographicParityRatio - EXAMPLE.demographic_parity_ratio) < 1e-12);
  assert.equal(sf.equalizedOddsDifference, EXAMPLE.equalized_odds_difference);
  assert.ok(Math.abs(sf.disparateImpact - 2 / 3) < 1e-12);
  assert.equal(sf.adverseImpact, true);
  assert.equal(sf.groups.find((g: { group: string }) => g.group === 'a').metrics.falsePositiveRate, 1);
  assert.deepEqual(
    report.features.map((f: { feature: string }) => f.feature),
    ['sf', 'age', 'sf & age'],
  );
  assert.equal(report.facts.fairness.status, 'failed');
  assert.equal(report.facts.fairness.metrics.demographicParityDifference >= 0.25, true);
});

test('palisade fairness: text report, bootstrap intervals, adverse-impact exit code and usage errors', async (t) => {
  const file = dataFile(scratchDir(t));
  const text = await runCli([
    'fairness',
    file,
    '-y',
    'y',
    '-p',
    'p',
    '-s',
    'sf',
    '--bootstrap',
    '100',
    '--fail-on-adverse-impact',
  ]);
  assert.equal(text.code, 1, text.err);
  assert.match(text.out, /demographicParityDifference: 0\.2500 \[/);
  assert.match(text.out, /ADVERSE IMPACT/);
  assert.match(text.out, /Warning: sf: 3 group\(s\) have fewer than 30 rows/);
  const noSensitive = await runCli(['fairness', file, '-y', 'y', '-p', 'p']);
  assert.equal(noSensitive.code, 2);
  assert.match(noSensitive.err, /--sensitive/);
  const badColumn = await runCli(['fairness', file, '-y', 'nope', '-p', 'p', '-s', 'sf']);
  assert.equal(badColumn.code, 2);
  assert.match(badColumn.err, /label column "nope"/);
  const badPrivileged = await runCli([
    'fairness',
    file,
    '-y',
    'y',
    '-p',
    'p',
    '-s',
    'sf',
    '--privileged',
    'sf=z',
  ]);
  assert.equal(badPrivileged.code, 2);
});

test('palisade gate takes the fairness and drift JSON reports as evaluation facts', async (t) => {
  const dir = scratchDir(t);
  const file = dataFile(dir);
  const report = join(dir, 'fairness.json');
  const audit = await runCli([
    'fairness',
    file,
    '-y',
    'y',
    '-p',
    'p',
    '-s',
    'sf',
    '--format',
    'json',
    '-o',
    report,
  ]);
  assert.equal(audit.code, 0, audit.err);
  const model = join(dir, 'model.bin');
  writeFileSync(model, 'weights');
  const gate = await runCli([
    'gate',
    model,
    '--policy',
    'eu-ai-act-high-risk',
    '--evaluation',
    report,
    '--format',
    'json',
  ]);
  assert.ok(gate.code === 0 || gate.code === 1, gate.err);
  const decision = JSON.stringify(JSON.parse(gate.out));
  // The audit found adverse impact, so the pack's bias-examination rule reads a failed fairness evaluation.
  assert.match(
    decision,
    /art10-bias-examined[^}]*"outcome":"fail"[^}]*"evaluations\.fairness\.status":"failed"/,
  );
  assert.doesNotMatch(decision, /no fairness evaluation/);
});
