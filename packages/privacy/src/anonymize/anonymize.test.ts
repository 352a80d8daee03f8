import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeParquet } from '../read/parquet-writer.ts';
import { scanFile } from '../scan/scan-file.ts';
import { anonymizeFile } from './anonymize-file.ts';
import { decryptValue, makeOperator } from './operators.ts';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-anon-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const CSV = [
  'name,email,ssn,notes',
  'Maria Garcia,maria@example.com,536-90-1234,"paid with 4111 1111 1111 1111, thanks"',
  'Ann Lee,ann@example.org,536-91-4321,nothing',
].join('\n');

test('operators: redact, replace, mask, keyed hash, reversible encryption and same-shape synthetic values', () => {
  const key = randomBytes(32);
  assert.equal(makeOperator('redact')('4111111111111111', 'CREDIT_CARD', 'pii'), '');
  assert.equal(makeOperator('replace')('4111111111111111', 'CREDIT_CARD', 'pii'), '<CREDIT_CARD>');
  assert.equal(makeOperator('mask')('4111-1111-1111-1111', 'CREDIT_CARD', 'pii'), '****-****-****-1111');
  assert.equal(makeOperator('mask')('ghp_abcdefgh', 'GITHUB_TOKEN', 'secret'), 'ghp_********');
  const hash = makeOperator('hash', key);
  assert.equal(
    hash('536-90-1234', 'US_SSN', 'pii'),
    hash('536-90-1234', 'US_SSN', 'pii'),
    'deterministic: joins survive',
  );
  assert.notEqual(
    hash('536-90-1234', 'US_SSN', 'pii'),
    makeOperator('hash', randomBytes(32))('536-90-1234', 'US_SSN', 'pii'),
  );
  assert.match(hash('536-90-1234', 'US_SSN', 'pii'), /^[0-9a-f]{32}$/);
  assert.throws(() => makeOperator('hash'), /needs a key/);
  const sealed = makeOperator('encrypt', key)('536-90-1234', 'US_SSN', 'pii');
  assert.match(sealed, /^enc:v1:/);
  assert.equal(decryptValue(sealed, 'US_SSN', key), '536-90-1234');
  assert.throws(() => decryptValue(sealed, 'US_SSN', randomBytes(32)), /Cannot decrypt/);
  assert.throws(() => decryptValue(sealed, 'CREDIT_CARD', key), /Cannot decrypt/, 'the entity type is bound');
  assert.throws(() => makeOperator('encrypt', randomBytes(16)), /256-bit key/);
  const fake = makeOperator('synthetic', key)('AB12-cd34', 'X', 'pii');
  assert.match(fake, /^[A-Z]{2}\d{2}-[a-z]{2}\d{2}$/);
  assert.equal(
    fake,
    makeOperator('synthetic', key)('AB12-cd34', 'X', 'pii'),
    'keyed synthetic values are stable',
  );
  assert.match(
    makeOperator('synthetic')('jane.doe@corp.com', 'EMAIL_ADDRESS', 'pii'),
    /^[a-z]{4}\.[a-z]{3}@example\.com$/,
  );
});

test('CSV: a new file with every detected value replaced, a change report without values, input untouched', async (t) => {
  const dir = tempDir(t);
  const input = join(dir, 'people.csv');
  const output = join(dir, 'people.anon.csv');
  writeFileSync(input, CSV);
  const report = await anonymizeFile(input, output, { operator: 'replace' });
  assert.equal(readFileSync(input, 'utf8'), CSV);
  assert.equal(
    readFileSync(output, 'utf8'),
    [
      'name,email,ssn,notes',
      '<PERSON>,<EMAIL_ADDRESS>,<US_SSN>,"paid with <CREDIT_CARD>, thanks"',
      '<PERSON>,<EMAIL_ADDRESS>,<US_SSN>,nothing',
      '',
    ].join('\n'),
  );
  assert.equal(report.valuesChanged, 7);
  assert.deepEqual(report.byColumn, { name: 2, email: 2, ssn: 2, notes: 1 });
  assert.deepEqual(report.byEntity, { PERSON: 2, EMAIL_ADDRESS: 2, US_SSN: 2, CREDIT_CARD: 1 });
  assert.match(report.inputDigest, /^sha256:[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(report).includes('maria@'));
  assert.equal((await scanFile(output)).totalFindings, 0, 'a re-scan of the copy finds nothing');
});

test('the output may not be the input, not even through a symlink, and is not left half-written', async (t) => {
  const dir = tempDir(t);
  const input = join(dir, 'people.csv');
  writeFileSync(input, CSV);
  await assert.rejects(anonymizeFile(input, input, { operator: 'redact' }), /new file/);
  symlinkSync(input, join(dir, 'link.csv'));
  await assert.rejects(anonymizeFile(input, join(dir, 'link.csv'), { operator: 'redact' }), /new file/);
  await assert.rejects(anonymizeFile(input, join(dir, 'out.csv'), { operator: 'encrypt' }), /needs a key/);
  assert.equal(readFileSync(input, 'utf8'), CSV);
});

test('JSON lines keep their structure, booleans and nulls; text and Parquet are anonymised too', async (t) => {
  const dir = tempDir(t);
  const jsonl = join(dir, 'chat.jsonl');
  writeFileSync(
    jsonl,
    `${JSON.stringify({ ok: true, none: null, user: { email: 'li@example.com' }, n: [1, 'call 415-555-0132'] })}\nnot json li@example.com\n`,
  );
  const key = randomBytes(32);
  await anonymizeFile(jsonl, join(dir, 'chat.anon.jsonl'), { operator: 'encrypt', key });
  const [first, second] = readFileSync(join(dir, 'chat.anon.jsonl'), 'utf8').split('\n');
  const record = JSON.parse(first ?? '');
  assert.equal(record.ok, true);
  assert.equal(record.none, null);
  assert.equal(decryptValue(record.user.email, 'EMAIL_ADDRESS', key), 'li@example.com');
  assert.match(record.n[1], /^call enc:v1:/);
  assert.match(second ?? '', /^not json enc:v1:/);

  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'Écrire à zoé@example.fr ou au 415-555-0132.\n');
  const masked = await anonymizeFile(text, join(dir, 'notes.anon.txt'), { operator: 'mask' });
  assert.equal(masked.records, 1, 'text records are lines');
  assert.equal(
    readFileSync(join(dir, 'notes.anon.txt'), 'utf8'),
    'Écrire à ***@******e.fr ou au ***-***-0132.\n',
  );

  const parquet = join(dir, 'people.parquet');
  writeFileSync(parquet, writeParquet(['name', 'email'], [['Ann', 'ann@example.org']]));
  const r = await anonymizeFile(parquet, join(dir, 'people.anon.parquet'), { operator: 'replace' });
  assert.equal(r.outputFormat, 'parquet');
  const again = await scanFile(join(dir, 'people.anon.parquet'));
  assert.equal(again.totalFindings, 0);
  assert.equal(again.records, 1);
});
