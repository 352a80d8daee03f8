import { PalisadeError } from '@palisade/core';

/**
 * A streaming multipart/form-data reader (RFC 7578) for one file part. The part's bytes are yielded as they
 * arrive, never buffered whole; part headers are bounded; other parts are refused rather than ignored, so the
 * request means exactly one thing. The part's filename is returned for display only, never used as a path.
 */
export const MAX_PART_HEADER_BYTES = 8 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

export interface FilePart {
  readonly field: string;
  readonly filename: string | undefined;
  readonly data: AsyncIterable<Uint8Array>;
}

function headerParam(disposition: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}="([^"]*)"`, 'i').exec(disposition);
  return match?.[1];
}

/** Reads the single file part named `field`; the iterator of its bytes must be consumed before the promise of `done`. */
export async function readFilePart(
  body: AsyncIterable<Uint8Array>,
  boundary: string,
  field: string,
): Promise<FilePart> {
  const iterator = body[Symbol.asyncIterator]();
  const opening = Buffer.from(`--${boundary}\r\n`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buffer = Buffer.alloc(0);
  const pull = async (): Promise<boolean> => {
    const next = await iterator.next();
    if (next.done) return false;
    buffer = buffer.length === 0 ? Buffer.from(next.value) : Buffer.concat([buffer, next.value]);
    return true;
  };
  // Preamble (RFC 2046 allows one; clients do not send it) then the opening delimiter.
  while (buffer.indexOf(opening) < 0) {
    if (buffer.length > MAX_PART_HEADER_BYTES || !(await pull())) {
      throw new PalisadeError('INPUT_INVALID', 'The multipart body has no opening boundary.');
    }
  }
  buffer = buffer.subarray(buffer.indexOf(opening) + opening.length);
  while (buffer.indexOf(HEADER_END) < 0) {
    if (buffer.length > MAX_PART_HEADER_BYTES || !(await pull())) {
      throw new PalisadeError('INPUT_INVALID', 'The multipart part headers are missing or too long.');
    }
  }
  const end = buffer.indexOf(HEADER_END);
  const headers = buffer.subarray(0, end).toString('latin1').split('\r\n');
  buffer = buffer.subarray(end + HEADER_END.length);
  const disposition = headers.find((h) => /^content-disposition:/i.test(h)) ?? '';
  if (!/^content-disposition:\s*form-data/i.test(disposition) || headerParam(disposition, 'name') !== field) {
    throw new PalisadeError('INPUT_INVALID', `Send one multipart part named "${field}" with the file.`);
  }
  const filename = headerParam(disposition, 'filename');
  async function* data(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const at = buffer.indexOf(delimiter);
      if (at >= 0) {
        if (at > 0) yield buffer.subarray(0, at);
        buffer = buffer.subarray(at + delimiter.length);
        // What follows the closing delimiter: `--` ends the body; another part is refused.
        while (buffer.length < 2) if (!(await pull())) break;
        if (buffer.subarray(0, 2).toString() !== '--') {
          throw new PalisadeError('INPUT_INVALID', `Send exactly one multipart part ("${field}").`);
        }
        return;
      }
      // Keep the tail that could be the start of the delimiter; yield the rest.
      const keep = delimiter.length - 1;
      if (buffer.length > keep) {
        yield buffer.subarray(0, buffer.length - keep);
        buffer = buffer.subarray(buffer.length - keep);
      }
      if (!(await pull()))
        throw new PalisadeError('INPUT_INVALID', 'The multipart body ended before its closing boundary.');
    }
  }
  return { field, filename, data: data() };
}
