import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { readTable } from './read-table.ts';
import { type Column, cellText, findColumn, type Table } from './table.ts';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures');

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-trust-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function column(table: Table, name: string): Column {
  const c = findColumn(table, name);
  assert.ok(c, `column ${name}`);
  return c;
}

function texts(c: Column, rows: number): (string | undefined)[] {
  return Array.from({ length: rows }, (_, i) => cellText(c, i));
}

test('CSV: numbers become numeric columns, labels categorical, pandas missing tokens are missing', async (t) => {
  const path = join(scratch(t), 'data.csv');
  writeFileSync(path, '\ufeffage,city,score\n31,Paris,1.5\n,Lyon,NA\n45,"Paris, FR",2e3\n');
  const table = await readTable(path);
  assert.equal(table.rowCount, 3);
  const age = column(table, 'age');
  assert.equal(age.kind, 'numeric');
  assert.deepEqual(texts(age, 3), ['31', undefined, '45']);
  assert.deepEqual(texts(column(table, 'city'), 3), ['Paris', 'Lyon', 'Paris, FR']);
  assert.deepEqual(texts(column(table, 'score'), 3), ['1.5', undefined, '2000']);
});

test('CSV: a column turns categorical at its first non-number, and declared kinds are kept', async (t) => {
  const path = join(scratch(t), 'data.csv');
  writeFileSync(path, 'zip,grade\n75001,1\n75002,2\nA1B,3\n');
  const inferred = await readTable(path);
  assert.equal(column(inferred, 'zip').kind, 'categorical');
  assert.deepEqual(texts(column(inferred, 'zip'), 3), ['75001', '75002', 'A1B']);
  const declared = await readTable(path, { types: { grade: 'categorical' } });
  assert.equal(column(declared, 'grade').kind, 'categorical');
  await assert.rejects(readTable(path, { types: { zip: 'numeric' } }), {
    code: 'INPUT_INVALID',
    message: /row 3/,
  });
  await assert.rejects(readTable(path, { types: { nope: 'numeric' } }), { code: 'USAGE' });
});

test('CSV: ragged rows, duplicate headers and limits fail with clear errors', async (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'ragged.csv'), 'a,b\n1,2\n3\n');
  await assert.rejects(readTable(join(dir, 'ragged.csv')), {
    code: 'INPUT_INVALID',
    message: /row 2 has 1 fields/,
  });
  writeFileSync(join(dir, 'dup.csv'), 'a,a\n1,2\n');
  await assert.rejects(readTable(join(dir, 'dup.csv')), { code: 'INPUT_INVALID', message: /twice/ });
  writeFileSync(join(dir, 'rows.csv'), 'a\n1\n2\n3\n');
  await assert.rejects(readTable(join(dir, 'rows.csv'), { limits: { maxRows: 2 } }), {
    code: 'LIMIT_EXCEEDED',
  });
  await assert.rejects(readTable(join(dir, 'rows.csv'), { limits: { maxBytes: 4 } }), {
    code: 'LIMIT_EXCEEDED',
  });
  await assert.rejects(readTable(join(dir, 'missing.csv')), { code: 'INPUT_NOT_FOUND' });
  writeFileSync(join(dir, 'ids.csv'), 'id,x\nu1,1\nu2,2\nu3,3\n');
  const table = await readTable(join(dir, 'ids.csv'), { limits: { maxCategories: 2 } });
  assert.deepEqual(
    table.columns.map((c) => c.name),
    ['x'],
  );
  assert.match(table.skipped[0]?.reason ?? '', /more than 2 distinct labels/);
});

test('JSON lines: keys may come and go, strings stay labels, nested values are refused', async (t) => {
  const dir = scratch(t);
  const path = join(dir, 'rows.jsonl');
  writeFileSync(path, '{"x": 1, "g": "a"}\n\n{"x": null, "g": "b", "late": true}\n{"x": 2.5}');
  const table = await readTable(path);
  assert.equal(table.rowCount, 3);
  assert.deepEqual(texts(column(table, 'x'), 3), ['1', undefined, '2.5']);
  assert.deepEqual(texts(column(table, 'g'), 3), ['a', 'b', undefined]);
  assert.deepEqual(texts(column(table, 'late'), 3), [undefined, 'true', undefined]);
  writeFileSync(join(dir, 'zips.jsonl'), '{"zip": "75001", "n": 1}\n{"zip": "01000", "n": 2}\n');
  const zips = await readTable(join(dir, 'zips.jsonl'));
  assert.equal(column(zips, 'zip').kind, 'categorical');
  assert.deepEqual(texts(column(zips, 'zip'), 2), ['75001', '01000']);
  assert.equal(
    column(await readTable(join(dir, 'zips.jsonl'), { types: { zip: 'numeric' } }), 'zip').kind,
    'numeric',
  );
  writeFileSync(join(dir, 'nested.jsonl'), '{"x": {"y": 1}}\n');
  await assert.rejects(readTable(join(dir, 'nested.jsonl')), { code: 'INPUT_INVALID', message: /flatten/ });
  writeFileSync(join(dir, 'bad.jsonl'), '{"x": 1}\n{oops}\n');
  await assert.rejects(readTable(join(dir, 'bad.jsonl')), { code: 'INPUT_INVALID', message: /line 2/ });
  writeFileSync(join(dir, 'long.jsonl'), `{"x": "${'a'.repeat(100)}"}`);
  await assert.rejects(readTable(join(dir, 'long.jsonl'), { limits: { maxRecordBytes: 50 } }), {
    code: 'LIMIT_EXCEEDED',
  });
});

test('Parquet: a file written by pyarrow (pandas test data) reads with INT64 and UTF8 columns', async () => {
  const table = await readTable(join(FIXTURES, 'pandas-simple.parquet'));
  assert.equal(table.rowCount, 3);
  assert.deepEqual(texts(column(table, 'A'), 3), ['1', '2', '3']);
  assert.equal(column(table, 'A').kind, 'numeric');
  assert.deepEqual(texts(column(table, 'B'), 3), ['foo', 'foo', 'foo']);
  // Its footer declares 170 bytes of uncompressed column data: a lower decoded-bytes limit refuses it unread.
  await assert.rejects(
    readTable(join(FIXTURES, 'pandas-simple.parquet'), { limits: { maxDecodedBytes: 100 } }),
    {
      code: 'LIMIT_EXCEEDED',
      message: /declares 170 bytes/,
    },
  );
});

test('Arrow IPC: numeric, string and null cells; format sniffed from the magic bytes', async (t) => {
  const path = join(scratch(t), 'data.bin');
  const arrow = tableFromArrays({
    f: new Float64Array([1.5, 2.5]),
    i: new Int32Array([7, 8]),
    s: ['x', null],
  });
  writeFileSync(path, tableToIPC(arrow, 'file'));
  const table = await readTable(path);
  assert.equal(table.rowCount, 2);
  assert.deepEqual(texts(column(table, 'f'), 2), ['1.5', '2.5']);
  assert.deepEqual(texts(column(table, 'i'), 2), ['7', '8']);
  assert.deepEqual(texts(column(table, 's'), 2), ['x', undefined]);
  writeFileSync(path, 'not arrow at all');
  await assert.rejects(readTable(path, { format: 'arrow' }), { code: 'INPUT_INVALID' });
});
