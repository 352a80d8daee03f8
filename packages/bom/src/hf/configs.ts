import { createHash } from 'node:crypto';
import { isRecord, str } from '../read-bounded.ts';

/** A chat template, hashed so that a swapped template shows up as a changed component (CycloneDX #862). */
export interface ChatTemplateFact {
  readonly name: string;
  /** Where it was found: `tokenizer_config.json`, `chat_template.jinja`, a GGUF key… */
  readonly source: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface ConfigFacts {
  readonly architectureFamily?: string;
  readonly modelArchitecture?: string;
  /** `cdx:ai-ml:model:hyperparameter:<name>` values. */
  readonly hyperparameters: ReadonlyMap<string, string>;
  /** `auto_map` names code in the repo that `trust_remote_code=True` runs. */
  readonly autoMap: readonly string[];
  readonly torchDtype?: string;
}

export interface TokenizerFacts {
  /** `cdx:ai-ml:tokenizer:hyperparameter:<name>` values. */
  readonly hyperparameters: ReadonlyMap<string, string>;
  readonly chatTemplates: readonly ChatTemplateFact[];
}

/** config.json keys mapped to the predefined hyperparameter names of the cdx:ai-ml taxonomy. */
const MODEL_KEYS: readonly (readonly [string, string])[] = [
  ['vocab_size', 'vocab_size'],
  ['hidden_size', 'hidden_size'],
  ['d_model', 'hidden_size'],
  ['n_embd', 'hidden_size'],
  ['num_hidden_layers', 'num_hidden_layers'],
  ['n_layer', 'num_hidden_layers'],
  ['num_layers', 'num_hidden_layers'],
  ['num_attention_heads', 'num_attention_heads'],
  ['n_head', 'num_attention_heads'],
  ['num_key_value_heads', 'num_key_value_heads'],
  ['intermediate_size', 'intermediate_size'],
  ['max_position_embeddings', 'max_position_embeddings'],
  ['n_positions', 'max_position_embeddings'],
  ['hidden_act', 'hidden_act'],
  ['activation_function', 'hidden_act'],
  ['rms_norm_eps', 'layer_norm_epsilon'],
  ['layer_norm_eps', 'layer_norm_epsilon'],
  ['layer_norm_epsilon', 'layer_norm_epsilon'],
  ['activation_dropout', 'activation_dropout'],
  ['rope_theta', 'rope_theta'],
];

function scalar(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' || typeof value === 'boolean' ? str(value, 256) : undefined;
}

export function readModelConfig(config: Record<string, unknown>): ConfigFacts {
  const hyperparameters = new Map<string, string>();
  for (const [key, name] of MODEL_KEYS) {
    const value = scalar(config[key]);
    if (value !== undefined && !hyperparameters.has(name)) hyperparameters.set(name, value);
  }
  const quant = isRecord(config.quantization_config) ? config.quantization_config : undefined;
  const quantMethod = quant ? scalar(quant.quant_method) : undefined;
  if (quantMethod) {
    const bits = quant ? (scalar(quant.bits) ?? (quant.load_in_4bit === true ? '4' : undefined)) : undefined;
    hyperparameters.set('quantization', bits ? `${quantMethod} ${bits}-bit` : quantMethod);
  }
  const architectures = Array.isArray(config.architectures) ? config.architectures : [];
  const autoMap = isRecord(config.auto_map)
    ? Object.values(config.auto_map)
        .flatMap((v) => (Array.isArray(v) ? v : [v]))
        .map((v) => str(v))
    : [];
  const family = str(config.model_type, 256);
  const architecture = str(architectures[0], 256);
  const dtype = str(config.torch_dtype ?? config.dtype, 64);
  return {
    ...(family ? { architectureFamily: family } : {}),
    ...(architecture ? { modelArchitecture: architecture } : {}),
    hyperparameters,
    autoMap: autoMap.filter((v): v is string => v !== undefined).slice(0, 50),
    ...(dtype ? { torchDtype: dtype } : {}),
  };
}

/** generation_config.json: the decoding defaults a deployment inherits. */
export function readGenerationConfig(config: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of [
    'temperature',
    'top_p',
    'top_k',
    'max_new_tokens',
    'max_length',
    'do_sample',
    'repetition_penalty',
  ]) {
    const value = scalar(config[key]);
    if (value !== undefined) out.set(key, value);
  }
  return out;
}

function tokenText(value: unknown): string | undefined {
  return str(isRecord(value) ? value.content : value, 256);
}

export function templateFact(name: string, source: string, template: string): ChatTemplateFact {
  return {
    name,
    source,
    sha256: createHash('sha256').update(template, 'utf8').digest('hex'),
    bytes: Buffer.byteLength(template, 'utf8'),
  };
}

export function readTokenizerConfig(config: Record<string, unknown>, source: string): TokenizerFacts {
  const hyperparameters = new Map<string, string>();
  const cls = str(config.tokenizer_class, 256);
  if (cls) hyperparameters.set('tokenizer_class', cls);
  for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
    const token = tokenText(config[key]);
    if (token !== undefined) hyperparameters.set(key, token);
  }
  const side = str(config.padding_side, 16);
  if (side) hyperparameters.set('padding_side', side);
  const maxLength = scalar(config.model_max_length);
  if (maxLength !== undefined && Number(maxLength) < 1e12) hyperparameters.set('model_max_length', maxLength);
  const chatTemplates: ChatTemplateFact[] = [];
  const template = config.chat_template;
  if (typeof template === 'string') chatTemplates.push(templateFact('default', source, template));
  else if (Array.isArray(template)) {
    for (const entry of template.slice(0, 50)) {
      if (isRecord(entry) && typeof entry.template === 'string')
        chatTemplates.push(templateFact(str(entry.name, 128) ?? 'default', source, entry.template));
    }
  }
  return { hyperparameters, chatTemplates };
}
