import {
  FileRandomAccess,
  type GgufFile,
  ggufChatTemplates,
  openZipEntry,
  type RandomAccess,
  randomAccessReader,
  readGguf,
  readHdf5RootAttributes,
  readOnnxModel,
  readSafetensorsHeader,
  readZip,
  sniffFormat,
} from '@palisade/formats';
import { type ChatTemplateFact, templateFact } from '../hf/configs.ts';

/** What a weights file says about the model, read with Palisade's own bounded, non-executing readers. */
export interface WeightsFacts {
  /** Format recognised from content (`safetensors`, `gguf`, `onnx`, `hdf5`, `pickle`, `zip`, …). */
  readonly format: string;
  readonly parameterCount?: bigint;
  readonly dtypes?: readonly string[];
  readonly tensorCount?: number;
  /** Key/value facts: GGUF `general.*`, ONNX producer, Keras version… */
  readonly metadata: ReadonlyMap<string, string>;
  /** `cdx:ai-ml:model:hyperparameter:<name>` values (GGUF headers carry them). */
  readonly hyperparameters: ReadonlyMap<string, string>;
  readonly tokenizer: ReadonlyMap<string, string>;
  readonly chatTemplates: readonly ChatTemplateFact[];
  readonly license?: string;
  /** Loading the file runs a pickle VM (PyTorch .bin/.pt, joblib, .pkl). */
  readonly pickle: boolean;
}

const HEAD_BYTES = 4096;
const TORCH_ZIP = /\.(pt|pth|bin|ckpt|pkl|joblib|nemo)$/i;

function product(dims: readonly bigint[]): bigint {
  return dims.reduce((a, b) => a * b, 1n);
}

function ggufValue(file: GgufFile, key: string): string | undefined {
  const kv = file.kvs.find((k) => k.key === key);
  if (kv?.value === undefined) return undefined;
  return typeof kv.value === 'string' ? kv.value.slice(0, 4096) : String(kv.value);
}

/** GGUF keys (llama.cpp's names) mapped to the cdx:ai-ml hyperparameter names. */
const GGUF_ARCH_KEYS: readonly (readonly [string, string])[] = [
  ['context_length', 'context_length'],
  ['embedding_length', 'hidden_size'],
  ['block_count', 'num_hidden_layers'],
  ['attention.head_count', 'num_attention_heads'],
  ['attention.head_count_kv', 'num_key_value_heads'],
  ['feed_forward_length', 'intermediate_size'],
  ['rope.dimension_count', 'rope_dimension_count'],
  ['attention.layer_norm_rms_epsilon', 'layer_norm_epsilon'],
];

function ggufFacts(file: GgufFile): WeightsFacts {
  const metadata = new Map<string, string>();
  for (const key of [
    'general.architecture',
    'general.name',
    'general.author',
    'general.version',
    'general.organization',
  ]) {
    const value = ggufValue(file, key);
    if (value !== undefined) metadata.set(key, value);
  }
  const hyperparameters = new Map<string, string>();
  const arch = ggufValue(file, 'general.architecture');
  if (arch) {
    for (const [suffix, name] of GGUF_ARCH_KEYS) {
      const value = ggufValue(file, `${arch}.${suffix}`);
      if (value !== undefined) hyperparameters.set(name, value);
    }
  }
  const quantVersion = ggufValue(file, 'general.quantization_version');
  if (quantVersion !== undefined) hyperparameters.set('quantization_version', quantVersion);
  const fileType = ggufValue(file, 'general.file_type');
  if (fileType !== undefined) hyperparameters.set('quantization', `ggml file type ${fileType}`);
  const tokenizer = new Map<string, string>();
  const tokenizerModel = ggufValue(file, 'tokenizer.ggml.model');
  if (tokenizerModel) tokenizer.set('tokenizer_class', tokenizerModel);
  const tokens = file.kvs.find((k) => k.key === 'tokenizer.ggml.tokens');
  if (tokens?.count !== undefined) {
    tokenizer.set('vocab_size', String(tokens.count));
    if (!hyperparameters.has('vocab_size')) hyperparameters.set('vocab_size', String(tokens.count));
  }
  const license = ggufValue(file, 'general.license');
  return {
    format: 'gguf',
    parameterCount: file.tensors.reduce((sum, t) => sum + product(t.dims), 0n),
    dtypes: [...new Set(file.tensors.map((t) => t.typeName ?? `type ${t.type}`))],
    tensorCount: file.tensors.length,
    metadata,
    hyperparameters,
    tokenizer,
    chatTemplates: ggufChatTemplates(file).map((t) => templateFact(t.name, `GGUF ${t.key}`, t.template)),
    ...(license ? { license } : {}),
    pickle: false,
  };
}

function empty(format: string, pickle = false): WeightsFacts {
  return {
    format,
    metadata: new Map(),
    hyperparameters: new Map(),
    tokenizer: new Map(),
    chatTemplates: [],
    pickle,
  };
}

const MAX_KERAS_JSON = 4 * 1024 * 1024;

async function zipText(
  source: RandomAccess,
  entries: Awaited<ReturnType<typeof readZip>>['entries'],
  name: string,
) {
  const entry = entries.find((e) => e.name === name);
  if (!entry) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of openZipEntry(source, entry, { maxOutputBytes: MAX_KERAS_JSON }))
    chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

/** Keras 3 `.keras` archives: `metadata.json` (Keras version, save date) and the model class in `config.json`. */
async function kerasV3Facts(source: RandomAccess): Promise<WeightsFacts> {
  const { entries } = await readZip(source);
  const metadata = new Map<string, string>();
  const meta = await zipText(source, entries, 'metadata.json');
  if (meta && typeof meta === 'object') {
    for (const key of ['keras_version', 'date_saved']) {
      const value = (meta as Record<string, unknown>)[key];
      if (typeof value === 'string') metadata.set(`keras.${key}`, value.slice(0, 256));
    }
  }
  const config = await zipText(source, entries, 'config.json');
  const cls =
    config && typeof config === 'object' ? (config as Record<string, unknown>).class_name : undefined;
  if (typeof cls === 'string') metadata.set('keras.class_name', cls.slice(0, 256));
  return { ...empty('keras-v3'), metadata };
}

/**
 * Reads the metadata of one model file. Never throws for malformed content: a file the readers cannot make
 * sense of is reported by its sniffed format only (the scanner, not the BOM, judges malformed files).
 */
export async function readWeightsFacts(path: string): Promise<WeightsFacts> {
  await using source = await FileRandomAccess.open(path);
  const head = await source.read(0, HEAD_BYTES);
  const format = await sniffFormat(head, path);
  try {
    if (format === 'safetensors') {
      const header = await readSafetensorsHeader(source);
      const metadata = new Map(header.metadataEntries.slice(0, 100).map(([k, v]) => [k, v.slice(0, 4096)]));
      const license = metadata.get('license');
      return {
        ...empty('safetensors'),
        parameterCount: header.tensors.reduce((sum, t) => sum + product(t.shape), 0n),
        dtypes: [...new Set(header.tensors.map((t) => t.dtype))],
        tensorCount: header.tensors.length,
        metadata,
        ...(license ? { license } : {}),
      };
    }
    if (format === 'gguf') return ggufFacts(await readGguf(source));
    if (format === 'onnx') {
      const info = await readOnnxModel(randomAccessReader(source), { size: source.size });
      const metadata = new Map<string, string>();
      if (info.producerName) metadata.set('onnx.producer_name', info.producerName);
      if (info.producerVersion) metadata.set('onnx.producer_version', info.producerVersion);
      if (info.irVersion !== undefined) metadata.set('onnx.ir_version', String(info.irVersion));
      const opset = info.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx');
      if (opset) metadata.set('onnx.opset', String(opset.version));
      return { ...empty('onnx'), metadata };
    }
    if (format === 'zip' && /\.keras$/i.test(path)) return await kerasV3Facts(source);
    if (format === 'hdf5') {
      const attributes = await readHdf5RootAttributes(path, ['keras_version', 'backend']);
      const metadata = new Map<string, string>();
      for (const [name, value] of attributes.values)
        if (value.kind === 'string') metadata.set(`keras.${name}`, value.value.slice(0, 256));
      return { ...empty('hdf5'), metadata };
    }
  } catch {
    return empty(format);
  }
  return empty(format, format === 'pickle' || (format === 'zip' && TORCH_ZIP.test(path)));
}
