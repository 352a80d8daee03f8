import { PalisadeError } from '@palisade/core';
import { type BufferField, scanBufferFields } from '@palisade/formats';

/**
 * The parts of an ONNX `ModelProto` that gradient building needs: the main graph's nodes in order, its inputs,
 * outputs and initializers (names and shapes; tensor payloads are not decoded), and the default opset.
 * Field numbers from onnx.proto: ModelProto graph 7, opset_import 8; GraphProto node 1, initializer 5,
 * input 11, output 12, value_info 13; NodeProto input 1, output 2, name 3, op_type 4, attribute 5, domain 7;
 * AttributeProto name 1, f 2, i 3, s 4, floats 7, ints 8, type 20; TensorProto dims 1, name 8;
 * ValueInfoProto name 1, type 2; TypeProto tensor_type 1; Tensor elem_type 1, shape 2; TensorShapeProto dim 1;
 * Dimension dim_value 1, dim_param 2; OperatorSetIdProto domain 1, version 2.
 */

export type AttributeValue = number | string | readonly number[];

export interface GraphNode {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, AttributeValue>;
}

export interface GraphValue {
  readonly name: string;
  readonly elemType: number | undefined;
  /** Per dimension: a size, or undefined for a symbolic or unknown one. Undefined when the rank is unknown. */
  readonly shape: readonly (number | undefined)[] | undefined;
}

export interface OnnxGraph {
  readonly nodes: readonly GraphNode[];
  readonly inputs: readonly GraphValue[];
  readonly outputs: readonly GraphValue[];
  /** Constant tensors (initializers and the outputs of `Constant` nodes) → dims. */
  readonly initializers: ReadonlyMap<string, readonly number[]>;
  /** value_info shapes that the exporter recorded for intermediate tensors. */
  readonly valueInfo: ReadonlyMap<string, GraphValue>;
  /** Version of the default ("" or "ai.onnx") operator set. */
  readonly opset: number | undefined;
}

/** Bounds: a model for robustness evaluation is loaded whole by ONNX Runtime anyway. */
export const MAX_MODEL_BYTES = 2 ** 31 - 1;
const MAX_NODES = 200_000;
const MAX_FIELDS = 4_000_000;

const WIRE_LEN = 2;
const WIRE_I32 = 5;
const utf8 = new TextDecoder('utf-8', { fatal: false });

function fieldsOf(bytes: Uint8Array, start: number, end: number, what: string): BufferField[] {
  const { fields, stop } = scanBufferFields(bytes, start, end, MAX_FIELDS);
  if (stop !== 'end')
    throw new PalisadeError(
      'INPUT_INVALID',
      `the ONNX model is malformed (${stop} protobuf in ${what}); re-export it with torch.onnx.export or onnx.save`,
    );
  return fields;
}

const text = (bytes: Uint8Array, f: BufferField) => utf8.decode(bytes.subarray(f.start, f.end));

/**
 * Decodes the int64 varint at `pos` exactly (scanBufferFields gives varints as doubles, which cannot hold the
 * two's complement of a negative int64 such as an axis of -1). Returns the value and the next position.
 */
function int64At(bytes: Uint8Array, pos: number, end: number): [number, number] {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= end || shift > 63n)
      throw new PalisadeError('INPUT_INVALID', 'the ONNX model has a malformed integer');
    const b = bytes[pos++] ?? 0;
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) return [Number(BigInt.asIntN(64, value)), pos];
  }
}

const intOf = (bytes: Uint8Array, f: BufferField) => int64At(bytes, f.start, f.end)[0];

/** Values of a repeated integer field, packed or not. */
function pushInts(bytes: Uint8Array, f: BufferField, out: number[]): void {
  if (f.wireType !== WIRE_LEN) {
    out.push(intOf(bytes, f));
    return;
  }
  for (let pos = f.start; pos < f.end; ) {
    const [value, next] = int64At(bytes, pos, f.end);
    out.push(value);
    pos = next;
  }
}

function float32At(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getFloat32(0, true);
}

/** A TENSOR attribute is kept as its dims only (payloads are never decoded). */
const TENSOR_DIMS = Symbol('tensor dims');

function readAttribute(
  bytes: Uint8Array,
  start: number,
  end: number,
): [string, AttributeValue] | [string, typeof TENSOR_DIMS, number[]] | undefined {
  let name = '';
  let tensorDims: number[] | undefined;
  let type = 0;
  let f: number | undefined;
  let i: number | undefined;
  let s: string | undefined;
  const ints: number[] = [];
  const floats: number[] = [];
  for (const field of fieldsOf(bytes, start, end, 'an attribute')) {
    if (field.number === 1 && field.wireType === WIRE_LEN) name = text(bytes, field);
    else if (field.number === 2 && field.wireType === WIRE_I32) f = float32At(bytes, field.start);
    else if (field.number === 3 && field.wireType !== WIRE_LEN) i = intOf(bytes, field);
    else if (field.number === 4 && field.wireType === WIRE_LEN) s = text(bytes, field);
    else if (field.number === 5 && field.wireType === WIRE_LEN)
      tensorDims = readInitializerDims(bytes, field.start, field.end)[1];
    else if (field.number === 7 && field.wireType === WIRE_I32) floats.push(float32At(bytes, field.start));
    else if (field.number === 7 && field.wireType === WIRE_LEN)
      for (let p = field.start; p + 4 <= field.end; p += 4) floats.push(float32At(bytes, p));
    else if (field.number === 8) pushInts(bytes, field, ints);
    else if (field.number === 20) type = field.value;
  }
  // AttributeType: FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7. Tensors and graphs are not needed here.
  if (type === 1 && f !== undefined) return [name, f];
  if (type === 2 && i !== undefined) return [name, i];
  if (type === 3 && s !== undefined) return [name, s];
  if (type === 4 && tensorDims) return [name, TENSOR_DIMS, tensorDims];
  if (type === 6) return [name, floats];
  if (type === 7) return [name, ints];
  return undefined;
}

function readNode(bytes: Uint8Array, start: number, end: number): GraphNode & { valueDims?: number[] } {
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes = new Map<string, AttributeValue>();
  let opType = '';
  let domain = '';
  let name = '';
  let valueDims: number[] | undefined;
  for (const field of fieldsOf(bytes, start, end, 'a node')) {
    if (field.wireType !== WIRE_LEN) continue;
    if (field.number === 1) inputs.push(text(bytes, field));
    else if (field.number === 2) outputs.push(text(bytes, field));
    else if (field.number === 3) name = text(bytes, field);
    else if (field.number === 4) opType = text(bytes, field);
    else if (field.number === 7) domain = text(bytes, field);
    else if (field.number === 5) {
      const attribute = readAttribute(bytes, field.start, field.end);
      if (attribute?.[1] === TENSOR_DIMS) {
        if (attribute[0] === 'value') valueDims = attribute[2];
      } else if (attribute) attributes.set(attribute[0], attribute[1]);
    }
  }
  return { opType, domain, name, inputs, outputs, attributes, ...(valueDims ? { valueDims } : {}) };
}

function readShape(bytes: Uint8Array, start: number, end: number): (number | undefined)[] {
  const dims: (number | undefined)[] = [];
  for (const dim of fieldsOf(bytes, start, end, 'a shape')) {
    if (dim.number !== 1 || dim.wireType !== WIRE_LEN) continue;
    let size: number | undefined;
    for (const part of fieldsOf(bytes, dim.start, dim.end, 'a dimension'))
      if (part.number === 1 && part.wireType !== WIRE_LEN) size = intOf(bytes, part);
    dims.push(size !== undefined && size >= 0 ? size : undefined);
  }
  return dims;
}

function readValueInfo(bytes: Uint8Array, start: number, end: number): GraphValue {
  let name = '';
  let elemType: number | undefined;
  let shape: (number | undefined)[] | undefined;
  for (const field of fieldsOf(bytes, start, end, 'a value')) {
    if (field.number === 1 && field.wireType === WIRE_LEN) name = text(bytes, field);
    if (field.number !== 2 || field.wireType !== WIRE_LEN) continue;
    for (const kind of fieldsOf(bytes, field.start, field.end, 'a type')) {
      if (kind.number !== 1 || kind.wireType !== WIRE_LEN) continue;
      for (const part of fieldsOf(bytes, kind.start, kind.end, 'a tensor type')) {
        if (part.number === 1 && part.wireType !== WIRE_LEN) elemType = part.value;
        if (part.number === 2 && part.wireType === WIRE_LEN) shape = readShape(bytes, part.start, part.end);
      }
    }
  }
  return { name, elemType, shape };
}

function readInitializerDims(bytes: Uint8Array, start: number, end: number): [string, number[]] {
  let name = '';
  const dims: number[] = [];
  for (const field of fieldsOf(bytes, start, end, 'an initializer')) {
    if (field.number === 1) pushInts(bytes, field, dims);
    else if (field.number === 8 && field.wireType === WIRE_LEN) name = text(bytes, field);
  }
  return [name, dims];
}

/** Reads the main graph of an ONNX model held in memory. Throws INPUT_INVALID on anything malformed. */
export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  if (bytes.length > MAX_MODEL_BYTES)
    throw new PalisadeError('LIMIT_EXCEEDED', `the ONNX model is larger than ${MAX_MODEL_BYTES} bytes`);
  const nodes: GraphNode[] = [];
  const inputs: GraphValue[] = [];
  const outputs: GraphValue[] = [];
  const initializers = new Map<string, readonly number[]>();
  const valueInfo = new Map<string, GraphValue>();
  let opset: number | undefined;
  let graphs = 0;
  for (const field of fieldsOf(bytes, 0, bytes.length, 'the model')) {
    if (field.wireType !== WIRE_LEN) continue;
    if (field.number === 8) {
      let domain = '';
      let version: number | undefined;
      for (const part of fieldsOf(bytes, field.start, field.end, 'an opset import')) {
        if (part.number === 1 && part.wireType === WIRE_LEN) domain = text(bytes, part);
        if (part.number === 2 && part.wireType !== WIRE_LEN) version = part.value;
      }
      if (domain === '' || domain === 'ai.onnx') opset = version;
    }
    if (field.number !== 7) continue;
    graphs++;
    // Protobuf merges repeated occurrences of a message field; so do we.
    for (const part of fieldsOf(bytes, field.start, field.end, 'the graph')) {
      if (part.wireType !== WIRE_LEN) continue;
      if (part.number === 1) {
        if (nodes.length >= MAX_NODES)
          throw new PalisadeError('LIMIT_EXCEEDED', `the ONNX graph has more than ${MAX_NODES} nodes`);
        const node = readNode(bytes, part.start, part.end);
        if (node.opType === 'Constant' && node.valueDims && node.outputs[0])
          initializers.set(node.outputs[0], node.valueDims);
        nodes.push(node);
      } else if (part.number === 5) {
        const [name, dims] = readInitializerDims(bytes, part.start, part.end);
        initializers.set(name, dims);
      } else if (part.number === 11) inputs.push(readValueInfo(bytes, part.start, part.end));
      else if (part.number === 12) outputs.push(readValueInfo(bytes, part.start, part.end));
      else if (part.number === 13) {
        const value = readValueInfo(bytes, part.start, part.end);
        valueInfo.set(value.name, value);
      }
    }
  }
  if (graphs === 0)
    throw new PalisadeError('INPUT_INVALID', 'the file holds no ONNX graph; is it an ONNX model?');
  return {
    nodes,
    // Older exporters list initializers among the inputs too; those are weights, not model inputs.
    inputs: inputs.filter((v) => !initializers.has(v.name)),
    outputs,
    initializers,
    valueInfo,
    opset,
  };
}
