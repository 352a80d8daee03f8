import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** API tokens are `pal_` + 30 base62 characters (≈178 bits) + a 6-character CRC32 (GitHub-style, scannable). */
export const TOKEN_PREFIX = 'pal_';
const BODY_LENGTH = 30;
const TOKEN = /^pal_([0-9A-Za-z]{30})([0-9A-Za-z]{6})$/;

function base62(bytes: Uint8Array, length: number): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let out = '';
  for (let i = 0; i < length; i++) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

function checksum(body: string): string {
  const value = crc32(Buffer.from(body, 'ascii'));
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return base62(bytes, 6);
}

export function newApiToken(): string {
  const body = base62(randomBytes(24), BODY_LENGTH);
  return `${TOKEN_PREFIX}${body}${checksum(body)}`;
}

/** Offline format and checksum check: a mistyped token is refused before any database lookup. */
export function isWellFormedApiToken(token: string): boolean {
  const match = TOKEN.exec(token);
  return match !== null && checksum(match[1] ?? '') === match[2];
}

/** Session ids, CSRF and setup tokens: 256 bits from the CSPRNG, base64url. */
export function newOpaqueSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Secrets with ≥ 112 bits of entropy are stored as their SHA-256 (platform-security §5). */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
