/**
 * A minimal Parquet writer: one row group, every column a required UTF-8 BYTE_ARRAY, PLAIN encoding, no compression,
 * Thrift compact metadata (apache/parquet-format). Enough for anonymised copies of tabular data, which are text.
 */

class Compact {
  readonly bytes: number[] = [];
  #last: number[] = [0];

  #varint(n: bigint): void {
    let v = n;
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  #zigzag(n: number | bigint): void {
    const v = BigInt(n);
    this.#varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }

  #field(id: number, type: number): void {
    const delta = id - (this.#last[this.#last.length - 1] ?? 0);
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.#zigzag(id);
    }
    this.#last[this.#last.length - 1] = id;
  }

  i32(id: number, v: number): this {
    this.#field(id, 5);
    this.#zigzag(v);
    return this;
  }

  i64(id: number, v: number): this {
    this.#field(id, 6);
    this.#zigzag(v);
    return this;
  }

  string(id: number, v: string): this {
    this.#field(id, 8);
    const b = Buffer.from(v, 'utf8');
    this.#varint(BigInt(b.length));
    this.bytes.push(...b);
    return this;
  }

  #listHeader(size: number, type: number): void {
    if (size < 15) this.bytes.push((size << 4) | type);
    else {
      this.bytes.push(0xf0 | type);
      this.#varint(BigInt(size));
    }
  }

  i32List(id: number, values: readonly number[]): this {
    this.#field(id, 9);
    this.#listHeader(values.length, 5);
    for (const v of values) this.#zigzag(v);
    return this;
  }

  stringList(id: number, values: readonly string[]): this {
    this.#field(id, 9);
    this.#listHeader(values.length, 8);
    for (const v of values) {
      const b = Buffer.from(v, 'utf8');
      this.#varint(BigInt(b.length));
      this.bytes.push(...b);
    }
    return this;
  }

  struct(id: number, body: (w: this) => void): this {
    this.#field(id, 12);
    this.#last.push(0);
    body(this);
    this.bytes.push(0);
    this.#last.pop();
    return this;
  }

  structList(id: number, items: readonly ((w: this) => void)[]): this {
    this.#field(id, 9);
    this.#listHeader(items.length, 12);
    for (const body of items) {
      this.#last.push(0);
      body(this);
      this.bytes.push(0);
      this.#last.pop();
    }
    return this;
  }

  end(): Buffer {
    this.bytes.push(0);
    return Buffer.from(this.bytes);
  }
}

const BYTE_ARRAY = 6;
const UTF8 = 0;
const PLAIN = 0;
const RLE = 3;

/** Encodes rows of strings (`undefined` written as "") under `columns` as a Parquet file. */
export function writeParquet(
  columns: readonly string[],
  rows: readonly (readonly (string | undefined)[])[],
): Buffer {
  const parts: Buffer[] = [Buffer.from('PAR1')];
  let offset = 4;
  const chunks: { offset: number; size: number }[] = [];
  columns.forEach((_, c) => {
    const values = rows.map((r) => Buffer.from(r[c] ?? '', 'utf8'));
    const data = Buffer.alloc(values.reduce((n, v) => n + 4 + v.length, 0));
    let at = 0;
    for (const v of values) {
      data.writeUInt32LE(v.length, at);
      v.copy(data, at + 4);
      at += 4 + v.length;
    }
    const header = new Compact()
      .i32(1, 0)
      .i32(2, data.length)
      .i32(3, data.length)
      .struct(5, (w) => w.i32(1, rows.length).i32(2, PLAIN).i32(3, RLE).i32(4, RLE))
      .end();
    chunks.push({ offset, size: header.length + data.length });
    parts.push(header, data);
    offset += header.length + data.length;
  });
  const footer = new Compact()
    .i32(1, 1)
    .structList(2, [
      (w) => w.string(4, 'schema').i32(5, columns.length),
      ...columns.map((name) => (w: Compact) => w.i32(1, BYTE_ARRAY).i32(3, 0).string(4, name).i32(6, UTF8)),
    ])
    .i64(3, rows.length)
    .structList(4, [
      (w) =>
        w
          .structList(
            1,
            columns.map((name, c) => (cw: Compact) => {
              const chunk = chunks[c] ?? { offset: 0, size: 0 };
              cw.i64(2, chunk.offset).struct(3, (m) =>
                m
                  .i32(1, BYTE_ARRAY)
                  .i32List(2, [PLAIN, RLE])
                  .stringList(3, [name])
                  .i32(4, 0)
                  .i64(5, rows.length)
                  .i64(6, chunk.size)
                  .i64(7, chunk.size)
                  .i64(9, chunk.offset),
              );
            }),
          )
          .i64(
            2,
            chunks.reduce((n, c) => n + c.size, 0),
          )
          .i64(3, rows.length),
    ])
    .string(6, 'palisade')
    .end();
  const length = Buffer.alloc(4);
  length.writeUInt32LE(footer.length);
  parts.push(footer, length, Buffer.from('PAR1'));
  return Buffer.concat(parts);
}
