import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CsvReader, csvField, sniffSeparator } from './csv.ts';

function parseAll(chunks: readonly string[], sep = ','): string[][] {
  const reader = new CsvReader(sep);
  const out: string[][] = [];
  for (const c of chunks) reader.push(c, (f) => out.push(f));
  reader.end((f) => out.push(f));
  return out;
}

test('RFC 4180: quotes, doubled quotes, separators and newlines inside quotes, CRLF, no final newline', () => {
  const text = 'a,b,c\r\n1,"x, y","he said ""hi"""\n2,"multi\nline",\n3,plain,last';
  const expected = [
    ['a', 'b', 'c'],
    ['1', 'x, y', 'he said "hi"'],
    ['2', 'multi\nline', ''],
    ['3', 'plain', 'last'],
  ];
  assert.deepEqual(parseAll([text]), expected);
  // Every split point gives the same records.
  for (let i = 1; i < text.length; i++)
    assert.deepEqual(parseAll([text.slice(0, i), text.slice(i)]), expected, `split at ${i}`);
});

test('an unclosed quote at the end is an input error; separators are sniffed; fields are quoted on output', () => {
  assert.throws(() => parseAll(['a,"open\n']), /quoted field/);
  assert.equal(sniffSeparator('a;b;c'), ';');
  assert.equal(sniffSeparator('a\tb'), '\t');
  assert.equal(csvField('x,y', ','), '"x,y"');
  assert.equal(csvField('say "a"', ','), '"say ""a"""');
  assert.equal(csvField('plain', ','), 'plain');
});
