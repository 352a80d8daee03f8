import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { PalisadeError } from '@palisade/core';
import { generateBom } from './generate.ts';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/hf-llama-finetune');

function copy(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-bom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const model = join(dir, 'model');
  cpSync(FIXTURE, model, { recursive: true });
  return model;
}

test('a signature bundle in the model is referenced as an attestation', async (t) => {
  const model = copy(t);
  writeFileSync(join(model, 'model.sig'), '{}');
  const bom = await generateBom(model);
  assert.equal(bom.risks.signed, true);
  const ref = bom.model.externalReferences?.find((r) => r.type === 'attestation');
  assert.equal(ref?.url, 'model.sig');
});

test('unreadable files become warnings; the BOM is still written and valid', async (t) => {
  const model = copy(t);
  writeFileSync(join(model, 'config.json'), '{"model_type": ');
  writeFileSync(join(model, 'uv.lock'), '[[package]]\nname = "x"\nname = "y"\n');
  truncateSync(join(model, 'generation_config.json'), 5 * 1024 * 1024);
  const bom = await generateBom(model);
  assert.equal(bom.warnings.length, 3);
  assert.ok(bom.warnings.some((w) => w.startsWith('config.json: config.json is not valid JSON')));
  assert.ok(bom.warnings.some((w) => w.startsWith('uv.lock: TOML line 3: duplicate key')));
  assert.ok(bom.warnings.some((w) => /generation_config\.json: .* at most 4194304 bytes/.test(w)));
  assert.equal(bom.model.modelCard?.modelParameters?.modelArchitecture, undefined);
  assert.equal(bom.model.modelCard?.modelParameters?.task, 'text-generation');
});

test('the repo identity is read from a git clone with a Hugging Face remote', async (t) => {
  const model = copy(t);
  const sha = 'fedcba9876543210fedcba9876543210fedcba98';
  mkdirSync(join(model, '.git', 'refs', 'heads'), { recursive: true });
  writeFileSync(join(model, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(join(model, '.git', 'refs', 'heads', 'main'), `${sha}\n`);
  writeFileSync(
    join(model, '.git', 'config'),
    '[remote "origin"]\n\turl = https://huggingface.co/acme/tiny-llama-support\n',
  );
  const bom = await generateBom(model);
  assert.equal(bom.model.purl, `pkg:huggingface/acme/tiny-llama-support@${sha}`);
  assert.ok(!bom.model.components?.some((c) => c.name.startsWith('.git')), '.git is not part of the model');
});

test('a missing model is an INPUT_NOT_FOUND error', async () => {
  await assert.rejects(
    generateBom(join(FIXTURE, 'nope')),
    (e: unknown) => e instanceof PalisadeError && e.code === 'INPUT_NOT_FOUND',
  );
});

test('a Hugging Face cache snapshot: identity from the path, symlinked blobs hashed when allowed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-bom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sha = '1111111111111111111111111111111111111111';
  const repo = join(dir, 'models--acme--tiny-llama-support');
  const snapshot = join(repo, 'snapshots', sha);
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(snapshot, { recursive: true });
  for (const name of ['README.md', 'config.json', 'model.safetensors']) {
    cpSync(join(FIXTURE, name), join(repo, 'blobs', name.replace('.', '-')));
    symlinkSync(join('..', '..', 'blobs', name.replace('.', '-')), join(snapshot, name));
  }
  await assert.rejects(generateBom(snapshot), /--allow-symlinks/);
  const bom = await generateBom(snapshot, { allowSymlinks: true });
  assert.equal(bom.model.purl, `pkg:huggingface/acme/tiny-llama-support@${sha}`);
  assert.equal(bom.model.components?.length, 3);
  assert.equal(bom.model.modelCard?.modelParameters?.modelArchitecture, 'LlamaForCausalLM');
});
