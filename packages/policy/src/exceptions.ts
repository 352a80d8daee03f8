import { PalisadeError } from '@palisade/core';
import { parse } from 'yaml';
import type { ArtifactFacts } from './facts.ts';

export const MAX_EXCEPTIONS_BYTES = 1024 * 1024;
export const MAX_EXCEPTIONS = 1000;

/**
 * A waiver of one rule for one artifact (by digest) or a family of artifacts (by name pattern), approved by
 * someone, for a reason, until a date. After the date it stops applying and the decision says it expired.
 */
export interface PolicyException {
  /** Qualified rule id, `PACK/RULE`. */
  readonly rule: string;
  readonly digest?: string;
  /** Glob on the artifact's path or name: `*` and `?` within a path segment, `**` across segments. */
  readonly name?: string;
  readonly justification: string;
  readonly approver: string;
  /** ISO 8601 date or date-time; a bare date lasts to the end of that day (UTC). */
  readonly expires: string;
  readonly expiresAt: number;
}

type Raw = Record<string, unknown>;

function fail(source: string, message: string): never {
  throw new PalisadeError('INPUT_INVALID', `${source}: ${message}`);
}

function expiry(value: unknown, where: string, source: string): { expires: string; expiresAt: number } {
  const textValue = value instanceof Date ? value.toISOString() : value;
  if (typeof textValue !== 'string')
    fail(source, `${where} needs "expires" (an ISO 8601 date, e.g. 2026-12-31).`);
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(textValue);
  const at = Date.parse(dateOnly ? `${textValue}T23:59:59.999Z` : textValue);
  if (!/^\d{4}-\d{2}-\d{2}/.test(textValue) || Number.isNaN(at))
    fail(source, `${where}: "${textValue}" is not an ISO 8601 date.`);
  return { expires: textValue, expiresAt: at };
}

function entry(value: unknown, index: number, source: string): PolicyException {
  const where = `exceptions[${index}]`;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail(source, `${where} must be a mapping.`);
  const raw = value as Raw;
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '') fail(source, `${where}.${key} must be a non-empty string.`);
    return v;
  };
  const rule = str('rule');
  if (rule === undefined || !/^[a-z0-9-]+\/[a-z0-9-]+$/.test(rule))
    fail(source, `${where} needs "rule": the qualified rule id PACK/RULE (as printed by palisade gate).`);
  const digest = str('digest');
  const name = str('name');
  if ((digest === undefined) === (name === undefined))
    fail(source, `${where} needs exactly one of "digest" (sha256:<hex>) or "name" (a glob).`);
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest))
    fail(source, `${where}.digest must be sha256:<64 hex digits>.`);
  const justification = str('justification');
  const approver = str('approver');
  if (justification === undefined || approver === undefined)
    fail(source, `${where} needs a "justification" and an "approver".`);
  return {
    rule,
    ...(digest ? { digest } : {}),
    ...(name ? { name } : {}),
    justification,
    approver,
    ...expiry(raw.expires, where, source),
  };
}

/** Parses an exceptions file: YAML or JSON `{exceptions: [...]}`. */
export function parseExceptions(body: string, source: string): PolicyException[] {
  if (Buffer.byteLength(body) > MAX_EXCEPTIONS_BYTES)
    fail(source, `an exceptions file may be at most ${MAX_EXCEPTIONS_BYTES} bytes.`);
  let doc: unknown;
  try {
    doc = parse(body, { schema: 'core', maxAliasCount: 100, uniqueKeys: true });
  } catch (error) {
    throw new PalisadeError('INPUT_INVALID', `${source}: not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const list = (doc as Raw | null)?.exceptions;
  if (!Array.isArray(list)) fail(source, 'expected a mapping with an "exceptions" list.');
  if (list.length > MAX_EXCEPTIONS) fail(source, `at most ${MAX_EXCEPTIONS} exceptions.`);
  return list.map((e, i) => entry(e, i, source));
}

const patterns = new Map<string, RegExp>();

/** Compiled once per pattern: a gate checks every failing rule against every exception. */
function globToRegExp(glob: string): RegExp {
  const cached = patterns.get(glob);
  if (cached) return cached;
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const pattern = new RegExp(`^${out}$`);
  if (patterns.size < 10_000) patterns.set(glob, pattern);
  return pattern;
}

/** Whether an exception names this artifact (by digest, or by a glob on its path or name). */
export function exceptionMatches(exception: PolicyException, artifact: ArtifactFacts): boolean {
  if (exception.digest !== undefined) return exception.digest === artifact.digest;
  const pattern = globToRegExp(exception.name as string);
  const path = artifact.path.replaceAll('\\', '/').replace(/^\.\//, '');
  return pattern.test(path) || pattern.test(artifact.name);
}
