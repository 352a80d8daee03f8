import { readFile } from 'node:fs/promises';
import { PalisadeError } from '@palisade/core';
import { buildGradientModel, COTANGENT_INPUT, GRADIENT_OUTPUT, ONEHOT_INPUT } from '../gradients/vjp.ts';
import { MAX_MODEL_BYTES, readOnnxGraph } from '../onnx/graph.ts';

type Ort = typeof import('onnxruntime-node');
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

export interface ClassifierOptions {
  /** The shape of one input row, overriding what the model declares. */
  readonly rowShape?: readonly number[];
  /** Used when the model does not declare a fixed row shape (e.g. the data's own row shape). */
  readonly defaultRowShape?: readonly number[];
  /** ONNX Runtime intra-op threads (default: one per core). */
  readonly threads?: number;
}

/** A batch of inputs: `count` rows of `rowShape` each, row-major float32. */
export interface Batch {
  readonly data: Float32Array;
  readonly count: number;
}

/**
 * A classifier given as an ONNX file, run by ONNX Runtime on the CPU: logits for a batch, and (when every op on
 * the way has a backward rule) the input gradient for a given cotangent on the logits. Never executes anything
 * but the ONNX graph; custom-op libraries are never loaded.
 */
export class OnnxClassifier {
  readonly rowShape: readonly number[];
  readonly rowSize: number;
  readonly classes: number;
  /** Why white-box attacks cannot run, when they cannot. */
  readonly gradientUnsupported: string | undefined;
  readonly softmaxOutput: boolean;
  queries = 0;
  readonly #ort: Ort;
  readonly #forward: Session;
  readonly #backward: Session | undefined;
  readonly #crossEntropy: Session | undefined;
  readonly #input: string;
  readonly #output: string;
  readonly #logits: string;

  private constructor(init: {
    ort: Ort;
    forward: Session;
    backward: Session | undefined;
    crossEntropy: Session | undefined;
    input: string;
    output: string;
    logits: string;
    rowShape: number[];
    classes: number;
    gradientUnsupported: string | undefined;
    softmaxOutput: boolean;
  }) {
    this.#ort = init.ort;
    this.#forward = init.forward;
    this.#backward = init.backward;
    this.#crossEntropy = init.crossEntropy;
    this.#input = init.input;
    this.#output = init.output;
    this.#logits = init.logits;
    this.rowShape = init.rowShape;
    this.rowSize = init.rowShape.reduce((a, b) => a * b, 1);
    this.classes = init.classes;
    this.gradientUnsupported = init.gradientUnsupported;
    this.softmaxOutput = init.softmaxOutput;
  }

  static async fromFile(path: string, options: ClassifierOptions = {}): Promise<OnnxClassifier> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new PalisadeError(
        'INPUT_NOT_FOUND',
        `cannot read the model ${path}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    return OnnxClassifier.fromBytes(bytes, options);
  }

  static async fromBytes(bytes: Uint8Array, options: ClassifierOptions = {}): Promise<OnnxClassifier> {
    if (bytes.length > MAX_MODEL_BYTES)
      throw new PalisadeError('LIMIT_EXCEEDED', 'the ONNX model is too large');
    const graph = readOnnxGraph(bytes);
    const declared = graph.inputs[0]?.shape?.slice(1);
    const known = declared?.every((d) => d !== undefined && d > 0) ? declared : undefined;
    const chosen = options.rowShape ? [...options.rowShape] : (known ?? options.defaultRowShape);
    if (!chosen || chosen.some((d) => d === undefined || d <= 0))
      throw new PalisadeError(
        'INPUT_INVALID',
        'the model does not declare a fixed input shape per row; give it with --input-shape (e.g. 1,28,28)',
      );
    const rowShape = chosen as number[];
    const ort = await import('onnxruntime-node');
    const sessionOptions = {
      graphOptimizationLevel: 'all' as const,
      executionProviders: ['cpu'],
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      // Idle pool threads sleep instead of spinning: on a shared CI machine spinning steals the other core.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    let forward: Session;
    try {
      forward = await ort.InferenceSession.create(bytes, sessionOptions);
    } catch (error) {
      throw new PalisadeError(
        'INPUT_INVALID',
        `ONNX Runtime cannot load the model: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const built = buildGradientModel(bytes, graph);
    let backward: Session | undefined;
    let crossEntropy: Session | undefined;
    let gradientUnsupported: string | undefined;
    if (built.kind === 'gradient') {
      const withHead = buildGradientModel(bytes, graph, 'cross-entropy');
      try {
        backward = await ort.InferenceSession.create(built.bytes, sessionOptions);
        if (withHead.kind === 'gradient')
          crossEntropy = await ort.InferenceSession.create(withHead.bytes, sessionOptions);
      } catch (error) {
        gradientUnsupported = `ONNX Runtime rejected the gradient graph (${(error as Error).message.split('\n')[0]})`;
      }
    } else gradientUnsupported = built.reason;
    const input = graph.inputs[0]?.name as string;
    const output = graph.outputs[0]?.name as string;
    // The number of classes is what the model answers for one row of zeros.
    const zeros = new ort.Tensor('float32', new Float32Array(rowShape.reduce((a, b) => a * b, 1)), [
      1,
      ...rowShape,
    ]);
    const classes = (await forward.run({ [input]: zeros }, [output]))[output]?.data.length ?? 0;
    if (classes < 2) throw new PalisadeError('INPUT_INVALID', 'the model has fewer than two outputs per row');
    return new OnnxClassifier({
      ort,
      forward,
      backward,
      crossEntropy,
      input,
      output,
      logits: built.kind === 'gradient' ? built.logits : output,
      rowShape,
      classes,
      gradientUnsupported,
      softmaxOutput: graph.nodes.some((n) => n.opType === 'Softmax' && n.outputs.includes(output)),
    });
  }

  get hasGradients(): boolean {
    return this.#backward !== undefined && this.#crossEntropy !== undefined;
  }

  async #run(session: Session, batch: Batch, extra: [string, Float32Array, number[]][]) {
    const feeds: Record<string, InstanceType<Ort['Tensor']>> = {
      [this.#input]: new this.#ort.Tensor('float32', batch.data, [batch.count, ...this.rowShape]),
    };
    for (const [name, data, dims] of extra) feeds[name] = new this.#ort.Tensor('float32', data, dims);
    const backward = session !== this.#forward;
    const scores = backward ? this.#logits : this.#output;
    const out = await session.run(feeds, backward ? [scores, GRADIENT_OUTPUT] : [scores]);
    const logits = out[scores]?.data as Float32Array;
    // log(softmax(z)) = z − logsumexp(z): the same argmax and the same margins as the logits themselves.
    if (!backward && this.softmaxOutput)
      for (let i = 0; i < logits.length; i++) logits[i] = Math.log(Math.max(logits[i] as number, 1e-30));
    const gradient = backward ? (out[GRADIENT_OUTPUT]?.data as Float32Array) : undefined;
    return { logits, gradient };
  }

  /** Logits (or the pre-softmax scores) for a batch: count × classes. */
  async logits(batch: Batch): Promise<Float32Array> {
    this.queries += batch.count;
    return (await this.#run(this.#forward, batch, [])).logits;
  }

  /**
   * Logits and ∂(summed cross-entropy)/∂input for a batch, in one run (the loss head is part of the graph).
   * Softmax in float32 saturates like the frameworks' own log-softmax backward, as the reference numbers expect.
   */
  async crossEntropyGradient(
    batch: Batch,
    labels: Int32Array,
  ): Promise<{ logits: Float32Array; gradient: Float32Array }> {
    if (!this.#crossEntropy)
      throw new PalisadeError(
        'UNSUPPORTED',
        `white-box gradients are not available: ${this.gradientUnsupported}`,
      );
    const onehot = new Float32Array(batch.count * this.classes);
    labels.forEach((y, r) => {
      onehot[r * this.classes + y] = 1;
    });
    this.queries += batch.count;
    const out = await this.#run(this.#crossEntropy, batch, [
      [ONEHOT_INPUT, onehot, [batch.count, this.classes]],
    ]);
    return { logits: out.logits, gradient: out.gradient as Float32Array };
  }

  /** Logits and ∂(cotangent · logits)/∂input for a batch. */
  async gradient(
    batch: Batch,
    cotangent: Float32Array,
  ): Promise<{ logits: Float32Array; gradient: Float32Array }> {
    if (!this.#backward)
      throw new PalisadeError(
        'UNSUPPORTED',
        `white-box gradients are not available: ${this.gradientUnsupported}`,
      );
    this.queries += batch.count;
    const out = await this.#run(this.#backward, batch, [
      [COTANGENT_INPUT, cotangent, [batch.count, this.classes]],
    ]);
    return { logits: out.logits, gradient: out.gradient as Float32Array };
  }
}
