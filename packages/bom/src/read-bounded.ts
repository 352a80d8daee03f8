import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { PalisadeError } from '@palisade/core';

/** Most bytes read from any one text file the BOM looks at (README, config.json, lockfiles…). */
export const MAX_TEXT_BYTES = 4 * 1024 * 1024;

/**
 * Reads a text file whole when it is at most `maxBytes`, else throws `LIMIT_EXCEEDED`. Model repos are
 * untrusted: a 10 GB "config.json" must not be read into memory.
 */
export function readTextBounded(path: string, maxBytes = MAX_TEXT_BYTES): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new PalisadeError('INPUT_UNREADABLE', `Cannot open ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) {
      throw new PalisadeError(
        'LIMIT_EXCEEDED',
        `${path} is ${size} bytes; the BOM reads text files of at most ${maxBytes} bytes. Trim the file or leave it out.`,
      );
    }
    const buffer = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const n = readSync(fd, buffer, filled, size - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return new TextDecoder('utf-8', { fatal: false }).decode(buffer.subarray(0, filled));
  } finally {
    closeSync(fd);
  }
}

/** Parses JSON text into a plain object, or throws `INPUT_INVALID` naming the file. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PalisadeError('INPUT_INVALID', `${what} is not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new PalisadeError('INPUT_INVALID', `${what} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/** A string value, or undefined for anything else (untrusted JSON/YAML gives any type anywhere). */
export function str(value: unknown, maxLength = 4096): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed.slice(0, maxLength);
}

/** A list of strings from a string or an array of strings (HF front matter accepts both). */
export function strList(value: unknown, maxItems = 200): string[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const out: string[] = [];
  for (const item of items.slice(0, maxItems)) {
    const s = str(item);
    if (s !== undefined) out.push(s);
  }
  return out;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
