/** What a recognizer is: a pattern, how to validate a candidate, how much a match is worth, which words support it. */

export type EntityKind = 'pii' | 'secret';

/** Cheap facts about a value, computed once, so that recognizers that cannot match are skipped. */
export interface ValueStats {
  readonly digits: number;
  readonly upper: number;
  readonly at: boolean;
  readonly colon: boolean;
  readonly dashes: boolean;
}

export interface Recognizer {
  readonly entity: string;
  readonly kind: EntityKind;
  /** A global regular expression; the whole match is the candidate unless `group` names a capture. */
  readonly pattern: RegExp;
  readonly group?: number;
  /** Score of a match that passed validation, before context. */
  readonly score: number;
  /** Lower-case words (or word prefixes ending in `*`) that make the match more likely when near it. */
  readonly context?: readonly string[];
  /** Without one of its context words the match is not reported (for numbers that are only ids by label). */
  readonly requiresContext?: boolean;
  /** Only a hint (column name, JSON key) can supply the context: names are recognisable by their column alone. */
  readonly hintOnly?: boolean;
  /** Words that make the match less likely (a 3-3-4 number next to "NHS" is not a phone number). */
  readonly negativeContext?: readonly string[];
  /** Returns false to drop a candidate, or a score that replaces `score`. */
  readonly validate?: (candidate: string) => boolean | number;
  /** Shortens an over-long candidate to its valid prefix (an IBAN followed by a word in capitals); 0 drops it. */
  readonly refine?: (candidate: string) => number;
  /** A cheap pre-check on the value's counts; it may look at digits and capitals only up to 16. */
  readonly applies: (stats: ValueStats) => boolean;
}

export function valueStats(text: string): ValueStats {
  let digits = 0;
  let upper = 0;
  let at = false;
  let colon = false;
  let dashes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 65 && c <= 90) upper++;
    else if (c === 64) at = true;
    else if (c === 58) colon = true;
    else if (c === 45) dashes = true;
  }
  return { digits, upper, at, colon, dashes };
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Removes the separators people put inside identifiers (spaces, dashes, dots, slashes). */
export function compact(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 45 && c !== 46 && c !== 47 && c !== 9 && c !== 10 && c !== 13) out += text[i];
  }
  return out;
}

export const atLeastDigits =
  (n: number) =>
  (s: ValueStats): boolean =>
    s.digits >= n;
