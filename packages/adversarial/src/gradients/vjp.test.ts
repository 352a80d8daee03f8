import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPalisadeError } from '@palisade/core';
import { mutateBytes, xorshift32 } from '@palisade/testing';
import { OnnxClassifier } from '../model/onnx-classifier.ts';
import { appendToGraph, type NewNode } from '../onnx/encode.ts';
import { readOnnxGraph } from '../onnx/graph.ts';
import { evaluateRobustness } from '../robustness/evaluate.ts';
import { buildGradientModel, DIFFERENTIABLE_OPS } from './vjp.ts';

// ModelProto ir_version = 8 (field 1) and opset_import { domain "", version 13 } (field 8), written by hand.
const HEADER = Uint8Array.of(0x08, 0x08, 0x42, 0x04, 0x0a, 0x00, 0x10, 0x0d);

/** x[N,4] → MatMul(W 4×3) → activation → logits[N,3], built with the package's own protobuf writer. */
function tinyModel(activation: string): Uint8Array {
  const weights = {
    kind: 'tensor' as const,
    dims: [4, 3],
    values: [0.5, -1, 0.2, 1, 0.3, -0.4, -0.6, 0.8, 0.1, 0.2, -0.2, 0.9],
  };
  const nodes: NewNode[] = [
    { opType: 'Constant', inputs: [], outputs: ['W'], attributes: { value: weights } },
    { opType: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] },
    { opType: activation, inputs: ['h'], outputs: ['logits'] },
  ];
  return appendToGraph(HEADER, {
    nodes,
    inputs: [{ name: 'x', elemType: 1, shape: ['N', 4] }],
    outputs: [{ name: 'logits', elemType: 1, shape: ['N', 3] }],
  });
}

test('the graph reader sees what the writer wrote', () => {
  const graph = readOnnxGraph(tinyModel('Relu'));
  assert.deepEqual(
    graph.nodes.map((n) => n.opType),
    ['Constant', 'MatMul', 'Relu'],
  );
  assert.deepEqual(graph.inputs[0]?.shape, [undefined, 4]);
  assert.equal(graph.opset, 13);
});

test('an op without a backward rule is named, and black-box attacks still run', async () => {
  assert.ok(!DIFFERENTIABLE_OPS.includes('Erf'));
  const bytes = tinyModel('Erf');
  const built = buildGradientModel(bytes, readOnnxGraph(bytes));
  assert.equal(built.kind, 'unsupported');
  assert.match(built.kind === 'unsupported' ? built.reason : '', /Erf/);

  const model = await OnnxClassifier.fromBytes(bytes);
  assert.equal(model.hasGradients, false);
  const x = Float32Array.from({ length: 40 }, (_, i) => ((i * 37) % 17) / 17);
  const y = Int32Array.from({ length: 10 }, (_, i) => i % 3);
  const report = await evaluateRobustness(model, { x, y }, { epsilons: [0.1], squareQueries: 50 });
  assert.deepEqual(
    report.notRun.map((n) => n.attack),
    ['fgsm', 'pgd'],
  );
  assert.match(report.notRun[0]?.reason ?? '', /Erf/);
  assert.deepEqual(
    report.results.map((r) => r.attack),
    ['square'],
  );
  assert.equal(report.whiteBox.available, false);
});

test('a differentiable tiny model gets gradients that agree with finite differences', async () => {
  const model = await OnnxClassifier.fromBytes(tinyModel('Tanh'));
  assert.equal(model.hasGradients, true, model.gradientUnsupported);
  const x = Float32Array.of(0.2, 0.4, 0.6, 0.8);
  const cotangent = Float32Array.of(1, -2, 0.5);
  const { gradient } = await model.gradient({ data: x, count: 1 }, cotangent);
  const objective = async (v: Float32Array) => {
    const l = await model.logits({ data: v, count: 1 });
    return (l[0] as number) * 1 - (l[1] as number) * 2 + (l[2] as number) * 0.5;
  };
  for (let i = 0; i < 4; i++) {
    const up = Float32Array.from(x);
    const down = Float32Array.from(x);
    up[i] = (up[i] as number) + 1e-2;
    down[i] = (down[i] as number) - 1e-2;
    const numeric = ((await objective(up)) - (await objective(down))) / 2e-2;
    assert.ok(Math.abs(numeric - (gradient[i] as number)) < 1e-3, `∂/∂x${i}: ${numeric} vs ${gradient[i]}`);
  }
});

test('the graph reader refuses damaged models with INPUT_INVALID and never throws anything else', () => {
  const random = xorshift32(12);
  const seed = tinyModel('Relu');
  for (let i = 0; i < 3000; i++) {
    const input = mutateBytes(seed, random, { tokens: [0x08, 0x0a, 0x12, 0x3a, 0x42, 0x80, 0xff] });
    try {
      readOnnxGraph(input);
    } catch (error) {
      assert.ok(isPalisadeError(error), `unexpected ${(error as Error).stack}`);
    }
  }
  assert.throws(() => readOnnxGraph(Uint8Array.of(0x08, 0x08)), /no ONNX graph/);
});
