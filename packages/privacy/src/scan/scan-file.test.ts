import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { blockEnd } from '../read/dataset.ts';
import { writeParquet } from '../read/parquet-writer.ts';
import { privacyFacts } from './report.ts';
import { scanFile } from './scan-file.ts';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-pii-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const PEOPLE = [
  ['name', 'email', 'ssn', 'zip', 'birth_date', 'gender', 'notes'],
  [
    'Maria Garcia',
    'maria@example.com',
    '536-90-1234',
    '94110',
    '1985-03-02',
    'F',
    'paid with 4111 1111 1111 1111',
  ],
  ['James Smith', 'jsmith@example.org', '219-09-9999', '94110', '1985-03-02', 'F', 'no notes'],
  ['Aiko Tanaka', 'aiko@example.net', '536-91-4321', '10001', '1990-07-14', 'M', '"quoted, with comma"'],
];

test('CSV: findings by row and column, masked previews, column summaries, k-anonymity and facts', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'people.csv');
  writeFileSync(path, `${PEOPLE.map((r) => r.join(',')).join('\r\n')}\r\n`);
  const report = await scanFile(path);
  assert.equal(report.format, 'csv');
  assert.equal(report.records, 3);
  const at = (row: number, column: string) =>
    report.findings
      .filter((f) => f.location.row === row && f.location.column === column)
      .map((f) => f.entity);
  assert.deepEqual(at(1, 'email'), ['EMAIL_ADDRESS']);
  assert.deepEqual(at(1, 'ssn'), ['US_SSN']);
  assert.deepEqual(at(1, 'notes'), ['CREDIT_CARD']);
  assert.deepEqual(at(1, 'birth_date'), ['DATE_TIME']);
  assert.deepEqual(at(2, 'ssn'), [], '219-09-9998 is a published sample SSN, never issued');
  const json = JSON.stringify(report);
  assert.ok(
    !json.includes('4111 1111 1111 1111') &&
      !json.includes('536-90-1234') &&
      !json.includes('maria@example.com'),
  );
  assert.equal(report.columns?.find((c) => c.column === 'email')?.entities.EMAIL_ADDRESS, 3);
  assert.deepEqual(
    report.columns?.filter((c) => c.quasiIdentifier).map((c) => c.column),
    ['zip', 'birth_date', 'gender'],
  );
  const full = report.kAnonymity?.[0];
  assert.deepEqual(full?.columns, ['zip', 'birth_date', 'gender']);
  assert.equal(full?.k, 1, 'Aiko is unique on zip + birth date + gender');
  assert.equal(full?.uniqueRecords, 1);
  const zipGender = report.kAnonymity?.find((k) => k.columns.join() === 'zip,gender');
  assert.equal(zipGender?.k, 1);
  const facts = privacyFacts(report);
  assert.equal(facts.kAnonymity, 1);
  assert.ok(facts.piiFound >= 9);
});

test('names are found by their column, not in free text; a product name column is not a person', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'staff.csv');
  writeFileSync(
    path,
    'first_name,last_name,product_name,notes\nMaria,García-López,Widget Pro,Maria Garcia called\nJames,O’Brien,Gizmo,ok\n',
  );
  const report = await scanFile(path);
  const byColumn = Object.fromEntries((report.columns ?? []).map((c) => [c.column, c.entities.PERSON ?? 0]));
  assert.deepEqual(byColumn, { first_name: 2, last_name: 2, product_name: 0, notes: 0 });
});

test('JSON lines: nested paths are columns; an invalid line is scanned as text', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'chat.jsonl');
  writeFileSync(
    path,
    [
      JSON.stringify({
        user: { email: 'li.wei@example.com' },
        messages: [{ content: 'my IBAN is GB82 WEST 1234 5698 7654 32' }],
      }),
      '{not json but has AKIAQWERTYUIOPASDFGH inside',
      JSON.stringify({ phone: 4155550132, note: 'nothing here' }),
    ].join('\n'),
  );
  const report = await scanFile(path);
  assert.equal(report.records, 3);
  assert.equal(report.invalidLines, 1);
  const where = report.findings.map((f) => [f.entity, f.location.row, f.location.column]);
  assert.deepEqual(where, [
    ['EMAIL_ADDRESS', 1, '$.user.email'],
    ['IBAN_CODE', 1, '$.messages[0].content'],
    ['AWS_ACCESS_KEY_ID', 2, '$'],
    ['PHONE_NUMBER', 3, '$.phone'],
  ]);
  assert.ok(report.columns?.some((c) => c.column === '$.messages[*].content'));
});

test('Parquet: rows are read per row group slice and scanned like a table', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'people.parquet');
  writeFileSync(path, writeParquet(PEOPLE[0] ?? [], PEOPLE.slice(1)));
  const report = await scanFile(path);
  assert.equal(report.format, 'parquet');
  assert.equal(report.records, 3);
  assert.deepEqual(
    report.findings.filter((f) => f.location.row === 3).map((f) => [f.entity, f.location.column]),
    [
      ['PERSON', 'name'],
      ['EMAIL_ADDRESS', 'email'],
      ['US_SSN', 'ssn'],
      ['DATE_TIME', 'birth_date'],
    ],
  );
  assert.equal(report.kAnonymity?.[0]?.k, 1);
});

test('text: byte offsets count UTF-8 bytes; a PEM key spanning lines is found', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'notes.txt');
  const body = Array.from(
    { length: 6 },
    (_, i) => `MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cK${i}`,
  ).join('\n');
  const text = `Grüße von José\ncontact: jose@example.es\n-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----\n`;
  writeFileSync(path, text);
  const report = await scanFile(path);
  const email = report.findings.find((f) => f.entity === 'EMAIL_ADDRESS');
  assert.equal(email?.location.offset, Buffer.from(text).indexOf('jose@example.es'));
  assert.equal(email?.location.line, 2);
  assert.equal(report.findings.find((f) => f.entity === 'PRIVATE_KEY')?.location.line, 4);
  assert.equal(report.columns, undefined);
});

test('text blocks end after a line and never inside a PEM block', () => {
  const text = `aaaa\nbbbb\n-----BEGIN PRIVATE KEY-----\nxxxx\n-----END PRIVATE KEY-----\ncccc\n`;
  assert.equal(blockEnd(text, 8), 5);
  assert.equal(blockEnd(text, 40), text.indexOf('-----BEGIN'), 'the PEM goes whole to the next block');
  assert.equal(
    blockEnd(text.slice(text.indexOf('-----BEGIN')), 10),
    text.slice(text.indexOf('-----BEGIN')).indexOf('cccc'),
  );
});

function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

test('a Parquet row group claiming more than 1 GiB uncompressed is refused before it is read', async (t) => {
  const dir = tempDir(t);
  const good = writeParquet(['email'], [['ann@example.org']]);
  const footerLength = good.readUInt32LE(good.length - 8);
  const footerStart = good.length - 8 - footerLength;
  const footer = [...good.subarray(footerStart, good.length - 8)];
  // total_uncompressed_size is field 6 of ColumnMetaData, right after num_values (field 5 = 1 row).
  const at = footer.findIndex((b, i) => b === 0x16 && footer[i + 1] === 0x02 && footer[i + 2] === 0x16);
  assert.ok(at > 0);
  const old = footer.slice(at + 3).findIndex((b) => (b & 0x80) === 0) + 1;
  const patched = [...footer.slice(0, at + 3), ...varint((1n << 31n) * 2n), ...footer.slice(at + 3 + old)];
  const length = Buffer.alloc(4);
  length.writeUInt32LE(patched.length);
  const path = join(dir, 'bomb.parquet');
  writeFileSync(
    path,
    Buffer.concat([good.subarray(0, footerStart), Buffer.from(patched), length, Buffer.from('PAR1')]),
  );
  await assert.rejects(scanFile(path), { code: 'LIMIT_EXCEEDED' });
});

test('JSON keys that are data do not grow the column summaries without bound', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'keyed.jsonl');
  const record = Object.fromEntries(
    Array.from({ length: 10_050 }, (_, i) => [`user${i}`, `u${i}@example.com`]),
  );
  writeFileSync(path, `${JSON.stringify(record)}\n`);
  const report = await scanFile(path, { maxFindings: 0 });
  assert.equal(report.columns?.length, 10_001);
  assert.equal(report.columns?.find((c) => c.column === '(other columns)')?.entities.EMAIL_ADDRESS, 50);
  assert.equal(report.totalFindings, 10_050);
});

test('missing files and unknown formats are input errors', async () => {
  await assert.rejects(scanFile('/nonexistent/file.csv'), { code: 'INPUT_NOT_FOUND' });
  await assert.rejects(scanFile('x.csv', { format: 'xml' as never }), { code: 'USAGE' });
});

test('k-anonymity stops counting past its class bound and says so instead of guessing', async () => {
  const { KAnonymityCounter } = await import('./k-anonymity.ts');
  const counter = new KAnonymityCounter(['zip', 'age'], 10);
  for (let i = 0; i < 50; i++) counter.add((c) => (c === 'zip' ? String(90000 + i) : '40'));
  const [full] = counter.results();
  assert.equal(full?.k, null);
  assert.match(full?.note ?? '', /more than 10 distinct/);
  const small = new KAnonymityCounter(['zip', 'age', 'sex']);
  for (const [zip, age, sex] of [
    ['1', '30', 'F'],
    ['1', '30', 'F'],
    ['2', '30', 'M'],
    ['2', '30', 'M'],
    ['2', '30', 'M'],
  ])
    small.add((c) => (c === 'zip' ? zip : c === 'age' ? age : sex));
  const results = small.results();
  assert.deepEqual(
    results.map((r) => [r.columns.join('+'), r.k, r.classes]),
    [
      ['zip+age+sex', 2, 2],
      ['zip+age', 2, 2],
      ['zip+sex', 2, 2],
      ['age+sex', 2, 2],
    ],
  );
});
