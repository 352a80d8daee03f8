import { readFile, stat } from 'node:fs/promises';
import { PalisadeError } from '@palisade/core';
import type { PredictModel } from './model.ts';

export const MAX_ONNX_BYTES = 2 * 1024 ** 3;

interface OnnxMetadata {
  readonly isTensor: boolean;
  readonly shape?: readonly (number | string)[];
}

/**
 * An ONNX model run by ONNX Runtime on the CPU (loaded lazily: other commands never pay for the native module).
 * The model must take one float tensor [batch, features] and give a tensor [batch] or [batch, outputs];
 * `output` picks among several outputs (default: the first tensor output). Custom-op libraries are never loaded.
 */
export async function loadOnnxModel(path: string, options: { output?: string } = {}): Promise<PredictModel> {
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (info.size > MAX_ONNX_BYTES) {
      throw new PalisadeError(
        'LIMIT_EXCEEDED',
        `${path} is ${info.size} bytes, more than ${MAX_ONNX_BYTES}.`,
      );
    }
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof PalisadeError) throw error;
    throw new PalisadeError('INPUT_NOT_FOUND', `Cannot read the model ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const ort = await import('onnxruntime-node');
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 1,
    });
  } catch (error) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `ONNX Runtime cannot load ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (session.inputNames.length !== 1) {
    throw new PalisadeError(
      'UNSUPPORTED',
      `${path} takes ${session.inputNames.length} inputs; explain needs one [batch, features] tensor.`,
    );
  }
  const inputName = session.inputNames[0] as string;
  const inputMeta = (session.inputMetadata as unknown as OnnxMetadata[])[0];
  const inputs = Number(inputMeta?.shape?.[1]);
  if (!inputMeta?.isTensor || inputMeta.shape?.length !== 2 || !Number.isInteger(inputs)) {
    throw new PalisadeError(
      'UNSUPPORTED',
      `${path}: the input must be a float tensor [batch, features] with a fixed feature count.`,
    );
  }
  const outputMetas = session.outputMetadata as unknown as OnnxMetadata[];
  const outputIndex =
    options.output === undefined
      ? outputMetas.findIndex((m) => m.isTensor)
      : session.outputNames.indexOf(options.output);
  if (outputIndex < 0 || !outputMetas[outputIndex]?.isTensor) {
    throw new PalisadeError(
      'UNSUPPORTED',
      `${path}: no tensor output ${options.output ?? ''} (outputs: ${session.outputNames.join(', ')}); convert classifiers without ZipMap.`,
    );
  }
  const outputName = session.outputNames[outputIndex] as string;
  const shape = outputMetas[outputIndex]?.shape ?? [];
  const outputs = shape.length <= 1 ? 1 : Number(shape[1]);
  if (!Number.isInteger(outputs) || outputs < 1) {
    throw new PalisadeError(
      'UNSUPPORTED',
      `${path}: output ${outputName} has no fixed width (shape ${JSON.stringify(shape)}).`,
    );
  }
  return {
    inputs,
    outputs,
    async predict(rows, count) {
      const tensor = new ort.Tensor('float32', Float32Array.from(rows.subarray(0, count * inputs)), [
        count,
        inputs,
      ]);
      const result = await session.run({ [inputName]: tensor });
      const data = result[outputName]?.data;
      if (!data || data.length !== count * outputs) {
        throw new PalisadeError(
          'INPUT_INVALID',
          `${path}: output ${outputName} has ${data?.length} values, expected ${count * outputs}.`,
        );
      }
      return Float64Array.from(data as ArrayLike<number>, Number);
    },
  };
}
