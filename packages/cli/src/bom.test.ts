import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { validateCycloneDx, validateSpdx } from '@palisade/bom';
import { runMain } from '@palisade/testing';
import { main } from './main.ts';

const FIXTURE = resolve(import.meta.dirname, '../../bom/fixtures/hf-llama-finetune');
const CORPUS = resolve(import.meta.dirname, '../../../../shared/corpus/generated');

const run = (args: string[]) => runMain(main, args);

test('palisade bom writes a valid CycloneDX 1.6 BOM to stdout and the score to stderr', async () => {
  const { code, out, err } = await run(['bom', FIXTURE, '--repo-id', 'acme/tiny-llama-support']);
  assert.equal(code, 0);
  const doc = JSON.parse(out);
  assert.equal(doc.specVersion, '1.6');
  assert.deepEqual(validateCycloneDx(doc, '1.6'), []);
  assert.equal(doc.metadata.component.purl, 'pkg:huggingface/acme/tiny-llama-support');
  assert.match(err, /Completeness \d+(\.\d)?\/100 \(profile: \w+\)/);
  assert.match(err, /component_version \[critical\] → .*--revision/);
  assert.match(err, /Licences: LicenseRef-llama3\.1 \(use-restricted\)/);
});

test('--spec-version 1.7, --dataset and --embed-score, written to --output', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-bom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bom.json');
  const args = ['bom', FIXTURE, '--spec-version', '1.7', '--dataset', 'acme/support-logs', '--embed-score'];
  args.push('--dataset-license', 'acme/support-logs=cc-by-nc-4.0');
  const { code, out } = await run([...args, '--no-scan', '-o', file]);
  assert.equal(code, 0);
  assert.equal(out, '');
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(validateCycloneDx(doc, '1.7'), []);
  const logs = doc.components.find((c: { name: string }) => c.name === 'acme/support-logs');
  assert.equal(logs.licenses[0].license.id, 'CC-BY-NC-4.0');
  const names = doc.metadata.properties.map((p: { name: string }) => p.name);
  assert.ok(names.includes('palisade:bom:completeness:score'));
});

test('--format spdx-json writes SPDX 3.0.1 JSON-LD', async () => {
  const { code, out } = await run(['bom', FIXTURE, '--format', 'spdx-json', '--no-scan', '-q']);
  assert.equal(code, 0);
  const doc = JSON.parse(out);
  assert.equal(doc['@context'], 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld');
  assert.deepEqual(validateSpdx(doc), []);
});

test('--format cyclonedx-xml writes CycloneDX XML of the chosen version', async () => {
  const { code, out } = await run([
    'bom',
    FIXTURE,
    '--format',
    'cyclonedx-xml',
    '--spec-version',
    '1.7',
    '--no-scan',
    '-q',
  ]);
  assert.equal(code, 0);
  assert.match(out, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
  assert.match(
    out,
    /<bom xmlns="http:\/\/cyclonedx.org\/schema\/bom\/1.7" serialNumber="urn:uuid:[0-9a-f-]{36}" version="1">/,
  );
  assert.match(
    out,
    /<component type="machine-learning-model" bom-ref="pkg:generic\/tiny-llama-support\?checksum=sha256%3A[0-9a-f]{64}">/,
  );
});

test('scan findings become vulnerabilities that affect the file, or the model for repo-level findings', async () => {
  const pickle = await run(['bom', join(CORPUS, 'mal_control/ctl_p0_os_system.pkl'), '-q']);
  assert.equal(pickle.code, 0);
  const doc = JSON.parse(pickle.out);
  assert.deepEqual(validateCycloneDx(doc, '1.6'), []);
  assert.ok(doc.vulnerabilities.length > 0);
  const critical = doc.vulnerabilities.find(
    (v: { ratings: { severity: string }[] }) => v.ratings[0]?.severity === 'critical',
  );
  assert.ok(critical, 'os.system in a pickle is critical');
  assert.equal(critical.affects[0].ref, 'file:ctl_p0_os_system.pkl');
  assert.ok(critical.cwes.includes(502));

  const repo = await run(['bom', join(CORPUS, 'mal_formats/hf_repo_remote_code'), '-q']);
  const repoDoc = JSON.parse(repo.out);
  const remote = repoDoc.vulnerabilities.find((v: { id: string }) => v.id === 'HF-REMOTE-CODE-IMPORT-TIME');
  assert.equal(remote?.affects[0].ref, repoDoc.metadata.component['bom-ref']);
});

test('usage errors exit 2 with a message that says what to do', async () => {
  const missing = await run(['bom', join(CORPUS, 'no-such-model'), '--no-scan']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /No such file or directory/);
  const version = await run(['bom', FIXTURE, '--spec-version', '1.5']);
  assert.equal(version.code, 2);
  assert.match(version.err, /--spec-version takes 1\.6, 1\.7/);
  const revision = await run(['bom', FIXTURE, '--revision', 'main']);
  assert.equal(revision.code, 2);
  assert.match(revision.err, /40-hex commit/);
  const none = await run(['bom']);
  assert.equal(none.code, 2);
});
