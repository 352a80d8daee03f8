import { statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { PalisadeError } from '@palisade/core';
import { isSigningError, type Manifest, serializeModel } from '@palisade/signing';
import { type CardFacts, readModelCard } from './card/model-card.ts';
import { parseCondaEnvironment, parsePipfileLock, parsePyproject, parseTomlLock } from './deps/lockfiles.ts';
import { mergePackages, type PackageFact } from './deps/package-fact.ts';
import { parseRequirementsTxt } from './deps/requirements.ts';
import {
  type ChatTemplateFact,
  type ConfigFacts,
  readGenerationConfig,
  readModelConfig,
  readTokenizerConfig,
  type TokenizerFacts,
  templateFact,
} from './hf/configs.ts';
import { licenseFromText } from './licenses/fingerprint.ts';
import { parseJsonObject, readTextBounded } from './read-bounded.ts';
import { type RepoIdentity, repoIdentity } from './repo-identity.ts';
import { readWeightsFacts, type WeightsFacts } from './weights/metadata.ts';

export type FileRole =
  | 'weights'
  | 'config'
  | 'tokenizer'
  | 'model-card'
  | 'code'
  | 'license'
  | 'dependencies'
  | 'signature'
  | 'other';

export interface FileFact {
  /** Relative POSIX path (the file name for a single-file model). */
  readonly path: string;
  readonly sha256: string;
  readonly role: FileRole;
  readonly weights?: WeightsFacts;
}

/** Everything the artifacts declare, before it is written in any BOM format. */
export interface ModelFacts {
  readonly root: string;
  readonly isDirectory: boolean;
  readonly identity: RepoIdentity;
  readonly files: readonly FileFact[];
  /** OMS root digest over the per-file SHA-256 (the same value `palisade sign` signs). */
  readonly rootDigest: string;
  readonly card?: CardFacts;
  readonly config?: ConfigFacts;
  readonly generation: ReadonlyMap<string, string>;
  readonly tokenizer?: TokenizerFacts;
  readonly chatTemplates: readonly ChatTemplateFact[];
  /** Licence names found in LICENSE files, GGUF or safetensors metadata: `[source, declared]`. */
  readonly otherLicenses: readonly {
    readonly source: 'license-file' | 'gguf' | 'safetensors-metadata';
    readonly declared: string;
    readonly file: string;
  }[];
  readonly packages: readonly PackageFact[];
  /** Python files named by `auto_map`: `trust_remote_code=True` runs them. */
  readonly remoteCode: readonly string[];
  readonly signatureFile?: string;
  /** Files that could not be read as what their name says, with the reason; the BOM is still produced. */
  readonly warnings: readonly string[];
}

export interface CollectOptions {
  readonly allowSymlinks?: boolean;
  /** Files hashed at once (default 4). */
  readonly concurrency?: number;
}

const WEIGHTS =
  /\.(safetensors|gguf|ggml|onnx|h5|hdf5|keras|bin|pt|pth|ckpt|pkl|pickle|joblib|npy|npz|tflite|pb|msgpack|mlmodel|nemo)$/i;
const LICENSE_FILE = /^(LICEN[CS]E|COPYING|NOTICE)(\.(md|txt|rst))?$/i;
const REQUIREMENTS = /^requirements[\w.-]*\.txt$/i;
const MAX_WEIGHTS_READ = 256;

function roleOf(path: string): FileRole {
  const name = basename(path);
  if (name === 'model.sig') return 'signature';
  if (name === 'README.md') return 'model-card';
  if (LICENSE_FILE.test(name)) return 'license';
  if (
    REQUIREMENTS.test(name) ||
    /^(pyproject\.toml|poetry\.lock|uv\.lock|Pipfile\.lock|environment\.ya?ml)$/.test(name)
  )
    return 'dependencies';
  if (
    /^(tokenizer(_config)?\.json|special_tokens_map\.json|vocab\.(json|txt)|merges\.txt|tokenizer\.model|chat_template\.(jinja|json))$/.test(
      name,
    )
  )
    return 'tokenizer';
  if (/\.py$/.test(name)) return 'code';
  if (WEIGHTS.test(name)) return 'weights';
  if (/\.(json|ya?ml)$/.test(name)) return 'config';
  return 'other';
}

function dependencyParser(name: string): ((text: string, source: string) => PackageFact[]) | undefined {
  if (REQUIREMENTS.test(name)) return parseRequirementsTxt;
  if (name === 'pyproject.toml') return parsePyproject;
  if (name === 'poetry.lock' || name === 'uv.lock') return parseTomlLock;
  if (name === 'Pipfile.lock') return parsePipfileLock;
  if (/^environment\.ya?ml$/.test(name)) return parseCondaEnvironment;
  return undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Hashes every file (the signing serializer), then reads what each kind of file declares. */
export async function collectFacts(modelPath: string, options: CollectOptions = {}): Promise<ModelFacts> {
  const root = resolve(modelPath);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(root).isDirectory();
  } catch (error) {
    throw new PalisadeError('INPUT_NOT_FOUND', `No such file or directory: ${modelPath}`, { cause: error });
  }
  let manifest: Manifest;
  try {
    manifest = await serializeModel(root, {
      allowSymlinks: options.allowSymlinks ?? false,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    });
  } catch (error) {
    if (isSigningError(error) && error.reason === 'SYMLINK_NOT_ALLOWED') {
      throw new PalisadeError(
        'INPUT_INVALID',
        `${error.message}. Hugging Face cache snapshots are symlinks into blobs/: pass allowSymlinks (palisade bom --allow-symlinks) to hash their targets.`,
        { cause: error },
      );
    }
    throw error;
  }
  const warnings: string[] = [];
  const files: FileFact[] = [];
  const packages: PackageFact[] = [];
  const otherLicenses: {
    source: 'license-file' | 'gguf' | 'safetensors-metadata';
    declared: string;
    file: string;
  }[] = [];
  const chatTemplates: ChatTemplateFact[] = [];
  let card: CardFacts | undefined;
  let config: ConfigFacts | undefined;
  let generation = new Map<string, string>();
  let tokenizer: TokenizerFacts | undefined;
  let signatureFile: string | undefined;
  let weightsRead = 0;

  for (const resource of manifest.resources) {
    const rel = resource.name === '.' ? basename(root) : resource.name;
    const full = resource.name === '.' ? root : join(root, resource.name);
    const atRoot = !rel.includes('/');
    const role = isDirectory ? roleOf(rel) : 'weights';
    let weights: WeightsFacts | undefined;
    try {
      const name = basename(rel);
      if (role === 'weights' && weightsRead < MAX_WEIGHTS_READ) {
        weightsRead++;
        weights = await readWeightsFacts(full);
        chatTemplates.push(...weights.chatTemplates);
        if (weights.license)
          otherLicenses.push({
            source: weights.format === 'gguf' ? 'gguf' : 'safetensors-metadata',
            declared: weights.license,
            file: rel,
          });
      } else if (role === 'model-card' && atRoot) card = readModelCard(readTextBounded(full));
      else if (role === 'signature' && atRoot) signatureFile = rel;
      else if (role === 'license' && atRoot) {
        const declared = licenseFromText(readTextBounded(full));
        if (declared) otherLicenses.push({ source: 'license-file', declared, file: rel });
      } else if (role === 'config' && atRoot && name === 'config.json')
        config = readModelConfig(parseJsonObject(readTextBounded(full), rel));
      else if (role === 'config' && atRoot && name === 'generation_config.json')
        generation = readGenerationConfig(parseJsonObject(readTextBounded(full), rel));
      else if (role === 'tokenizer' && atRoot && name === 'tokenizer_config.json') {
        tokenizer = readTokenizerConfig(parseJsonObject(readTextBounded(full), rel), rel);
        chatTemplates.push(...tokenizer.chatTemplates);
      } else if (role === 'tokenizer' && atRoot && name === 'chat_template.jinja')
        chatTemplates.push(templateFact('default', rel, readTextBounded(full)));
      else if (role === 'dependencies' && rel.split('/').length <= 2) {
        const parse = dependencyParser(name);
        if (parse) packages.push(...parse(readTextBounded(full), rel));
      }
    } catch (error) {
      warnings.push(`${rel}: ${message(error)}`);
    }
    files.push({ path: rel, sha256: resource.digest, role, ...(weights ? { weights } : {}) });
  }

  const remoteCode = (config?.autoMap ?? [])
    .map((ref) => `${ref.split('--').pop()?.split('.')[0] ?? ''}.py`)
    .filter((file, i, all) => file !== '.py' && all.indexOf(file) === i);
  return {
    root,
    isDirectory,
    identity: repoIdentity(root),
    files,
    rootDigest: manifest.rootDigest,
    ...(card ? { card } : {}),
    ...(config ? { config } : {}),
    generation,
    ...(tokenizer ? { tokenizer } : {}),
    chatTemplates,
    otherLicenses,
    packages: mergePackages(packages),
    remoteCode,
    ...(signatureFile ? { signatureFile } : {}),
    warnings,
  };
}
