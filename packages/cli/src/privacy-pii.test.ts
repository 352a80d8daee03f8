import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runMain } from '@palisade/testing';
import { main } from './main.ts';

function run(args: string[]) {
  return runMain(main, args);
}

function dataset(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-pii-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const csv = join(dir, 'people.csv');
  writeFileSync(
    csv,
    [
      'name,email,zip,gender,notes',
      'Maria Garcia,maria@example.com,94110,F,card 4111 1111 1111 1111',
      'Ann Lee,ann@example.com,94110,F,ok',
      'Bo Chen,bo@example.com,10001,M,deploy key ghp_Zq8v2LmN4pR7sT1uW3xY5aB6cD9eF0gH2jK4',
    ].join('\n'),
  );
  const clean = join(dir, 'clean.txt');
  writeFileSync(clean, 'Nothing personal here, just 42 apples.\n');
  return { dir, csv, clean };
}

test('pii --format json lists entity, location and score, masks values, and carries the gate facts', async (t) => {
  const { csv } = dataset(t);
  const result = await run(['pii', csv, '--format', 'json']);
  assert.equal(result.code, 1, result.err);
  const report = JSON.parse(result.out);
  const card = report.findings.find((f: { entity: string }) => f.entity === 'CREDIT_CARD');
  assert.deepEqual(card.location, { row: 1, column: 'notes' });
  assert.equal(card.score, 1);
  assert.equal(card.preview, '************1111');
  assert.ok(!result.out.includes('4111 1111 1111 1111'));
  assert.ok(!result.out.includes('ghp_Zq8v2'), 'only the token prefix is shown');
  assert.equal(report.facts.privacy.secretsFound, 1);
  assert.equal(report.facts.privacy.piiFound, 7, '3 names, 3 e-mail addresses, 1 card');
  assert.equal(report.facts.privacy.kAnonymity, 1);
});

test('pii text output, --fail-on and a clean file', async (t) => {
  const { csv, clean } = dataset(t);
  const text = await run(['pii', csv]);
  assert.equal(text.code, 1);
  assert.match(text.out, /CREDIT_CARD\s+1/);
  assert.match(text.out, /k-anonymity on zip \+ gender: k = 1/);
  assert.match(text.out, /row 1, notes: CREDIT_CARD \*+1111/);
  assert.equal((await run(['pii', clean])).code, 0);
  assert.equal((await run(['pii', csv, '--fail-on', 'none'])).code, 0);
  assert.equal((await run(['pii', csv, '--entities', 'EMAIL_ADDRESS', '--fail-on', 'secret'])).code, 0);
});

test('pii usage and input errors exit 2', async (t) => {
  const { csv } = dataset(t);
  assert.equal((await run(['pii'])).code, 2);
  assert.equal((await run(['pii', csv, '--threshold', '3'])).code, 2);
  assert.equal((await run(['pii', csv, '--entities', 'NOPE'])).code, 2);
  const missing = await run(['pii', '/nonexistent.csv']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /Cannot read/);
});

test('pii --anonymize writes a new file and a change report; refuses the input as output and a missing --output', async (t) => {
  const { dir, csv } = dataset(t);
  const out = join(dir, 'people.anon.csv');
  const report = join(dir, 'changes.json');
  const result = await run([
    'pii',
    csv,
    '--anonymize',
    '--operator',
    'mask',
    '-o',
    out,
    '--report',
    report,
    '--format',
    'json',
  ]);
  assert.equal(result.code, 0, result.err);
  const changes = JSON.parse(readFileSync(report, 'utf8'));
  assert.equal(changes.valuesChanged, 8);
  assert.equal(changes.operator, 'mask');
  assert.match(readFileSync(out, 'utf8'), /card \*{4} \*{4} \*{4} 1111/);
  assert.equal((await run(['pii', out, '--entities', 'CREDIT_CARD,EMAIL_ADDRESS,GITHUB_TOKEN'])).code, 0);
  assert.equal((await run(['pii', csv, '--anonymize', '-o', csv])).code, 2);
  assert.equal((await run(['pii', csv, '--anonymize'])).code, 2);
  assert.equal((await run(['pii', csv, '--operator', 'mask'])).code, 2, '--operator without --anonymize');
  const key = join(dir, 'anon.key');
  writeFileSync(key, `${'ab'.repeat(32)}\n`);
  const enc = await run([
    'pii',
    csv,
    '--anonymize',
    '--operator',
    'encrypt',
    '--key',
    key,
    '-o',
    join(dir, 'enc.csv'),
  ]);
  assert.equal(enc.code, 0, enc.err);
  assert.match(enc.out, /8 values replaced by encrypt/);
  assert.match(readFileSync(join(dir, 'enc.csv'), 'utf8'), /enc:v1:/);
});
