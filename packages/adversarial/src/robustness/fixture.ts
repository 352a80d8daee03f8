import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The robustness oracle of the shared vectors (vectors/ml/robustness, see its README): 540 digits test rows,
 * two PyTorch-trained ONNX classifiers and PyTorch's own robust accuracies. Used by tests and the benchmark.
 */
export const ROBUSTNESS_VECTORS = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  '..',
  'shared',
  'vectors',
  'ml',
  'robustness',
);

function typed<T>(name: string, make: (buffer: ArrayBuffer) => T): T {
  const b = readFileSync(join(ROBUSTNESS_VECTORS, name));
  return make(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
}

export const readFloat32 = (name: string) => typed(name, (b) => new Float32Array(b));
export const readInt32 = (name: string) => typed(name, (b) => new Int32Array(b));
export const torchReference = (): Record<string, number> =>
  JSON.parse(readFileSync(join(ROBUSTNESS_VECTORS, 'torch_ref.json'), 'utf8'));
