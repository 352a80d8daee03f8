import { SIGNALS } from './signals.ts';

/**
 * Features for the prompt-injection classifier: lower-cased word unigrams and bigrams hashed (FNV-1a) into a
 * fixed number of buckets, plus one feature per hand-written signal. Hashing keeps the shipped model small
 * and needs no vocabulary file.
 */

export const HASH_BUCKETS = 1 << 14;
/** Signal features come after the hashed buckets. */
export const FEATURE_COUNT = HASH_BUCKETS + SIGNALS.length;
/** Bounded work per text: longer inputs are judged on their first and last characters. */
export const MAX_CHARS = 8192;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function clip(text: string): string {
  return text.length <= MAX_CHARS ? text : `${text.slice(0, MAX_CHARS / 2)}\n${text.slice(-MAX_CHARS / 2)}`;
}

/** Sparse features: index → value (term frequencies scaled by 1/√n, signals as 1). */
export function features(raw: string): Map<number, number> {
  const text = clip(raw);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out = new Map<number, number>();
  const add = (token: string) => {
    const i = fnv1a(token) % HASH_BUCKETS;
    out.set(i, (out.get(i) ?? 0) + 1);
  };
  words.forEach((w, i) => {
    add(w);
    if (i > 0) add(`${words[i - 1]} ${w}`);
  });
  const norm = Math.sqrt(Math.max(1, words.length * 2 - 1));
  for (const [i, v] of out) out.set(i, v / norm);
  SIGNALS.forEach((s, k) => {
    if (s.test(text)) out.set(HASH_BUCKETS + k, 1);
  });
  return out;
}
