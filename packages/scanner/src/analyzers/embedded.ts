import type { Value } from '@palisade/formats';

/** A pickle carried as data (raw bytes, base64 or hex text), for a later stage to unpickle. */
export interface EmbeddedPickle {
  readonly encoding: 'raw' | 'base64' | 'hex';
  readonly bytes: Uint8Array;
  readonly offset: number;
}

const BASE64 = /^[A-Za-z0-9+/\s]{16,}={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2}){8,}$/;
/** Calls that run commands or code, with an argument: `os.system('…')`, `eval(b64decode(…))`, `__import__('os')`. */
const CODE_CALL =
  /\b(?:(?:os|posix|nt)\s*\.\s*(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)|subprocess\s*\.\s*(?:run|call|check_output|check_call|Popen|getoutput)|pty\s*\.\s*spawn|eval|exec|__import__|compile)\s*\(\s*['"A-Za-z_(]/;

function looksLikePickle(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x80 && (bytes[1] ?? 9) >= 2 && (bytes[1] ?? 9) <= 5;
}

/** Finds a pickle encoded in a string or bytes value, if there is one. */
export function embeddedPickle(value: Value, offset: number): EmbeddedPickle | undefined {
  if (value.kind === 'bytes') {
    return value.data && looksLikePickle(value.data)
      ? { encoding: 'raw', bytes: value.data, offset }
      : undefined;
  }
  if (value.kind !== 'str' || value.truncated || value.value.length < 16) return undefined;
  const text = value.value.trim();
  if (HEX.test(text) && text.startsWith('80')) {
    const bytes = Uint8Array.from(Buffer.from(text, 'hex'));
    if (looksLikePickle(bytes)) return { encoding: 'hex', bytes, offset };
  }
  if (BASE64.test(text) && text.startsWith('gA')) {
    const bytes = Uint8Array.from(Buffer.from(text, 'base64'));
    if (looksLikePickle(bytes)) return { encoding: 'base64', bytes, offset };
  }
  return undefined;
}

/**
 * Verdicts on short strings already seen: the same class and attribute names (`LogisticRegression`,
 * `sklearn.linear_model._logistic`…) recur in every model of a folder, and most of them look like base64.
 */
const seen = new Map<string, string | undefined>();
const MEMO_LIMIT = 8192;
const MEMO_MAX_LENGTH = 256;

/** The code call a string holds, directly or base64-encoded, if any. */
export function embeddedCode(value: Value): string | undefined {
  if (value.kind !== 'str' || value.value.length < 6 || value.value.length > 65536) return undefined;
  const text = value.value;
  if (text.length <= MEMO_MAX_LENGTH && seen.has(text)) return seen.get(text);
  const verdict = codeIn(text);
  if (text.length <= MEMO_MAX_LENGTH) {
    if (seen.size >= MEMO_LIMIT) seen.clear();
    seen.set(text, verdict);
  }
  return verdict;
}

function codeIn(value: string): string | undefined {
  const direct = CODE_CALL.exec(value);
  if (direct) return value.slice(Math.max(0, direct.index - 20), direct.index + 80);
  const text = value.trim();
  if (text.length >= 12 && BASE64.test(text)) {
    const decoded = Buffer.from(text, 'base64').toString('latin1');
    const hit = CODE_CALL.exec(decoded);
    if (hit) return `base64 of: ${decoded.slice(Math.max(0, hit.index - 20), hit.index + 80)}`;
  }
  return undefined;
}
