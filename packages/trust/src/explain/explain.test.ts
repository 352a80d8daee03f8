import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { seededRandom } from '../stats/random.ts';
import { endpointModel } from './endpoint-model.ts';
import { functionModel } from './model.ts';
import { loadOnnxModel } from './onnx-model.ts';
import { permutationImportance } from './permutation-importance.ts';
import { permutationShap } from './permutation-shap.ts';
import { exactShapley, kernelShap } from './shapley.ts';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures');
const VECTORS = resolve(import.meta.dirname, '../../../../../shared/vectors/ml');
const ORACLE = JSON.parse(
  readFileSync(resolve(VECTORS, 'explainability/shapley-oracles.json'), 'utf8'),
).interaction_case;

function near(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs((actual[i] as number) - (expected[i] as number)) <= tolerance,
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

function randomRows(count: number, m: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: count * m }, () => random() * 4 - 2);
}

const interaction = functionModel(3, 1, (x) => (x[0] as number) * (x[1] as number) + 2 * (x[2] as number));

test('the analytic oracle: f = x0·x1 + 2·x2 at (1, 2, 3) over background (0, 0, 0) gives φ = (1, 1, 6)', async () => {
  const input = {
    model: interaction,
    x: Float64Array.from(ORACLE.x),
    background: Float64Array.from(ORACLE.background.flat()),
    backgroundRows: 1,
  };
  const exact = await exactShapley(input);
  near(exact.values, ORACLE.exact_interventional_shapley, 1e-12, 'exact');
  assert.equal(exact.prediction - exact.baseValue, 8);
  const kernel = await kernelShap(input);
  near(kernel.values, ORACLE.exact_interventional_shapley, 1e-12, 'kernel');
});

test('the same oracle through ONNX Runtime (an ONNX graph of Split, Mul and Add)', async () => {
  const model = await loadOnnxModel(resolve(FIXTURES, 'interaction.onnx'));
  assert.deepEqual([model.inputs, model.outputs], [3, 1]);
  const input = {
    model,
    x: Float64Array.from(ORACLE.x),
    background: Float64Array.from(ORACLE.background.flat()),
    backgroundRows: 1,
  };
  near((await kernelShap(input)).values, ORACLE.exact_interventional_shapley, 1e-6, 'onnx kernel');
});

test('the linear rule: φ_i = w_i·(x_i − E[x_i]) for an ONNX Gemm model and an independent background', async () => {
  const w = [0.5, -2, 3, 0, 1.5];
  const model = await loadOnnxModel(resolve(FIXTURES, 'linear.onnx'));
  const background = randomRows(20, 5, 1);
  const x = Float64Array.from([1, -1, 0.5, 2, -0.25]);
  const means = w.map((_, i) => {
    let s = 0;
    for (let b = 0; b < 20; b++) s += background[b * 5 + i] as number;
    return s / 20;
  });
  const expected = w.map((wi, i) => wi * ((x[i] as number) - (means[i] as number)));
  near((await kernelShap({ model, x, background, backgroundRows: 20 })).values, expected, 1e-5, 'linear');
});

test('Kernel SHAP with every coalition (M ≤ 11) reproduces exact Shapley values of a non-additive model', async () => {
  const model = functionModel(6, 2, (x) => {
    const [a, b, c, d, e, f] = x as unknown as number[];
    return [
      Math.sin(a as number) * (b as number) +
        (c as number) ** 2 * (d as number) -
        (e as number) * (f as number) * (a as number),
      a as number,
    ];
  });
  const x = Float64Array.from([0.3, -1.2, 0.8, 1.5, -0.4, 2]);
  const input = { model, x, background: randomRows(7, 6, 2), backgroundRows: 7 };
  const exact = await exactShapley(input);
  const kernel = await kernelShap(input);
  near(kernel.values, exact.values, 1e-10, 'kernel vs exact');
  assert.equal(kernel.coalitions, 2 ** 6);
  const sum = kernel.values.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(sum - (kernel.prediction - kernel.baseValue)) < 1e-12);
  const second = await exactShapley({ ...input, output: 1 });
  near(second.values, [0.3 - second.baseValue, 0, 0, 0, 0, 0], 1e-12, 'output 1');
});

test('Kernel SHAP with sampled coalitions (M = 14): efficiency holds, additive models stay exact, seeds repeat', async () => {
  const w = Array.from({ length: 14 }, (_, i) => i - 6.5);
  const additive = functionModel(14, 1, (x) => w.reduce((s, wi, i) => s + wi * (x[i] as number), 0));
  const x = Float64Array.from({ length: 14 }, (_, i) => i / 7);
  const background = randomRows(5, 14, 3);
  const result = await kernelShap(
    { model: additive, x, background, backgroundRows: 5 },
    { samples: 400, seed: 1 },
  );
  assert.ok(result.coalitions <= 402);
  const expected = w.map((wi, i) => {
    let mean = 0;
    for (let b = 0; b < 5; b++) mean += background[b * 14 + i] as number;
    return wi * ((x[i] as number) - mean / 5);
  });
  near(result.values, expected, 1e-9, 'additive');
  const curved = functionModel(14, 1, (r) =>
    Math.tanh(r.reduce((s, v, i) => s + v * (w[i] as number), 0) / 10),
  );
  const one = await kernelShap(
    { model: curved, x, background, backgroundRows: 5 },
    { samples: 400, seed: 5 },
  );
  const two = await kernelShap(
    { model: curved, x, background, backgroundRows: 5 },
    { samples: 400, seed: 5 },
  );
  assert.deepEqual(one.values, two.values);
  assert.ok(Math.abs(one.values.reduce((s, v) => s + v, 0) - (one.prediction - one.baseValue)) < 1e-12);
});

test('permutation importance on the digits MLP (ONNX): baseline = the PyTorch accuracy; blank pixels matter 0', async () => {
  const robustness = resolve(VECTORS, 'robustness');
  const bytes = (name: string) => {
    const b = readFileSync(resolve(robustness, name));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  };
  const x = new Float32Array(bytes('Xte.f32'));
  const y = new Int32Array(bytes('yte.i32'));
  const torch = JSON.parse(readFileSync(resolve(robustness, 'torch_ref.json'), 'utf8'));
  const model = await loadOnnxModel(resolve(robustness, 'digits_mlp.onnx'));
  const rows = Float64Array.from(x);
  const result = await permutationImportance(model, rows, 540, Float64Array.from(y), { repeats: 2, seed: 3 });
  assert.equal(result.scoring, 'accuracy');
  assert.equal(result.baseline, torch.mlp_acc);
  // Pixel 0 (top-left corner) is 0 in every digit: shuffling it changes nothing.
  assert.deepEqual(result.importances[0], { mean: 0, std: 0, repeats: [0, 0] });
  const top = result.importances.map((r, i) => [r.mean, i] as const).sort((a, b) => b[0] - a[0])[0];
  assert.ok((top?.[0] as number) > 0.01, `most important pixel drops accuracy by ${top?.[0]}`);
});

test('a KServe v1 prediction endpoint as the model: batched requests, outputs learnt, errors explained', async (t) => {
  const { createServer } = await import('node:http');
  let requests = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      requests++;
      const { instances } = JSON.parse(body) as { instances: number[][] };
      if (request.url === '/broken') {
        response.writeHead(500).end('model not loaded');
        return;
      }
      const predictions = instances.map(([a, b, c]) => (a as number) * (b as number) + 2 * (c as number));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ predictions }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  t.after(() => server.close());
  const { port } = server.address() as { port: number };
  const model = await endpointModel(`http://127.0.0.1:${port}/v1/models/m:predict`, 3);
  assert.equal(model.outputs, 1);
  const input = {
    model,
    x: Float64Array.from(ORACLE.x),
    background: Float64Array.from(ORACLE.background.flat()),
    backgroundRows: 1,
  };
  near((await kernelShap(input)).values, ORACLE.exact_interventional_shapley, 1e-12, 'endpoint kernel');
  assert.ok(requests >= 2);
  await assert.rejects(endpointModel(`http://127.0.0.1:${port}/broken`, 3), {
    code: 'INPUT_UNREADABLE',
    message: /HTTP 500: model not loaded/,
  });
});

test("SHAP's PermutationExplainer: antithetic orders split the analytic oracle exactly, add up, repeat by seed", async () => {
  const input = {
    model: interaction,
    x: Float64Array.from(ORACLE.x),
    background: Float64Array.from(ORACLE.background.flat()),
    backgroundRows: 1,
  };
  const oracle = await permutationShap(input, { maxEvals: 7 });
  assert.equal(oracle.coalitions, 7);
  near(oracle.values, ORACLE.exact_interventional_shapley, 1e-12, 'permutation oracle');
  const model = functionModel(
    6,
    1,
    (x) =>
      Math.sin(x[0] as number) * (x[1] as number) +
      (x[2] as number) ** 2 * (x[3] as number) -
      (x[4] as number) * (x[5] as number) * (x[0] as number),
  );
  const wide = {
    model,
    x: Float64Array.from([0.3, -1.2, 0.8, 1.5, -0.4, 2]),
    background: randomRows(7, 6, 2),
    backgroundRows: 7,
  };
  const one = await permutationShap(wide, { seed: 4 });
  assert.equal(one.coalitions, Math.floor(500 / 13) * 13);
  assert.ok(Math.abs(one.values.reduce((s, v) => s + v, 0) - (one.prediction - one.baseValue)) < 1e-12);
  assert.deepEqual((await permutationShap(wide, { seed: 4 })).values, one.values);
  // Close to the exact values with 38 orders (no three-way interaction beyond x4·x5·x0).
  near(one.values, (await exactShapley(wide)).values, 0.15, 'permutation vs exact');
});
