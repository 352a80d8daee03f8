import { HttpError } from '../http/problem.ts';
import type { IdentityStore } from './store.ts';

/**
 * Back-off on authentication failures (platform-security §7; NIST SP 800-63B §5.2.2): each failure past the
 * fifth doubles a wait (1 s, 2 s, 4 s … capped at 15 min); after 100 consecutive failures the bucket is blocked
 * for a day. Kept in the database, so a restart does not reset it. Buckets are per account and per client
 * address, so one attacker cannot lock a victim out from everywhere and one address cannot spray accounts.
 */
export const FREE_FAILURES = 5;
export const MAX_BACKOFF_MS = 15 * 60_000;
export const MAX_CONSECUTIVE_FAILURES = 100;
export const HARD_BLOCK_MS = 24 * 3600_000;

export function backoffMs(failures: number): number {
  if (failures >= MAX_CONSECUTIVE_FAILURES) return HARD_BLOCK_MS;
  if (failures < FREE_FAILURES) return 0;
  return Math.min(1000 * 2 ** (failures - FREE_FAILURES), MAX_BACKOFF_MS);
}

export class AuthThrottle {
  readonly #store: IdentityStore;

  constructor(store: IdentityStore) {
    this.#store = store;
  }

  /** Throws 429 with Retry-After when any bucket is still waiting. */
  async check(buckets: readonly string[], now: number): Promise<void> {
    let until = 0;
    for (const bucket of buckets) until = Math.max(until, (await this.#store.throttle(bucket)).blockedUntil);
    if (until > now) {
      const seconds = Math.ceil((until - now) / 1000);
      throw new HttpError(429, 'too-many-attempts', `Too many failed attempts; try again in ${seconds} s.`, {
        headers: { 'retry-after': String(seconds) },
      });
    }
  }

  async failure(buckets: readonly string[], now: number): Promise<void> {
    for (const bucket of buckets) {
      const failures = (await this.#store.throttle(bucket)).failures + 1;
      await this.#store.setThrottle(bucket, failures, now + backoffMs(failures), now);
    }
  }

  async success(buckets: readonly string[]): Promise<void> {
    for (const bucket of buckets) await this.#store.clearThrottle(bucket);
  }
}

/**
 * A per-address token bucket in memory in front of every authentication path: it sheds floods before any
 * password hashing (Argon2id costs ~19 MiB and tens of milliseconds per attempt).
 */
export class RateLimiter {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(capacity: number, perMinute: number) {
    this.#capacity = capacity;
    this.#refillPerMs = perMinute / 60_000;
  }

  take(key: string, now: number): void {
    const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, at: now };
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.at) * this.#refillPerMs);
    bucket.at = now;
    if (bucket.tokens < 1) {
      const seconds = Math.ceil((1 - bucket.tokens) / this.#refillPerMs / 1000);
      throw new HttpError(429, 'rate-limited', `Too many requests; try again in ${seconds} s.`, {
        headers: { 'retry-after': String(seconds) },
      });
    }
    bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > 100_000) this.#buckets.clear();
  }
}
