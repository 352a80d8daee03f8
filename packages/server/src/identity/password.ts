import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { COMMON_PASSWORDS } from './common-passwords.ts';

const argon2Async = promisify(argon2);

/** OWASP Password Storage minimum for Argon2id (platform-security §2): m = 19 MiB, t = 2, p = 1; 16-byte salt. */
export const ARGON2_PARAMS = { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32 } as const;

export const MIN_PASSWORD_LENGTH = 8;
/** ASVS 6.2.9 asks that at least 64 characters be allowed; the cap bounds the work per login attempt. */
export const MAX_PASSWORD_LENGTH = 256;

const PHC =
  /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{16,88})\$([A-Za-z0-9+/]{16,88})$/;

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

async function derive(password: string, salt: Buffer, m: number, t: number, p: number, length: number) {
  return argon2Async('argon2id', {
    message: Buffer.from(password, 'utf8'),
    nonce: salt,
    memory: m,
    passes: t,
    parallelism: p,
    tagLength: length,
  });
}

export interface Argon2Params {
  readonly memory: number;
  readonly passes: number;
  readonly parallelism: number;
  readonly tagLength: number;
}

/**
 * Argon2id hashing with one parameter set. The server always uses ARGON2_PARAMS; tests pass a cheaper set so
 * that dozens of logins stay fast on a shared two-core machine (the parameters are recorded in every PHC string,
 * so hashes made with either verify with either).
 */
export class PasswordHasher {
  readonly params: Argon2Params;
  #dummy: Promise<string> | undefined;

  constructor(params: Argon2Params = ARGON2_PARAMS) {
    this.params = params;
  }

  /** Hashes a password into a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const { memory, passes, parallelism, tagLength } = this.params;
    const tag = await derive(password, salt, memory, passes, parallelism, tagLength);
    return `$argon2id$v=19$m=${memory},t=${passes},p=${parallelism}$${b64(salt)}$${b64(tag)}`;
  }

  /**
   * Checks a password against a PHC string, exactly as typed (no trimming or truncation). `rehash` says the
   * stored parameters are below this hasher's, so the caller should store a fresh hash.
   */
  async verify(password: string, phc: string): Promise<{ ok: boolean; rehash: boolean }> {
    const match = PHC.exec(phc);
    if (match === null || password.length > MAX_PASSWORD_LENGTH) return { ok: false, rehash: false };
    const [m, t, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const salt = Buffer.from(match[4] ?? '', 'base64');
    const expected = Buffer.from(match[5] ?? '', 'base64');
    const tag = await derive(password, salt, m, t, p, expected.length);
    const ok = tag.length === expected.length && timingSafeEqual(tag, expected);
    const rehash = m < this.params.memory || t < this.params.passes;
    return { ok, rehash: ok && rehash };
  }

  /** A hash of a random password: unknown users are checked against it so that they take as long as known ones. */
  dummy(): Promise<string> {
    this.#dummy ??= this.hash(randomBytes(18).toString('base64'));
    return this.#dummy;
  }
}

/** ASVS V6.2 policy: length 8–256, no composition rules, not a common password, not the user name. */
export function passwordProblem(password: string, username: string): string | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `a password may have at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return 'this password is one of the most common ones; choose another';
  if (lower === username.toLowerCase()) return 'a password must not be the user name';
  return undefined;
}
