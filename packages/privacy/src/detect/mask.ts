import type { EntityKind } from './recognizer.ts';

/**
 * The form of a detected value that reports may show. Personal data keeps at most its last four characters (as
 * receipts print card numbers); a secret keeps only its first four (the provider prefix: `ghp_`, `AKIA`), because
 * any part of its random tail helps an attacker. Values under eight characters are fully masked.
 */
export function maskForReport(value: string, kind: EntityKind): string {
  const stars = '*'.repeat(Math.min(Math.max(value.length - 4, 4), 12));
  if (value.length < 8) return '*'.repeat(Math.max(value.length, 4));
  return kind === 'secret' ? `${value.slice(0, 4)}${stars}` : `${stars}${value.slice(-4)}`;
}
