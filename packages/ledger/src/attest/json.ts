import { PalisadeError } from '@palisade/core';

/** A JSON value as parsed from an entry. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Deepest nesting an entry may have; in-toto statements need about 8. */
export const MAX_JSON_DEPTH = 32;

/** Parses JSON text of bounded size and nesting. Throws INPUT_INVALID with `what` in the message. */
export function parseJson(text: string, what: string, maxBytes: number): Json {
  if (text.length > maxBytes)
    throw new PalisadeError('LIMIT_EXCEEDED', `${what} is larger than ${maxBytes} bytes`);
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch (cause) {
    throw new PalisadeError('INPUT_INVALID', `${what} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  checkDepth(value, what);
  return value;
}

function checkDepth(root: Json, what: string): void {
  const stack: { value: Json; depth: number }[] = [{ value: root, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.depth > MAX_JSON_DEPTH)
      throw new PalisadeError('LIMIT_EXCEEDED', `${what} nests deeper than ${MAX_JSON_DEPTH} levels`);
    if (item.value !== null && typeof item.value === 'object') {
      const children = Array.isArray(item.value) ? item.value : Object.values(item.value);
      for (const child of children) stack.push({ value: child, depth: item.depth + 1 });
    }
  }
}

/**
 * RFC 8785 (JCS) canonical JSON: object keys sorted by UTF-16 code units, no whitespace, ECMAScript number and
 * string serialisation. One value has one spelling, so an entry's digest names its content.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new PalisadeError('INPUT_INVALID', 'JSON numbers must be finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  throw new PalisadeError('INPUT_INVALID', `cannot put a ${typeof value} in JSON`);
}

/** Field readers for strict parsers: each names the path of the bad field. */
export function asObject(value: Json | undefined, path: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new PalisadeError('INPUT_INVALID', `${path} must be an object`);
  return value;
}

export function asArray(value: Json | undefined, path: string, max: number): Json[] {
  if (!Array.isArray(value)) throw new PalisadeError('INPUT_INVALID', `${path} must be an array`);
  if (value.length > max) throw new PalisadeError('LIMIT_EXCEEDED', `${path} has more than ${max} items`);
  return value;
}

export function asString(value: Json | undefined, path: string, max = 4096): string {
  if (typeof value !== 'string') throw new PalisadeError('INPUT_INVALID', `${path} must be a string`);
  if (value.length > max) throw new PalisadeError('LIMIT_EXCEEDED', `${path} is longer than ${max}`);
  return value;
}

export function optionalString(value: Json | undefined, path: string, max = 4096): string | undefined {
  return value === undefined ? undefined : asString(value, path, max);
}

/** Rejects fields other than `allowed`, so a typo or an injected field is not silently ignored. */
export function onlyKeys(object: JsonObject, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key))
      throw new PalisadeError('INPUT_INVALID', `${path} has an unknown field "${key}"`);
  }
}

/** RFC 3339 UTC timestamp as in-toto and SLSA write it: `YYYY-MM-DDThh:mm:ss[.fff]Z`. */
export function asTimestamp(value: Json | undefined, path: string): string {
  const text = asString(value, path, 40);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/.test(text) || Number.isNaN(Date.parse(text)))
    throw new PalisadeError(
      'INPUT_INVALID',
      `${path} must be an RFC 3339 UTC time like 2026-01-02T03:04:05Z`,
    );
  return text;
}
