import type { IncomingMessage } from 'node:http';
import { HttpError } from './problem.ts';

/** JSON bodies are small: anything larger is refused before it is buffered. */
export const MAX_JSON_BYTES = 64 * 1024;

export function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/** Reads and parses a JSON body of at most `limit` bytes (default MAX_JSON_BYTES); 415 for another media type, 413 when too large. */
export async function readJson(request: IncomingMessage, limit = MAX_JSON_BYTES): Promise<unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, 'unsupported-media-type', 'Send the body as application/json.');
  }
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, 'too-large', `A JSON body may have at most ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      request.resume();
      throw new HttpError(413, 'too-large', `A JSON body may have at most ${limit} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid-json', 'The body is not valid JSON.');
  }
}
