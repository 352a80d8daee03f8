import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { OnnxClassifier } from '../model/onnx-classifier.ts';
import { evaluateRobustness } from './evaluate.ts';
import { ROBUSTNESS_VECTORS, readFloat32, readInt32, torchReference } from './fixture.ts';

const skip = existsSync(ROBUSTNESS_VECTORS) ? false : `vectors not found at ${ROBUSTNESS_VECTORS}`;
const ROWS = 540;
// The tolerance: ±2 samples of PyTorch's robust accuracy.
const TOLERANCE = 2 / ROWS + 1e-9;

for (const name of ['mlp', 'cnn'] as const) {
  describe(`digits ${name}: the PyTorch robustness oracle`, { skip }, () => {
    test('logits match PyTorch on the first rows', async () => {
      const model = await OnnxClassifier.fromFile(join(ROBUSTNESS_VECTORS, `digits_${name}.onnx`));
      const logits = await model.logits({ data: readFloat32('Xte.f32').subarray(0, 5 * 64), count: 5 });
      const expected = readFloat32(`${name}_logits5.f32`);
      for (let i = 0; i < expected.length; i++)
        assert.ok(Math.abs((logits[i] as number) - (expected[i] as number)) < 1e-4);
    });

    test('FGSM and PGD-20 robust accuracy within ±2 samples; Square Attack within 5 points of PGD', async () => {
      const model = await OnnxClassifier.fromFile(join(ROBUSTNESS_VECTORS, `digits_${name}.onnx`));
      assert.equal(model.hasGradients, true, model.gradientUnsupported);
      const report = await evaluateRobustness(model, { x: readFloat32('Xte.f32'), y: readInt32('yte.i32') });
      const ref = torchReference();
      assert.equal(report.cleanAccuracy, ref[`${name}_acc`]);
      for (const epsilon of [0.05, 0.1, 0.2]) {
        for (const attack of ['fgsm', 'pgd'] as const) {
          const got = report.results.find((r) => r.attack === attack && r.epsilon === epsilon);
          const want = ref[`${name}_${attack}_${epsilon}`] as number;
          assert.ok(got, `${attack} ε=${epsilon} ran`);
          assert.ok(
            Math.abs(got.robustAccuracy - want) <= TOLERANCE,
            `${attack} ε=${epsilon}: ${got.robustAccuracy} vs ${want}`,
          );
        }
        const square = report.results.find((r) => r.attack === 'square' && r.epsilon === epsilon);
        const pgd = report.results.find((r) => r.attack === 'pgd' && r.epsilon === epsilon);
        assert.ok(square && pgd);
        assert.ok(Math.abs(square.robustAccuracy - pgd.robustAccuracy) <= 0.05, `square ε=${epsilon}`);
        assert.ok(square.queries <= ROWS * 1000);
      }
      assert.ok(report.worstCase.every((w) => w.robustAccuracy <= report.cleanAccuracy));
    });
  });
}

test('the CNN input gradient equals PyTorch (cross-entropy, sum reduction)', { skip }, async () => {
  const { crossEntropyCotangent } = await import('../attacks/loss.ts');
  const model = await OnnxClassifier.fromFile(join(ROBUSTNESS_VECTORS, 'digits_cnn.onnx'));
  const x = readFloat32('Xte.f32');
  const y = readInt32('yte.i32');
  const logits = await model.logits({ data: x, count: ROWS });
  const { gradient } = await model.gradient({ data: x, count: ROWS }, crossEntropyCotangent(logits, y, 10));
  const expected = readFloat32('cnn_grad.f32');
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs((gradient[i] as number) - (expected[i] as number)));
  assert.ok(worst < 1e-4, `max |Δ| ${worst}`);
});

test('HopSkipJump (label-only, L2) finds adversarials whose distances bound robust accuracy like PGD does', {
  skip,
}, async () => {
  const model = await OnnxClassifier.fromFile(join(ROBUSTNESS_VECTORS, 'digits_mlp.onnx'));
  const x = readFloat32('Xte.f32').subarray(0, 20 * 64);
  const y = readInt32('yte.i32').subarray(0, 20);
  const report = await evaluateRobustness(
    model,
    { x, y },
    { attacks: ['pgd', 'hsj'], norm: 'l2', epsilons: [0.5, 3], hsjIterations: 8 },
  );
  const at = (attack: string, epsilon: number) =>
    report.results.find((r) => r.attack === attack && r.epsilon === epsilon);
  assert.equal(at('hsj', 0.5)?.threatModel, 'decision-based');
  assert.ok((at('hsj', 3)?.robustAccuracy ?? 1) <= 0.1, 'every digit falls within L2 3');
  assert.ok(
    (at('hsj', 0.5)?.robustAccuracy ?? 0) >= (at('pgd', 0.5)?.robustAccuracy ?? 1) - 0.1,
    'label-only does not beat white-box by much',
  );
  assert.ok((at('hsj', 0.5)?.robustAccuracy ?? 1) <= report.cleanAccuracy);
  const linf = await evaluateRobustness(model, { x, y }, { attacks: ['hsj'], epsilons: [0.1] });
  assert.match(linf.notRun[0]?.reason ?? '', /L2/);
});
