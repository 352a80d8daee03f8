import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bomFacts } from './bom-evidence.ts';

const FIXTURE = join(import.meta.dirname, '..', '..', '..', 'bom', 'fixtures', 'hf-llama-finetune');

test('BOM facts see the model card of a Hugging Face repo, and its absence beside a bare file', async (t) => {
  const repo = await bomFacts(FIXTURE);
  assert.equal(repo.status, 'known');
  assert.equal(repo.status === 'known' && repo.hasModelCard, true);
  assert.ok(repo.status === 'known' && repo.licenses.length > 0);

  const dir = mkdtempSync(join(tmpdir(), 'palisade-bom-facts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(64));
  const bare = await bomFacts(join(dir, 'weights.bin'));
  assert.equal(bare.status === 'known' && bare.hasModelCard, false);
});
