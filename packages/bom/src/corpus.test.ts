import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { generateBom } from './generate.ts';
import { buildSpdx } from './spdx/build.ts';
import { validateSpdx } from './spdx/validate.ts';
import { cycloneDxProblems } from './test-support.ts';

/**
 * Real model files of every format in the shared corpus, benign and malicious (a representative subset, to keep
 * the suite fast): each gives a BOM that ajv and the official library accept on CycloneDX 1.6 and 1.7, and an SPDX 3.0.1
 * document that passes the structural validator.
 */
const CORPUS = resolve(import.meta.dirname, '../../../../shared/corpus/generated');

const SAMPLES = [
  'benign/hf_repo',
  'benign/model.safetensors',
  'benign/tiny_llama.gguf',
  'benign/mlp.onnx',
  'benign/onnx_external',
  'benign/keras_dense.h5',
  'benign/keras_v3_dense.keras',
  'benign/pytorch_model.bin',
  'benign/torchscript_mlp.pt',
  'benign/sklearn_pipeline.joblib',
  'benign/weights_float32.npy',
  'benign/arrays.npz',
  'benign/tf_savedmodel',
  'mal_formats/hf_repo_remote_code',
  'mal_formats/gguf_chat_template_ssti.gguf',
  'mal_formats/safetensors_header_overflow.safetensors',
  'mal_formats/onnx_custom_pyop.onnx',
  'mal_formats/onnx_traversal',
  'mal_formats/keras_h5_lambda.h5',
  'mal_formats/keras_v3_lambda.keras',
  'mal_control/ctl_p0_os_system.pkl',
  'mal_control/ctl_torch_zip.pt',
  'mal_container/nullifai_7z.pt',
  'mal_container/torch_legacy_tar.pt',
  'mal_container/polyglot_pickle_zip.pkl',
  'mal_container/joblib_gzip.pkl.gz',
] as const;

const fixed = { serialNumber: 'urn:uuid:00000000-0000-4000-8000-000000000000', timestamp: new Date(0) };

for (const sample of SAMPLES) {
  test(`corpus ${sample}: valid CycloneDX 1.6 and 1.7 and SPDX 3.0.1`, async () => {
    for (const specVersion of ['1.6', '1.7'] as const) {
      const bom = await generateBom(join(CORPUS, sample), { specVersion, ...fixed });
      assert.deepEqual(await cycloneDxProblems(bom.document, specVersion), []);
      if (specVersion === '1.6') assert.deepEqual(validateSpdx(buildSpdx(bom.view)), []);
    }
  });
}

function prop(
  list: readonly { name: string; value: string }[] | undefined,
  name: string,
): string | undefined {
  return list?.find((p) => p.name === name)?.value;
}

test('format metadata reaches the BOM: GGUF header, ONNX producer, Keras versions, pickle, remote code', async () => {
  const gguf = await generateBom(join(CORPUS, 'benign/tiny_llama.gguf'), fixed);
  const ggufModel = gguf.document.metadata.component;
  const ggufHash = gguf.document.metadata.component.hashes?.[0];
  assert.equal(ggufHash?.alg, 'SHA-256');
  const ggufBytes = readFileSync(join(CORPUS, 'benign/tiny_llama.gguf'));
  assert.equal(ggufHash?.content, createHash('sha256').update(ggufBytes).digest('hex'));
  assert.equal(ggufModel.purl, `pkg:generic/${ggufModel.name}?checksum=sha256%3A${ggufHash?.content}`);
  assert.ok(prop(ggufModel.components?.[0]?.properties, 'palisade:ai:metadata:general.architecture'));
  assert.equal(
    ggufModel.modelCard?.modelParameters?.architectureFamily,
    prop(ggufModel.components?.[0]?.properties, 'palisade:ai:metadata:general.architecture'),
  );
  assert.ok(
    gguf.document.components.some((c) => prop(c.properties, 'cdx:ai-ml:model:template:chat') !== undefined),
  );

  const onnx = await generateBom(join(CORPUS, 'benign/mlp.onnx'), fixed);
  assert.ok(
    prop(
      onnx.document.metadata.component.components?.[0]?.properties,
      'palisade:ai:metadata:onnx.producer_name',
    ),
  );

  const keras3 = await generateBom(join(CORPUS, 'benign/keras_v3_dense.keras'), fixed);
  const keras3File = keras3.document.metadata.component.components?.[0]?.properties;
  assert.equal(prop(keras3File, 'palisade:ai:metadata:keras.keras_version'), '3.4.1');
  assert.equal(prop(keras3File, 'palisade:ai:metadata:keras.class_name'), 'Sequential');
  const keras2 = await generateBom(join(CORPUS, 'benign/keras_dense.h5'), fixed);
  const keras2File = keras2.document.metadata.component.components?.[0]?.properties;
  assert.equal(prop(keras2File, 'palisade:ai:metadata:keras.backend'), 'tensorflow');

  const pickle = await generateBom(join(CORPUS, 'mal_control/ctl_p0_os_system.pkl'), fixed);
  assert.equal(pickle.risks.pickle, true);
  assert.equal(prop(pickle.document.metadata.component.properties, 'palisade:ai:serialization'), 'pickle');

  const remote = await generateBom(join(CORPUS, 'mal_formats/hf_repo_remote_code'), fixed);
  assert.deepEqual(remote.risks.remoteCode, ['modeling_evil.py']);
  assert.equal(prop(remote.document.metadata.component.properties, 'palisade:ai:requiresRemoteCode'), 'true');
});
