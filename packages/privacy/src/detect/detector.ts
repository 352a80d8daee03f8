import { PalisadeError } from '@palisade/core';
import { NATIONAL_ID_RECOGNIZERS } from './national-id-recognizers.ts';
import { PII_RECOGNIZERS } from './pii-recognizers.ts';
import { type EntityKind, type Recognizer, valueStats } from './recognizer.ts';
import { SECRET_RECOGNIZERS } from './secret-recognizers.ts';

export const RECOGNIZERS: readonly Recognizer[] = [
  ...SECRET_RECOGNIZERS,
  ...PII_RECOGNIZERS,
  ...NATIONAL_ID_RECOGNIZERS,
];

export const ENTITY_TYPES: readonly string[] = [...new Set(RECOGNIZERS.map((r) => r.entity))];

/** A match inside one value: UTF-16 offsets into that value. */
export interface Detection {
  readonly entity: string;
  readonly kind: EntityKind;
  readonly start: number;
  readonly end: number;
  readonly score: number;
}

export interface DetectorOptions {
  /** Minimum score to report (default 0.5, Presidio's usual cut-off for pattern recognizers with context). */
  readonly threshold?: number;
  /** Only these entity types (default: all). */
  readonly entities?: readonly string[];
}

/** Presidio's context enhancer: a supporting word raises the score by 0.35, to at least 0.4. */
const CONTEXT_BOOST = 0.35;
const CONTEXT_FLOOR = 0.4;
const CONTEXT_BEFORE = 48;
const CONTEXT_AFTER = 24;
const POSITIVE = 1;
const NEGATIVE = 2;

/** Lower-case words; a camelCase word also yields its parts ("customerSsn" → customerssn, customer, ssn). */
function words(text: string): string[] {
  const out: string[] = [];
  for (const w of text.split(/[^\p{L}\p{N}]+/u)) {
    if (w === '') continue;
    out.push(w.toLowerCase());
    if (/[a-z][A-Z]/.test(w))
      for (const part of w.replace(/([a-z])([A-Z])/g, '$1 $2').split(' ')) out.push(part.toLowerCase());
  }
  return out;
}

function hasContext(tokens: readonly string[], context: readonly string[]): boolean {
  for (const t of tokens)
    for (const w of context) if (t === w || (w.length >= 4 && t.startsWith(w))) return true;
  return false;
}

/** Finds PII and secrets in one value with the recognizers, their validators, context words and a threshold. */
export class Detector {
  readonly #recognizers: readonly Recognizer[];
  readonly #threshold: number;
  /** The recognizers that can match, per value signature (capped digit and capital counts, @ : - flags). */
  readonly #applicable = new Map<number, readonly Recognizer[]>();
  readonly #hints = new Map<string, string[]>();
  readonly #hintBits = new Map<string, Map<Recognizer, number>>();

  constructor(options: DetectorOptions = {}) {
    const threshold = options.threshold ?? 0.5;
    if (!(threshold >= 0 && threshold <= 1))
      throw new PalisadeError('USAGE', 'The score threshold must be in [0, 1].');
    const wanted = options.entities;
    if (wanted) {
      const unknown = wanted.filter((e) => !ENTITY_TYPES.includes(e));
      if (unknown.length > 0)
        throw new PalisadeError(
          'USAGE',
          `Unknown entity type(s) ${unknown.join(', ')}; known: ${ENTITY_TYPES.join(', ')}.`,
        );
    }
    this.#recognizers = RECOGNIZERS.filter((r) => !wanted || wanted.includes(r.entity)).map((r) => ({
      ...r,
      pattern: new RegExp(r.pattern.source, r.pattern.flags),
    }));
    this.#threshold = threshold;
  }

  /**
   * The recognizer that last matched a whole value under each hint (column): a column of e-mail addresses is
   * tried for an e-mail address first, and a value that is entirely one validated identifier is not searched
   * further.
   */
  readonly #wholeValue = new Map<string, Recognizer>();

  /** `hint` is text that labels the value (a column name or JSON path): its words count as context. */
  detect(text: string, hint?: string): Detection[] {
    if (text.length < 2) return [];
    if (hint !== undefined) {
      const favourite = this.#wholeValue.get(hint);
      if (favourite) {
        const whole = this.#matchWhole(favourite, text, hint);
        if (whole) return [whole];
      }
      const found = this.#detect(text, hint);
      const only = found.length === 1 ? found[0] : undefined;
      if (only && only.start === 0 && only.end === text.length && this.#wholeValue.size < 10_000) {
        const recognizer = this.#recognizers.find(
          (r) => r.entity === only.entity && this.#matchWhole(r, text, hint),
        );
        if (recognizer) this.#wholeValue.set(hint, recognizer);
      }
      return found;
    }
    return this.#detect(text, hint);
  }

  /** A detection when `r` matches all of `text` and passes validation and the threshold with the hint's context. */
  #matchWhole(r: Recognizer, text: string, hint: string): Detection | undefined {
    if (r.group !== undefined || r.refine) return undefined;
    const pattern = r.pattern;
    pattern.lastIndex = 0;
    const m = pattern.exec(text);
    if (m?.index !== 0 || m[0].length !== text.length) return undefined;
    const verdict = r.validate ? r.validate(text) : true;
    if (verdict === false) return undefined;
    let score = typeof verdict === 'number' ? verdict : r.score;
    const bits = this.#hintContext(hint, r);
    if (bits & POSITIVE) score = Math.min(1, Math.max(CONTEXT_FLOOR, score + CONTEXT_BOOST));
    else if (r.requiresContext) return undefined;
    if (bits & NEGATIVE) score -= CONTEXT_BOOST;
    return score >= this.#threshold
      ? { entity: r.entity, kind: r.kind, start: 0, end: text.length, score }
      : undefined;
  }

  #detect(text: string, hint: string | undefined): Detection[] {
    const stats = valueStats(text);
    const signature =
      Math.min(stats.digits, 16) * 1088 +
      Math.min(stats.upper, 16) * 64 +
      (stats.at ? 4 : 0) +
      (stats.colon ? 2 : 0) +
      (stats.dashes ? 1 : 0);
    let applicable = this.#applicable.get(signature);
    if (!applicable) {
      applicable = this.#recognizers.filter((r) => r.applies(stats));
      this.#applicable.set(signature, applicable);
    }
    if (applicable.length === 0) return [];
    const found: Detection[] = [];
    for (const r of applicable) {
      if (r.hintOnly && !(this.#hintContext(hint, r) & POSITIVE)) continue;
      const pattern = r.pattern;
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        if (m[0].length === 0) {
          pattern.lastIndex++;
          continue;
        }
        let value = r.group === undefined ? m[0] : (m[r.group] ?? '');
        if (r.refine) {
          const length = r.refine(value);
          if (length === 0) continue;
          value = value.slice(0, length);
        }
        const start = r.group === undefined ? m.index : m.index + m[0].lastIndexOf(value);
        const verdict = r.validate ? r.validate(value) : true;
        if (verdict === false) continue;
        let score = typeof verdict === 'number' ? verdict : r.score;
        if (r.context || r.negativeContext) {
          let bits = this.#hintContext(hint, r);
          const end = start + value.length;
          if (!r.hintOnly && (m.index > 0 || end < text.length)) {
            const near = words(text.slice(Math.max(0, m.index - CONTEXT_BEFORE), m.index)).concat(
              words(text.slice(end, end + CONTEXT_AFTER)).slice(0, 2),
            );
            if (r.context && hasContext(near, r.context)) bits |= POSITIVE;
            if (r.negativeContext && hasContext(near, r.negativeContext)) bits |= NEGATIVE;
          }
          if (bits & POSITIVE) score = Math.min(1, Math.max(CONTEXT_FLOOR, score + CONTEXT_BOOST));
          else if (r.requiresContext) continue;
          if (bits & NEGATIVE) score -= CONTEXT_BOOST;
        }
        if (score >= this.#threshold)
          found.push({ entity: r.entity, kind: r.kind, start, end: start + value.length, score });
      }
    }
    return found.length < 2 ? found : resolveOverlaps(found);
  }

  /** Whether a hint (column name) holds one of `r`'s context words (POSITIVE) or negative words (NEGATIVE), cached. */
  #hintContext(hint: string | undefined, r: Recognizer): number {
    if (hint === undefined) return 0;
    let perHint = this.#hintBits.get(hint);
    if (!perHint) {
      perHint = new Map();
      if (this.#hintBits.size < 10_000) this.#hintBits.set(hint, perHint);
    }
    let bits = perHint.get(r);
    if (bits === undefined) {
      const w = this.#hintWords(hint);
      bits =
        (r.context && hasContext(w, r.context) ? POSITIVE : 0) |
        (r.negativeContext && hasContext(w, r.negativeContext) ? NEGATIVE : 0);
      perHint.set(r, bits);
    }
    return bits;
  }

  #hintWords(hint: string): string[] {
    let cached = this.#hints.get(hint);
    if (!cached) {
      cached = words(hint);
      if (this.#hints.size < 10_000) this.#hints.set(hint, cached);
    }
    return cached;
  }
}

/** Keeps the best of overlapping matches: higher score, then the longer span. */
function resolveOverlaps(found: Detection[]): Detection[] {
  found.sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Detection[] = [];
  for (const d of found) if (!kept.some((k) => d.start < k.end && k.start < d.end)) kept.push(d);
  return kept.sort((a, b) => a.start - b.start);
}
