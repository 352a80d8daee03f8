import type { AttributeValue } from './graph.ts';

/**
 * A minimal protobuf writer for the ONNX messages that gradient building adds to a model: nodes, attributes,
 * small constant tensors and graph inputs/outputs. The new messages are appended to the model as a second
 * `graph` field; protobuf merges repeated occurrences of a message field (repeated fields concatenate), so the
 * original bytes are never re-encoded.
 */

export interface NewNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Numbers are written as INT attributes; floats must be wrapped in a `FloatValue`. */
  readonly attributes?: Readonly<Record<string, AttributeValue | FloatTensor | IntTensor | FloatValue>>;
}

export interface FloatValue {
  readonly kind: 'float';
  readonly value: number;
}

/** A small float32 constant (for `Constant` nodes). */
export interface FloatTensor {
  readonly kind: 'tensor';
  readonly dims: readonly number[];
  readonly values: readonly number[];
}

/** A small int64 constant (shapes, axes, slice bounds). */
export interface IntTensor {
  readonly kind: 'int64s';
  readonly dims: readonly number[];
  readonly values: readonly number[];
}

export interface NewValue {
  readonly name: string;
  /** onnx.TensorProto.DataType: FLOAT = 1. */
  readonly elemType: number;
  /** A size per dimension, or a symbolic name; undefined when unknown (no shape is declared). */
  readonly shape: readonly (number | string)[] | undefined;
}

export interface GraphAddition {
  readonly nodes: readonly NewNode[];
  readonly inputs: readonly NewValue[];
  readonly outputs: readonly NewValue[];
}

class Writer {
  readonly #parts: number[] = [];

  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      this.#parts.push(v > 0n ? byte | 0x80 : byte);
    } while (v > 0n);
    return this;
  }

  key(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  bytes(field: number, payload: Uint8Array): this {
    this.key(field, 2).varint(payload.length);
    for (const b of payload) this.#parts.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  int(field: number, value: number): this {
    return this.key(field, 0).varint(value);
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.key(field, 5);
    for (const x of b) this.#parts.push(x);
    return this;
  }

  packedInts(field: number, values: readonly number[]): this {
    const inner = new Writer();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.done());
  }

  packedFloats(field: number, values: readonly number[]): this {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => {
      view.setFloat32(i * 4, v, true);
    });
    return this.bytes(field, b);
  }

  done(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

function tensor(t: FloatTensor | IntTensor): Uint8Array {
  // TensorProto: dims 1, data_type 2 (FLOAT 1, INT64 7), float_data 4, int64_data 7.
  const w = new Writer().packedInts(1, t.dims);
  return t.kind === 'tensor'
    ? w.int(2, 1).packedFloats(4, t.values).done()
    : w.int(2, 7).packedInts(7, t.values).done();
}

function attribute(name: string, value: AttributeValue | FloatTensor | IntTensor | FloatValue): Uint8Array {
  const w = new Writer().string(1, name);
  // AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, INTS 7.
  if (typeof value === 'string') return w.string(4, value).int(20, 3).done();
  if (typeof value === 'number') return w.int(3, value).int(20, 2).done();
  if ('kind' in value)
    return value.kind === 'float'
      ? w.float(2, value.value).int(20, 1).done()
      : w.bytes(5, tensor(value)).int(20, 4).done();
  return w.packedInts(8, value).int(20, 7).done();
}

function node(n: NewNode, index: number): Uint8Array {
  const w = new Writer();
  for (const input of n.inputs) w.string(1, input);
  for (const output of n.outputs) w.string(2, output);
  w.string(3, `palisade_grad_${index}_${n.opType}`).string(4, n.opType);
  for (const [name, value] of Object.entries(n.attributes ?? {})) w.bytes(5, attribute(name, value));
  return w.done();
}

function valueInfo(v: NewValue): Uint8Array {
  const tensorType = new Writer().int(1, v.elemType);
  if (v.shape) {
    const shape = new Writer();
    for (const d of v.shape) {
      const dim = typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d);
      shape.bytes(1, dim.done());
    }
    tensorType.bytes(2, shape.done());
  }
  const type = new Writer().bytes(1, tensorType.done()).done();
  return new Writer().string(1, v.name).bytes(2, type).done();
}

/** The model bytes with the addition merged into its main graph. */
export function appendToGraph(model: Uint8Array, addition: GraphAddition): Uint8Array {
  const graph = new Writer();
  addition.nodes.forEach((n, i) => {
    graph.bytes(1, node(n, i));
  });
  for (const v of addition.inputs) graph.bytes(11, valueInfo(v));
  for (const v of addition.outputs) graph.bytes(12, valueInfo(v));
  const tail = new Writer().bytes(7, graph.done()).done();
  const out = new Uint8Array(model.length + tail.length);
  out.set(model, 0);
  out.set(tail, model.length);
  return out;
}
