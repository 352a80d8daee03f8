import { PalisadeError } from '@palisade/core';
import type { PredictModel } from './model.ts';

const MAX_RESPONSE_BYTES = 256 * 1024 ** 2;
const ROWS_PER_REQUEST = 1024;

/**
 * A model behind an HTTP prediction endpoint speaking the KServe / TensorFlow Serving v1 JSON protocol:
 * POST {"instances": [[…], …]} → {"predictions": [number | number[], …]}. Requests are batched, time-limited and
 * their responses size-limited; the number of outputs is learnt from the first answer.
 */
export async function endpointModel(
  url: string,
  inputs: number,
  options: { timeoutMs?: number } = {},
): Promise<PredictModel> {
  const call = async (rows: Float64Array, count: number): Promise<number[][]> => {
    const instances = Array.from({ length: count }, (_, r) =>
      Array.from(rows.subarray(r * inputs, (r + 1) * inputs)),
    );
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      throw new PalisadeError(
        'INPUT_UNREADABLE',
        `The endpoint ${url} did not answer: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const text = await response.text();
    if (text.length > MAX_RESPONSE_BYTES)
      throw new PalisadeError(
        'LIMIT_EXCEEDED',
        `The endpoint ${url} answered more than ${MAX_RESPONSE_BYTES} bytes.`,
      );
    if (!response.ok)
      throw new PalisadeError(
        'INPUT_UNREADABLE',
        `The endpoint ${url} answered HTTP ${response.status}: ${text.slice(0, 200)}`,
      );
    let predictions: unknown;
    try {
      predictions = (JSON.parse(text) as { predictions?: unknown }).predictions;
    } catch (error) {
      throw new PalisadeError('INPUT_INVALID', `The endpoint ${url} did not answer JSON.`, { cause: error });
    }
    if (!Array.isArray(predictions) || predictions.length !== count) {
      throw new PalisadeError(
        'INPUT_INVALID',
        `The endpoint ${url} must answer {"predictions": [...]} with one entry per instance.`,
      );
    }
    return predictions.map((p) => {
      const row = Array.isArray(p) ? p : [p];
      if (!row.every((v) => typeof v === 'number'))
        throw new PalisadeError('INPUT_INVALID', `The endpoint ${url} answered a non-numeric prediction.`);
      return row as number[];
    });
  };
  const probe = await call(new Float64Array(inputs), 1);
  const outputs = (probe[0] as number[]).length;
  return {
    inputs,
    outputs,
    async predict(rows, count) {
      const out = new Float64Array(count * outputs);
      for (let start = 0; start < count; start += ROWS_PER_REQUEST) {
        const n = Math.min(ROWS_PER_REQUEST, count - start);
        const answer = await call(rows.subarray(start * inputs, (start + n) * inputs), n);
        answer.forEach((row, r) => {
          if (row.length !== outputs)
            throw new PalisadeError('INPUT_INVALID', `The endpoint ${url} changed its number of outputs.`);
          out.set(row, (start + r) * outputs);
        });
      }
      return out;
    },
  };
}
