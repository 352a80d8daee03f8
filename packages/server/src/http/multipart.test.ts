import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundaryOf, readFilePart } from './multipart.ts';

const BOUNDARY = 'xYz--boundary';

function body(parts: string[], epilogue = ''): Buffer {
  return Buffer.from(
    `${parts.map((p) => `--${BOUNDARY}\r\n${p}\r\n`).join('')}--${BOUNDARY}--\r\n${epilogue}`,
    'latin1',
  );
}

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(data: AsyncIterable<Uint8Array>): Promise<string> {
  const out: Buffer[] = [];
  for await (const chunk of data) out.push(Buffer.from(chunk));
  return Buffer.concat(out).toString('latin1');
}

test('the boundary comes from the content type, quoted or not', () => {
  assert.equal(boundaryOf('multipart/form-data; boundary=abc'), 'abc');
  assert.equal(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b"'), 'a b');
  assert.equal(boundaryOf('application/json'), undefined);
  assert.equal(boundaryOf(`multipart/form-data; boundary=${'x'.repeat(71)}`), 'x'.repeat(70));
});

test('a file part is read exactly, whatever the chunking, even when its bytes resemble the delimiter', async () => {
  // Every proper prefix of the delimiter, but never the delimiter itself (a client picks a boundary not in the data).
  const tricky = `line\r\n--${BOUNDARY.slice(0, 5)}\r\n-- not it\r\n--${BOUNDARY.slice(0, -1)}\r\n-\r\n--`;
  const raw = body([
    `Content-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${tricky}`,
  ]);
  for (const size of [1, 2, 3, 7, 16, 64, raw.length]) {
    const part = await readFilePart(chunks(raw, size), BOUNDARY, 'file');
    assert.equal(part.filename, 'a.bin');
    assert.equal(await collect(part.data), tricky, `chunks of ${size}`);
  }
});

test('other parts, a missing closing boundary and oversized headers are refused', async () => {
  const two = body([
    'Content-Disposition: form-data; name="file"; filename="a"\r\n\r\nA',
    'Content-Disposition: form-data; name="file"; filename="b"\r\n\r\nB',
  ]);
  await assert.rejects(
    async () => collect((await readFilePart(chunks(two, 5), BOUNDARY, 'file')).data),
    /exactly one/,
  );
  const wrongName = body(['Content-Disposition: form-data; name="other"\r\n\r\nA']);
  await assert.rejects(readFilePart(chunks(wrongName, 5), BOUNDARY, 'file'), /named "file"/);
  const open = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"\r\n\r\nno end`);
  await assert.rejects(
    async () => collect((await readFilePart(chunks(open, 4), BOUNDARY, 'file')).data),
    /ended before/,
  );
  const longHeaders = Buffer.from(`--${BOUNDARY}\r\nX: ${'a'.repeat(10_000)}\r\n\r\n`);
  await assert.rejects(readFilePart(chunks(longHeaders, 100), BOUNDARY, 'file'), /too long/);
  await assert.rejects(
    readFilePart(chunks(Buffer.from('garbage'), 3), BOUNDARY, 'file'),
    /no opening boundary/,
  );
});
