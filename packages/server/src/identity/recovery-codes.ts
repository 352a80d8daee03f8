import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database.ts';
import type { PasswordHasher } from './password.ts';
import { base32Encode } from './totp.ts';

/**
 * Recovery codes (platform-security §3, ASVS 6.5.2/6.5.4): ten single-use codes of 16 base32 characters (80 bits)
 * that stand in for a TOTP code when the authenticator is lost. Below 112 bits they are stored like passwords
 * (Argon2id); the first group of 4 characters locates the row so that a login checks one hash, not ten.
 * Generating a new set deletes the old one.
 */
export const RECOVERY_CODE_COUNT = 10;
export const RECOVERY_CODE = /^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/;

export function normalizeRecoveryCode(code: string): string {
  const clean = code.toUpperCase().replace(/[\s-]/g, '');
  return clean.length === 16
    ? `${clean.slice(0, 4)}-${clean.slice(4, 8)}-${clean.slice(8, 12)}-${clean.slice(12)}`
    : code;
}

export class RecoveryCodes {
  readonly #db: Database;
  readonly #hasher: PasswordHasher;

  constructor(db: Database, hasher: PasswordHasher) {
    this.#db = db;
    this.#hasher = hasher;
  }

  /** A fresh set, replacing the old one; the codes are returned once and kept only as hashes. */
  async generate(userId: string, now: number): Promise<string[]> {
    const codes: string[] = [];
    const lookups = new Set<string>();
    while (codes.length < RECOVERY_CODE_COUNT) {
      const code = normalizeRecoveryCode(base32Encode(randomBytes(10)));
      const lookup = code.slice(0, 4);
      if (lookups.has(lookup)) continue;
      lookups.add(lookup);
      codes.push(code);
    }
    const hashes = await Promise.all(codes.map((c) => this.#hasher.hash(c)));
    await this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM recovery_codes WHERE user_id = ?', [userId]);
      for (const [i, code] of codes.entries()) {
        await tx.run(
          'INSERT INTO recovery_codes (user_id, lookup, code_hash, created_at) VALUES (?, ?, ?, ?)',
          [userId, code.slice(0, 4), hashes[i] ?? '', now],
        );
      }
    });
    return codes;
  }

  /** Spends a code: true once for each valid code, false for anything else. */
  async consume(userId: string, code: string, now: number): Promise<boolean> {
    const normalized = normalizeRecoveryCode(code);
    if (!RECOVERY_CODE.test(normalized)) return false;
    const row = await this.#db.get<{ code_hash: string }>(
      'SELECT code_hash FROM recovery_codes WHERE user_id = ? AND lookup = ? AND used_at IS NULL',
      [userId, normalized.slice(0, 4)],
    );
    if (row === undefined || !(await this.#hasher.verify(normalized, row.code_hash)).ok) return false;
    const changed = await this.#db.run(
      'UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND lookup = ? AND used_at IS NULL',
      [now, userId, normalized.slice(0, 4)],
    );
    return changed === 1;
  }

  async remaining(userId: string): Promise<number> {
    const row = await this.#db.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL',
      [userId],
    );
    return Number(row?.n ?? 0);
  }
}
