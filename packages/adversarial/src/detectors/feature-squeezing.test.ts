import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gradientAttack } from '../attacks/gradient-attacks.ts';
import { OnnxClassifier } from '../model/onnx-classifier.ts';
import { SeededRandom } from '../random.ts';
import { ROBUSTNESS_VECTORS, readFloat32, readInt32 } from '../robustness/fixture.ts';
import { FeatureSqueezingDetector, medianFilter, reduceDepth, rocAuc } from './feature-squeezing.ts';

const skip = existsSync(ROBUSTNESS_VECTORS) ? false : `vectors not found at ${ROBUSTNESS_VECTORS}`;

test('squeezers: 2-bit depth and a 2×2 median', () => {
  const o = { bitDepth: 2, medianWindow: 2, clipMin: 0, clipMax: 1 };
  assert.deepEqual(
    [...reduceDepth(Float32Array.of(0, 0.2, 0.5, 0.9), o)].map((v) => v.toFixed(3)),
    ['0.000', '0.333', '0.667', '1.000'],
  );
  const image = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
  assert.deepEqual([...medianFilter(image, [1, 3, 3], 2)], [3, 4, 4.5, 6, 7, 7.5, 7.5, 8.5, 9]);
});

test('feature squeezing scores successful PGD adversarials above clean digits (AUC), at a calibrated 5 % FPR', {
  skip,
}, async () => {
  const model = await OnnxClassifier.fromFile(join(ROBUSTNESS_VECTORS, 'digits_cnn.onnx'));
  const x = readFloat32('Xte.f32');
  const y = readInt32('yte.i32');
  const detector = new FeatureSqueezingDetector(model);
  // Calibrate on the first half; measure on the second.
  await detector.calibrate(x.subarray(0, 270 * 64));
  const clean = x.subarray(270 * 64);
  const labels = y.subarray(270);
  const attack = await gradientAttack(
    model,
    clean,
    labels,
    {
      epsilon: 0.1,
      norm: 'linf',
      steps: 20,
      stepSize: 0.025,
      restarts: 1,
      randomStart: false,
      loss: 'ce',
      clipMin: 0,
      clipMax: 1,
    },
    new SeededRandom(0),
  );
  const fooled = [...attack.margins.keys()].filter((r) => (attack.margins[r] as number) < 0);
  const adversarial = new Float32Array(fooled.length * 64);
  fooled.forEach((r, k) => {
    adversarial.set(attack.adversarial.subarray(r * 64, (r + 1) * 64), k * 64);
  });
  const cleanScores = await detector.scores(clean);
  const { scores, flagged } = await detector.detect(adversarial);
  const auc = rocAuc(cleanScores, scores);
  assert.ok(fooled.length > 100);
  assert.ok(auc > 0.7, `AUC ${auc}`);
  const falsePositives = (await detector.detect(clean)).flagged.filter(Boolean).length / 270;
  assert.ok(falsePositives < 0.15, `FPR ${falsePositives}`);
  assert.ok(flagged.some(Boolean));
});
