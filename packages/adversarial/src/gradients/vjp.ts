import { appendToGraph, type FloatValue, type NewNode } from '../onnx/encode.ts';
import type { GraphNode, OnnxGraph } from '../onnx/graph.ts';

/**
 * Builds a "vector-Jacobian product" model: the original graph plus backward nodes made of standard ONNX ops,
 * so that ONNX Runtime computes ∂(dlogits · logits)/∂input natively. With the `cotangent` head the loss's
 * cotangent on the logits is a new graph input, so any loss (margin, targeted…) is computed by the caller; the
 * `cross-entropy` head computes softmax(logits) − onehot in the graph, so a PGD step is one run.
 * Ops without a backward rule here make the builder return `unsupported`: the caller falls back to black-box
 * attacks and says which op forced it, so robustness is never overstated.
 */

export const COTANGENT_INPUT = 'palisade_dlogits';
export const ONEHOT_INPUT = 'palisade_onehot';
export const GRADIENT_OUTPUT = 'palisade_dinput';

export interface GradientModel {
  readonly kind: 'gradient';
  readonly bytes: Uint8Array;
  readonly input: string;
  /** The tensor attacked as logits: the model output, or the input of a final Softmax. */
  readonly logits: string;
  /** True when the model's own output is a Softmax of `logits`. */
  readonly softmaxOutput: boolean;
}

export interface Unsupported {
  readonly kind: 'unsupported';
  readonly reason: string;
}

const FLOAT = 1;
const ONE_D = (v: number) => ({ kind: 'tensor' as const, dims: [], values: [v] });
const float = (value: number): FloatValue => ({ kind: 'float', value });
const ints = (node: GraphNode, name: string): readonly number[] | undefined => {
  const v = node.attributes.get(name);
  return Array.isArray(v) ? v : undefined;
};
const int = (node: GraphNode, name: string, fallback: number): number => {
  const v = node.attributes.get(name);
  return typeof v === 'number' ? v : fallback;
};

class Backward {
  readonly nodes: NewNode[] = [];
  readonly #grads = new Map<string, string>();
  #count = 0;

  seed(tensor: string, grad: string): void {
    this.#grads.set(tensor, grad);
  }

  fresh(base: string): string {
    return `palisade_${base}_${this.#count++}`;
  }

  grad(tensor: string): string | undefined {
    return this.#grads.get(tensor);
  }

  op(opType: string, inputs: string[], attributes?: NewNode['attributes'], outputs = 1): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({ opType, inputs, outputs: names, ...(attributes ? { attributes } : {}) });
    return names;
  }

  one(opType: string, inputs: string[], attributes?: NewNode['attributes']): string {
    return this.op(opType, inputs, attributes)[0] as string;
  }

  constant(value: number): string {
    return this.one('Constant', [], { value: ONE_D(value) });
  }

  int64s(values: readonly number[]): string {
    return this.one('Constant', [], { value: { kind: 'int64s', dims: [values.length], values } });
  }

  /** Adds a gradient contribution for `tensor`, summing with earlier ones (fan-out). */
  accumulate(tensor: string, grad: string): void {
    const previous = this.#grads.get(tensor);
    this.#grads.set(tensor, previous ? this.one('Add', [previous, grad]) : grad);
  }
}

/** What a rule may know about the graph beyond its own node. */
interface Context {
  readonly graph: OnnxGraph;
  readonly producer: ReadonlyMap<string, GraphNode>;
  readonly consumers: ReadonlyMap<string, number>;
  /** Nodes whose backward step another rule already took (a fused pattern). */
  readonly done: Set<GraphNode>;
}

type Rule = (
  node: GraphNode,
  dY: string,
  onPath: (t: string) => boolean,
  b: Backward,
  c: Context,
) => string | undefined;

/**
 * The 0/1 mask of active units from y = relu(x) ≥ 0: min(y · 2^126, 1) is 1 for every normal positive float32
 * and 0 for 0. Mul and Min run vectorised in ONNX Runtime; Sign, Where and Cast do not (3–5× slower).
 */
function reluMask(b: Backward, y: string): string {
  return b.one('Min', [b.one('Mul', [y, b.constant(2 ** 126)]), b.constant(1)]);
}

const passThrough: Rule = (node, dY, onPath, b) => {
  const x = node.inputs[0] as string;
  if (onPath(x)) b.accumulate(x, dY);
  return undefined;
};

const reshapeBack: Rule = (node, dY, onPath, b) => {
  const x = node.inputs[0] as string;
  if (onPath(x)) b.accumulate(x, b.one('Reshape', [dY, b.one('Shape', [x])]));
  return undefined;
};

const RULES: Record<string, Rule> = {
  Identity: passThrough,
  Dropout: passThrough,
  Flatten: reshapeBack,
  Reshape: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Gemm(node, dY, onPath, b) {
    const [a, w] = node.inputs as [string, string];
    if (onPath(w)) return 'Gemm whose weight depends on the input';
    if (int(node, 'transA', 0) !== 0) return 'Gemm with transA = 1';
    const alpha = node.attributes.get('alpha');
    const transB = int(node, 'transB', 0);
    b.accumulate(
      a,
      b.one('Gemm', [dY, w], { transB: transB ? 0 : 1, alpha: float(typeof alpha === 'number' ? alpha : 1) }),
    );
    return undefined;
  },
  MatMul(node, dY, onPath, b, { graph: g }) {
    const [a, w] = node.inputs as [string, string];
    if (onPath(w)) return 'MatMul whose second operand depends on the input';
    const dims = g.initializers.get(w);
    if (dims?.length !== 2) return 'MatMul with a second operand that is not a 2-D weight';
    b.accumulate(a, b.one('MatMul', [dY, b.one('Transpose', [w], { perm: [1, 0] })]));
    return undefined;
  },
  Relu(node, dY, _onPath, b) {
    b.accumulate(node.inputs[0] as string, b.one('Mul', [dY, reluMask(b, node.outputs[0] as string)]));
    return undefined;
  },
  LeakyRelu(node, dY, _onPath, b) {
    const x = node.inputs[0] as string;
    const alpha = node.attributes.get('alpha');
    const slope = b.constant(typeof alpha === 'number' ? alpha : 0.01);
    const positive = b.one('Greater', [x, b.constant(0)]);
    b.accumulate(x, b.one('Where', [positive, dY, b.one('Mul', [dY, slope])]));
    return undefined;
  },
  Sigmoid(node, dY, _onPath, b) {
    const y = node.outputs[0] as string;
    const local = b.one('Mul', [y, b.one('Sub', [b.constant(1), y])]);
    b.accumulate(node.inputs[0] as string, b.one('Mul', [dY, local]));
    return undefined;
  },
  Tanh(node, dY, _onPath, b) {
    const y = node.outputs[0] as string;
    const local = b.one('Sub', [b.constant(1), b.one('Mul', [y, y])]);
    b.accumulate(node.inputs[0] as string, b.one('Mul', [dY, local]));
    return undefined;
  },
  Add(node, dY, onPath, b) {
    for (const x of node.inputs) if (onPath(x)) b.accumulate(x, dY);
    return undefined;
  },
  Sub(node, dY, onPath, b) {
    const [x, y] = node.inputs as [string, string];
    if (onPath(x)) b.accumulate(x, dY);
    if (onPath(y)) b.accumulate(y, b.one('Neg', [dY]));
    return undefined;
  },
  Mul(node, dY, onPath, b) {
    const [x, y] = node.inputs as [string, string];
    if (onPath(x)) b.accumulate(x, b.one('Mul', [dY, y]));
    if (onPath(y)) b.accumulate(y, b.one('Mul', [dY, x]));
    return undefined;
  },
  Div(node, dY, onPath, b) {
    const [x, y] = node.inputs as [string, string];
    if (onPath(y)) return 'Div by a tensor that depends on the input';
    if (onPath(x)) b.accumulate(x, b.one('Div', [dY, y]));
    return undefined;
  },
  Conv(node, dY, onPath, b, { graph: g }) {
    const [x, w] = node.inputs as [string, string];
    if (onPath(w)) return 'Conv whose kernel depends on the input';
    if (int(node, 'group', 1) !== 1) return 'grouped Conv';
    const autoPad = node.attributes.get('auto_pad');
    if (autoPad !== undefined && autoPad !== 'NOTSET') return `Conv with auto_pad = ${autoPad}`;
    // With a stride the forward output may drop the last rows, and the backward pass would need an
    // output_padding that depends on the input size: only stride 1 is exact for every input size.
    if (ints(node, 'strides')?.some((s) => s !== 1)) return 'Conv with a stride > 1';
    if (ints(node, 'dilations')?.some((d) => d !== 1)) return 'dilated Conv';
    const kernel = ints(node, 'kernel_shape') ?? g.initializers.get(w)?.slice(2);
    if (!kernel || kernel.length === 0) return 'Conv with an unknown kernel shape';
    const pads = ints(node, 'pads') ?? kernel.flatMap(() => [0, 0]);
    // The input gradient of a stride-1 convolution is a convolution of dY with the kernel flipped in space and
    // its channel axes swapped, padded by k − 1 − p. ONNX Runtime folds the kernel transform at load time and
    // runs the optimised Conv kernel, which is much faster than ConvTranspose.
    const spatial = kernel.map((_, i) => i + 2);
    const flipped = b.one('Slice', [
      b.one('Transpose', [w], { perm: [1, 0, ...spatial] }),
      b.int64s(kernel.map(() => -1)),
      b.int64s(kernel.map(() => Number.MIN_SAFE_INTEGER)),
      b.int64s(spatial),
      b.int64s(kernel.map(() => -1)),
    ]);
    const backPads = pads.map((p, i) => (kernel[i % kernel.length] as number) - 1 - p);
    if (backPads.some((p) => p < 0)) return 'Conv padded by more than its kernel';
    b.accumulate(x, b.one('Conv', [dY, flipped], { kernel_shape: kernel, pads: backPads }));
    return undefined;
  },
  MaxPool(node, dY, _onPath, b, c) {
    const x = node.inputs[0] as string;
    const kernel = ints(node, 'kernel_shape') ?? [];
    const strides = ints(node, 'strides') ?? kernel.map(() => 1);
    if (ints(node, 'dilations')?.some((d) => d !== 1)) return 'dilated MaxPool';
    if (int(node, 'ceil_mode', 0) !== 0) return 'MaxPool with ceil_mode';
    // Overlapping windows would need a scatter-add; non-overlapping ones route each gradient to one argmax.
    if (kernel.some((k, i) => (strides[i] ?? 1) < k)) return 'MaxPool with overlapping windows';
    const attributes: Record<string, readonly number[]> = { kernel_shape: kernel, strides };
    const pads = ints(node, 'pads');
    if (pads) attributes.pads = pads;
    const [, indices] = b.op('MaxPool', [x], attributes, 2) as [string, string];
    // Relu → MaxPool (x consumed only here): the gradient reaches only each window's maximum, and that unit
    // is active exactly when the pooled value is positive, so the mask is taken on the pooled tensor (a
    // quarter of the size for 2×2) and the Relu's own backward step is skipped.
    const relu = c.producer.get(x);
    const fused = relu?.opType === 'Relu' && c.consumers.get(x) === 1;
    const upstream = fused ? b.one('Mul', [dY, reluMask(b, node.outputs[0] as string)]) : dY;
    const grad = b.one('MaxUnpool', [upstream, indices, b.one('Shape', [x])], attributes);
    if (fused && relu) {
      c.done.add(relu);
      b.accumulate(relu.inputs[0] as string, grad);
    } else b.accumulate(x, grad);
    return undefined;
  },
};

/** The op types that have a backward rule (for reports and docs). */
export const DIFFERENTIABLE_OPS: readonly string[] = Object.keys(RULES).sort();

export type GradientHead = 'cotangent' | 'cross-entropy';

/** Builds the gradient model, or says which op prevents it. */
export function buildGradientModel(
  model: Uint8Array,
  graph: OnnxGraph,
  head: GradientHead = 'cotangent',
): GradientModel | Unsupported {
  const input = graph.inputs[0]?.name;
  const output = graph.outputs[0]?.name;
  if (!input || !output) return { kind: 'unsupported', reason: 'the model declares no input or no output' };
  if (graph.inputs.length > 1)
    return { kind: 'unsupported', reason: `the model has ${graph.inputs.length} inputs; one is supported` };
  const producer = new Map<string, GraphNode>();
  for (const node of graph.nodes) for (const o of node.outputs) producer.set(o, node);
  const last = producer.get(output);
  const softmaxOutput = last?.opType === 'Softmax';
  const logits = softmaxOutput ? (last?.inputs[0] as string) : output;

  const path = new Set([input]);
  for (const node of graph.nodes)
    if (node.inputs.some((i) => path.has(i))) for (const o of node.outputs) path.add(o);
  if (!path.has(logits)) return { kind: 'unsupported', reason: 'the output does not depend on the input' };
  const onPath = (t: string) => path.has(t);

  const consumers = new Map<string, number>();
  for (const node of graph.nodes) for (const i of node.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  const context: Context = { graph, producer, consumers, done: new Set() };
  const b = new Backward();
  if (head === 'cotangent') b.seed(logits, COTANGENT_INPUT);
  else b.seed(logits, b.one('Sub', [b.one('Softmax', [logits], { axis: -1 }), ONEHOT_INPUT]));
  const producerOfLogits = producer.get(logits);
  const end = producerOfLogits ? graph.nodes.indexOf(producerOfLogits) : -1;
  for (let i = end; i >= 0; i--) {
    const node = graph.nodes[i] as GraphNode;
    const dY = node.outputs[0] !== undefined ? b.grad(node.outputs[0]) : undefined;
    if (!dY || !node.inputs.some(onPath) || context.done.has(node)) continue;
    const rule = node.domain === '' || node.domain === 'ai.onnx' ? RULES[node.opType] : undefined;
    if (!rule)
      return { kind: 'unsupported', reason: `no gradient rule for op ${node.domain || ''}${node.opType}` };
    const problem = rule(node, dY, onPath, b, context);
    if (problem) return { kind: 'unsupported', reason: problem };
  }
  const dInput = b.grad(input);
  if (!dInput) return { kind: 'unsupported', reason: 'no differentiable path from the input to the logits' };
  b.nodes.push({ opType: 'Identity', inputs: [dInput], outputs: [GRADIENT_OUTPUT] });

  const inputShape = graph.inputs[0]?.shape?.map((d, i) => d ?? `palisade_d${i}`);
  const outputs = [{ name: GRADIENT_OUTPUT, elemType: FLOAT, shape: inputShape }];
  if (!graph.outputs.some((o) => o.name === logits))
    outputs.push({ name: logits, elemType: FLOAT, shape: undefined });
  const bytes = appendToGraph(model, {
    nodes: b.nodes,
    inputs: [
      {
        name: head === 'cotangent' ? COTANGENT_INPUT : ONEHOT_INPUT,
        elemType: FLOAT,
        shape: ['palisade_batch', 'palisade_classes'],
      },
    ],
    outputs,
  });
  return { kind: 'gradient', bytes, input, logits, softmaxOutput };
}
