/**
 * Gradient throughput: input-gradient steps per second of a CIFAR-size CNN through the ONNX backward graph,
 * beside the same model's plain inference, in one run. Target (issue #12): a gradient step costs at most 3×
 * an inference. The cost ratio is measured in CPU time with one ONNX Runtime thread (stable on a shared
 * machine); wall-clock batches/s with the default threads are printed beside it.
 * Usage: node bench/adversarial/run.ts [--batch 64] [--seconds 6] (seconds per measured kind)
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

interface Rates {
  wall: number;
  cpuMsPerBatch: number;
}

async function measure(step: () => Promise<unknown>, ms: number): Promise<Rates> {
  let n = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < ms) {
    await step();
    n++;
  }
  const used = process.cpuUsage(cpu);
  return {
    wall: n / ((performance.now() - start) / 1000),
    cpuMsPerBatch: (used.user + used.system) / 1000 / n,
  };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;

async function run(threads: number | undefined) {
  const model = await OnnxClassifier.fromFile(modelPath, threads ? { threads } : {});
  if (!model.hasGradients) throw new Error(`no gradients: ${model.gradientUnsupported}`);
  const x = Float32Array.from({ length: batch * model.rowSize }, (_, i) => ((i * 7919) % 1000) / 1000);
  const y = Int32Array.from({ length: batch }, (_, i) => i % model.classes);
  const inference = () => model.logits({ data: x, count: batch });
  // A PGD step as the attacks run it: one run of the graph with the cross-entropy head (logits and gradient).
  const pgd = () => model.crossEntropyGradient({ data: x, count: batch }, y);
  for (let i = 0; i < 3; i++) await Promise.all([inference(), pgd()]);
  // Measured in rotation, in short rounds; medians compared.
  const rounds = 7;
  const samples = { inference: [] as Rates[], pgd: [] as Rates[] };
  for (let r = 0; r < rounds; r++) {
    samples.inference.push(await measure(inference, (seconds * 1000) / rounds / 2));
    samples.pgd.push(await measure(pgd, (seconds * 1000) / rounds / 2));
  }
  const pick = (v: Rates[]) => ({
    wall: median(v.map((s) => s.wall)),
    cpu: median(v.map((s) => s.cpuMsPerBatch)),
  });
  return { model, inference: pick(samples.inference), pgd: pick(samples.pgd) };
}

const single = await run(1);
const pooled = await run(undefined);
const ratio = single.pgd.cpu / single.inference.cpu;
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(
  `CIFAR-size CNN (3×32×32, ${single.model.classes} classes), batch ${batch}, ONNX Runtime CPU; load average ${load}`,
);
console.log('                                one thread: CPU ms/batch   default threads: batches/s');
console.log(
  `inference                       ${single.inference.cpu.toFixed(1).padStart(10)}              ${pooled.inference.wall.toFixed(1).padStart(10)}`,
);
console.log(
  `PGD step (logits + gradient)    ${single.pgd.cpu.toFixed(1).padStart(10)}              ${pooled.pgd.wall.toFixed(1).padStart(10)}`,
);
console.log(
  `gradient step cost             ${ratio.toFixed(2)}× inference (CPU time)   target ≤ 3×   ${ratio <= 3 ? 'PASS' : 'FAIL'}`,
);
console.log(`wall-clock ratio, default threads: ${(pooled.inference.wall / pooled.pgd.wall).toFixed(2)}×`);
