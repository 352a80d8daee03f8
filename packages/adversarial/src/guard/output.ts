/**
 * The run-time guard for LLM outputs: secrets, personal data and planted canaries that must not leave the
 * model. Matches are reported masked, never in full.
 */

export interface Leak {
  readonly kind: string;
  readonly at: number;
  /** The match with all but its first and last characters masked. */
  readonly masked: string;
}

const PATTERNS: readonly [string, RegExp][] = [
  ['private-key', /-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----/g],
  ['aws-access-key', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ['github-token', /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g],
  ['slack-token', /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g],
  ['google-api-key', /\bAIza[0-9A-Za-z_-]{35}\b/g],
  ['openai-style-key', /\bsk-(?:live-|proj-|test-)?[A-Za-z0-9_-]{20,}\b/g],
  ['jwt', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g],
  ['email', /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g],
];
const CARD = /\b(?:\d[ -]?){13,19}\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

const mask = (s: string) => (s.length <= 4 ? '****' : `${s[0]}${'*'.repeat(s.length - 2)}${s.at(-1)}`);

export function scanOutput(
  text: string,
  options: { canaries?: readonly string[]; maxChars?: number } = {},
): Leak[] {
  const body = text.slice(0, options.maxChars ?? 1 << 20);
  const leaks: Leak[] = [];
  for (const [kind, pattern] of PATTERNS)
    for (const m of body.matchAll(pattern)) leaks.push({ kind, at: m.index, masked: mask(m[0]) });
  for (const m of body.matchAll(CARD)) {
    const digits = m[0].replace(/\D/g, '');
    if (digits.length >= 13 && luhn(digits))
      leaks.push({ kind: 'payment-card', at: m.index, masked: mask(digits) });
  }
  for (const canary of options.canaries ?? []) {
    const at = body.indexOf(canary);
    if (canary.length > 0 && at >= 0) leaks.push({ kind: 'canary', at, masked: mask(canary) });
  }
  return leaks.sort((a, b) => a.at - b.at);
}
