import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import type { CategoricalColumn, Column, NumericColumn, Table } from '../data/table.ts';
import { type FairnessReport, fairnessAudit } from './audit.ts';
import { benefits, generalizedEntropyIndex, theilIndex } from './inequality.ts';

const ORACLES = JSON.parse(
  readFileSync(
    resolve(import.meta.dirname, '../../../../../shared/vectors/ml/fairness/oracles.json'),
    'utf8',
  ),
);
const FAIRLEARN = ORACLES.fairlearn_user_guide_example;
const AIF360 = ORACLES.aif360_classification_metric_test;

const numeric = (name: string, values: readonly number[]): NumericColumn => ({
  name,
  kind: 'numeric',
  values: Float64Array.from(values),
});

function categorical(name: string, labels: readonly string[]): CategoricalColumn {
  const categories = [...new Set(labels)];
  return {
    name,
    kind: 'categorical',
    categories,
    codes: Int32Array.from(labels, (l) => categories.indexOf(l)),
  };
}

const table = (rowCount: number, ...columns: Column[]): Table => ({ rowCount, columns, skipped: [] });

function fairlearnTable(): Table {
  const { y_true, y_pred, sensitive_features } = FAIRLEARN.inputs;
  return table(
    y_true.length,
    numeric('y', y_true),
    numeric('p', y_pred),
    categorical('sf', sensitive_features),
  );
}

function near(
  actual: number | undefined,
  expected: number,
  what: string,
  tolerance = FAIRLEARN.tolerance,
): void {
  assert.ok(Math.abs((actual as number) - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

const FAIRLEARN_NAMES = {
  tpr: 'truePositiveRate',
  fpr: 'falsePositiveRate',
  selection_rate: 'selectionRate',
} as const;

test("Fairlearn's user-guide example: overall, by group, difference and ratio both ways, DP and EO", () => {
  const report = fairnessAudit(fairlearnTable(), { label: 'y', prediction: 'p', sensitive: ['sf'] });
  assert.equal(report.task, 'classification');
  assert.equal(report.overall.count, FAIRLEARN.overall.n);
  const feature = report.features[0] as FairnessReport['features'][number];
  for (const [key, metric] of Object.entries(FAIRLEARN_NAMES)) {
    near(report.overall.metrics[metric], FAIRLEARN.overall[key], `overall ${key}`);
    for (const [group, expected] of Object.entries(
      FAIRLEARN.by_group as Record<string, Record<string, number>>,
    )) {
      const g = feature.groups.find((x) => x.group === group);
      assert.equal(g?.count, expected.n);
      near(g?.metrics[metric], expected[key] as number, `${group} ${key}`);
    }
    const d = feature.disparities[metric];
    near(d?.difference, FAIRLEARN.difference_between_groups[key], `difference ${key}`);
    near(d?.ratio, FAIRLEARN.ratio_between_groups[key], `ratio ${key}`);
    near(d?.differenceToOverall, FAIRLEARN.difference_to_overall[key], `difference to overall ${key}`);
    near(d?.ratioToOverall, FAIRLEARN.ratio_to_overall[key], `ratio to overall ${key}`);
  }
  near(feature.summary.demographicParityDifference, FAIRLEARN.demographic_parity_difference, 'DPD');
  near(feature.summary.demographicParityRatio, FAIRLEARN.demographic_parity_ratio, 'DPR');
  near(feature.summary.equalizedOddsDifference, FAIRLEARN.equalized_odds_difference, 'EOD');
  near(feature.summary.equalizedOddsRatio, FAIRLEARN.equalized_odds_ratio, 'EOR');
  assert.equal(feature.adverseImpact, true);
  assert.deepEqual(feature.smallGroups, ['a', 'b', 'c']);
  assert.match(report.warnings.join('\n'), /fewer than 30 rows/);
  // AIF360 with a privileged: a selects 3 of 4, b and c together 7 of 14.
  const privileged = fairnessAudit(fairlearnTable(), {
    label: 'y',
    prediction: 'p',
    sensitive: ['sf'],
    privileged: { sf: 'a' },
  });
  near(privileged.features[0]?.summary.disparateImpact, 0.5 / 0.75, 'DI');
  near(privileged.features[0]?.summary.statisticalParityDifference, -0.25, 'SPD');
});

test("AIF360's generalized entropy index (α = 2) and Theil index over benefits ŷ − y + 1", () => {
  const { feature, y_true, y_pred } = AIF360.inputs;
  const b = benefits(Uint8Array.from(y_true), Uint8Array.from(y_pred));
  near(generalizedEntropyIndex(b, 2), AIF360.generalized_entropy_index_alpha_2, 'GE(2)', AIF360.tolerance);
  near(theilIndex(b), AIF360.theil_index, 'Theil', AIF360.tolerance);
  const report = fairnessAudit(table(10, numeric('f', feature), numeric('y', y_true), numeric('p', y_pred)), {
    label: 'y',
    prediction: 'p',
    sensitive: ['f'],
    privileged: { f: '2' },
  });
  near(report.theilIndex, AIF360.theil_index, 'report Theil', AIF360.tolerance);
  near(
    report.generalizedEntropyIndex,
    AIF360.generalized_entropy_index_alpha_2,
    'report GE',
    AIF360.tolerance,
  );
  // Privileged f = 2 selects 2 of 4 rows, the others 3 of 6: no disparity.
  const f = report.features[0];
  assert.equal(f?.privilegedGroup, '2');
  assert.equal(f?.summary.disparateImpact, 1);
  assert.equal(f?.summary.statisticalParityDifference, 0);
});

test('several sensitive features are audited one by one and as their intersection', () => {
  const { y_true, y_pred, sensitive_features } = FAIRLEARN.inputs;
  const half = y_true.map((_: number, i: number) => (i < 9 ? 'old' : 'young'));
  const report = fairnessAudit(
    table(
      y_true.length,
      numeric('y', y_true),
      numeric('p', y_pred),
      categorical('sf', sensitive_features),
      categorical('age', half),
    ),
    { label: 'y', prediction: 'p', sensitive: ['sf', 'age'] },
  );
  assert.deepEqual(
    report.features.map((f) => f.feature),
    ['sf', 'age', 'sf & age'],
  );
  const intersection = report.features[2];
  assert.equal(
    intersection?.groups.reduce((s, g) => s + g.count, 0),
    18,
  );
  assert.deepEqual(intersection?.groups[0]?.values, { sf: 'a', age: 'old' });
});

test('scores become decisions at the threshold; text labels need the positive label named', () => {
  const scores = numeric('s', [0.9, 0.2, 0.6, 0.4]);
  const report = fairnessAudit(
    table(4, categorical('y', ['yes', 'no', 'yes', 'no']), scores, categorical('g', ['a', 'a', 'b', 'b'])),
    { label: 'y', prediction: 's', sensitive: ['g'] },
  );
  assert.equal(report.threshold, 0.5);
  assert.equal(report.positiveLabel, 'yes');
  assert.equal(report.overall.metrics.accuracy, 1);
  assert.throws(
    () =>
      fairnessAudit(
        table(
          2,
          categorical('y', ['cat', 'dog']),
          categorical('p', ['cat', 'dog']),
          categorical('g', ['a', 'b']),
        ),
        {
          label: 'y',
          prediction: 'p',
          sensitive: ['g'],
        },
      ),
    { code: 'USAGE', message: /--positive-label/ },
  );
  assert.throws(
    () => fairnessAudit(fairlearnTable(), { label: 'nope', prediction: 'p', sensitive: ['sf'] }),
    {
      code: 'USAGE',
    },
  );
});

test('regression: mean error per group and its gap', () => {
  const report = fairnessAudit(
    table(
      4,
      numeric('y', [1, 2, 3, 4]),
      numeric('p', [1.5, 2.5, 2, 4]),
      categorical('g', ['a', 'a', 'b', 'b']),
    ),
    { label: 'y', prediction: 'p', sensitive: ['g'] },
  );
  assert.equal(report.task, 'regression');
  const [a, b] = report.features[0]?.groups ?? [];
  assert.equal(a?.metrics.meanError, 0.5);
  assert.equal(b?.metrics.meanError, -0.5);
  assert.equal(report.features[0]?.summary.meanErrorDifference, 1);
});

test('bootstrap intervals are reproducible for a seed and contain the point estimate', () => {
  const options = { label: 'y', prediction: 'p', sensitive: ['sf'], bootstrap: 200, seed: 7 };
  const one = fairnessAudit(fairlearnTable(), options);
  const two = fairnessAudit(fairlearnTable(), options);
  assert.deepEqual(one.features[0]?.intervals, two.features[0]?.intervals);
  const [lo, hi] = one.features[0]?.intervals?.demographicParityDifference ?? [Number.NaN, Number.NaN];
  assert.ok(lo <= 0.25 && 0.25 <= hi && lo < hi, `${lo}..${hi}`);
  const group = one.features[0]?.groups[0];
  const [glo, ghi] = group?.intervals?.selectionRate ?? [Number.NaN, Number.NaN];
  assert.ok(glo <= 0.75 && 0.75 <= ghi);
  assert.deepEqual(one.bootstrap, { samples: 200, confidence: 0.95, seed: 7 });
});
