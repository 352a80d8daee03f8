/**
 * Gradient throughput: input-gradient batches per second of a CIFAR-size CNN through the ONNX backward graph,
 * beside the same model's plain inference in the same run. Target (issue #12): a gradient step costs at most
 * 3× an inference. Usage: node bench/adversarial/run.ts [--batch 64] [--seconds 6] (seconds per measured kind)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OnnxClassifier } from '@palisade/adversarial';

const { values } = parseArgs({
  options: { batch: { type: 'string', default: '64' }, seconds: { type: 'string', default: '6' } },
});
const batch = Number(values.batch);
const seconds = Number(values.seconds);
const work = join(import.meta.dirname, '..', '.work');
const modelPath = join(work, 'cnn_cifar.onnx');
if (!existsSync(modelPath)) {
  mkdirSync(work, { recursive: true });
  execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'make-model.py'), modelPath], {
    stdio: 'inherit',
  });
}

const model = await OnnxClassifier.fromFile(modelPath);
if (!model.hasGradients) throw new Error(`no gradients: ${model.gradientUnsupported}`);
const x = Float32Array.from({ length: batch * model.rowSize }, (_, i) => ((i * 7919) % 1000) / 1000);
const y = Int32Array.from({ length: batch }, (_, i) => i % model.classes);

async function rate(step: () => Promise<unknown>, ms: number): Promise<number> {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await step();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

const inferenceStep = () => model.logits({ data: x, count: batch });
// A PGD step as the attacks run it: one run of the graph with the cross-entropy head (logits and gradient).
const pgdStep = () => model.crossEntropyGradient({ data: x, count: batch }, y);
const backwardStep = () =>
  model.gradient({ data: x, count: batch }, new Float32Array(batch * model.classes).fill(0.1));
for (const step of [inferenceStep, pgdStep, backwardStep]) for (let i = 0; i < 3; i++) await step();

// The machine is shared: the three are measured in rotation, in short rounds, and the medians compared.
const rounds = 7;
const samples = { inference: [] as number[], pgd: [] as number[], backward: [] as number[] };
for (let r = 0; r < rounds; r++) {
  samples.inference.push(await rate(inferenceStep, (seconds * 1000) / rounds));
  samples.pgd.push(await rate(pgdStep, (seconds * 1000) / rounds));
  samples.backward.push(await rate(backwardStep, (seconds * 1000) / rounds));
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
const inference = median(samples.inference);
const gradientStep = median(samples.pgd);
const gradientOnly = median(samples.backward);
const ratio = inference / gradientStep;
console.log(
  `load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; medians of ${rounds} rounds in rotation`,
);
console.log(`CIFAR-size CNN (3×32×32, ${model.classes} classes), batch ${batch}, ONNX Runtime CPU`);
console.log(
  `inference                      ${inference.toFixed(1).padStart(8)} batches/s  (${((inference * batch) | 0).toLocaleString('en')} images/s)`,
);
console.log(`backward graph, cotangent in  ${gradientOnly.toFixed(1).padStart(8)} batches/s`);
console.log(`PGD step (cross-entropy head) ${gradientStep.toFixed(1).padStart(8)} batches/s`);
console.log(
  `gradient step cost             ${ratio.toFixed(2)}× inference   target ≤ 3×   ${ratio <= 3 ? 'PASS' : 'FAIL'}`,
);
