import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomInt } from 'node:crypto';
import { PalisadeError } from '@palisade/core';
import type { EntityKind } from '../detect/recognizer.ts';

/** Presidio's anonymizer operators, plus shape-preserving synthetic replacement. */
export const OPERATORS = ['redact', 'replace', 'mask', 'hash', 'encrypt', 'synthetic'] as const;
export type OperatorName = (typeof OPERATORS)[number];

export type Operator = (value: string, entity: string, kind: EntityKind) => string;

const ENCRYPTED_PREFIX = 'enc:v1:';

function requireKey(name: OperatorName, key: Uint8Array | undefined, length?: number): Uint8Array {
  if (!key || key.length === 0)
    throw new PalisadeError(
      'USAGE',
      `The ${name} operator needs a key (--key FILE): without one it is reversible by guessing.`,
    );
  if (length !== undefined && key.length !== length)
    throw new PalisadeError(
      'USAGE',
      `The ${name} operator needs a ${length * 8}-bit key (${length} bytes), not ${key.length} bytes.`,
    );
  return key;
}

/** Keeps separators and the last four characters of personal data; a secret keeps only its first four. */
function mask(value: string, kind: EntityKind): string {
  if (kind === 'secret') return value.slice(0, 4) + value.slice(4).replace(/[^\s]/g, '*');
  const keep = value.length >= 8 ? 4 : 0;
  const head = value.slice(0, value.length - keep).replace(/[\p{L}\p{N}]/gu, '*');
  return head + value.slice(value.length - keep);
}

/** A deterministic byte stream from HMAC(key, value ‖ counter), so the same value always gets the same stand-in. */
function keyedStream(key: Uint8Array, value: string): () => number {
  let block = Buffer.alloc(0);
  let counter = 0;
  let at = 0;
  return () => {
    if (at >= block.length) {
      block = createHmac('sha256', key).update(`${counter++}\u0000${value}`).digest();
      at = 0;
    }
    return block[at++] as number;
  };
}

/** Same shape: digits stay digits, letters stay letters of the same case, everything else is kept. */
function synthetic(value: string, entity: string, key: Uint8Array | undefined): string {
  const next = key ? keyedStream(key, value) : () => randomInt(256);
  const pick = (alphabet: string) => {
    for (;;) {
      const b = next();
      if (b < 256 - (256 % alphabet.length)) return alphabet[b % alphabet.length] as string;
    }
  };
  const swap = (text: string) =>
    text.replace(/[0-9]|[a-z]|[A-Z]/g, (ch) =>
      ch <= '9'
        ? pick('0123456789')
        : ch <= 'Z'
          ? pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ')
          : pick('abcdefghijklmnopqrstuvwxyz'),
    );
  // A stand-in address must never reach a real mailbox: keep the shape of the local part, use a reserved domain.
  if (entity === 'EMAIL_ADDRESS') return `${swap(value.slice(0, value.indexOf('@')))}@example.com`;
  return swap(value);
}

/** AES-256-GCM, 96-bit random nonce, the entity type as associated data: `enc:v1:` + base64url(nonce‖ciphertext‖tag). */
function encrypt(value: string, entity: string, key: Uint8Array): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(entity));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return `${ENCRYPTED_PREFIX}${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')}`;
}

/** Reverses the encrypt operator; fails if the key, the entity type or the ciphertext is wrong. */
export function decryptValue(token: string, entity: string, key: Uint8Array): string {
  if (!token.startsWith(ENCRYPTED_PREFIX))
    throw new PalisadeError('INPUT_INVALID', 'Not an encrypted value (enc:v1:…).');
  const raw = Buffer.from(token.slice(ENCRYPTED_PREFIX.length), 'base64url');
  if (raw.length < 28) throw new PalisadeError('INPUT_INVALID', 'The encrypted value is truncated.');
  try {
    const decipher = createDecipheriv('aes-256-gcm', requireKey('encrypt', key, 32), raw.subarray(0, 12), {
      authTagLength: 16,
    });
    decipher.setAAD(Buffer.from(entity));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  } catch (error) {
    if (error instanceof PalisadeError) throw error;
    throw new PalisadeError(
      'INPUT_INVALID',
      'Cannot decrypt: wrong key, wrong entity type or altered ciphertext.',
      {
        cause: error,
      },
    );
  }
}

export function makeOperator(name: OperatorName, key?: Uint8Array): Operator {
  switch (name) {
    case 'redact':
      return () => '';
    case 'replace':
      return (_, entity) => `<${entity}>`;
    case 'mask':
      return (value, _, kind) => mask(value, kind);
    case 'hash': {
      const k = requireKey(name, key);
      return (value) => createHmac('sha256', k).update(value).digest('hex').slice(0, 32);
    }
    case 'encrypt': {
      const k = requireKey(name, key, 32);
      return (value, entity) => encrypt(value, entity, k);
    }
    case 'synthetic':
      return (value, entity) => synthetic(value, entity, key);
    default:
      throw new PalisadeError(
        'USAGE',
        `Unknown operator "${String(name)}"; use one of ${OPERATORS.join(', ')}.`,
      );
  }
}

/** Applies `operator` to every detection in `text` (detections sorted by start, not overlapping). */
export function applyDetections(
  text: string,
  detections: readonly { entity: string; kind: EntityKind; start: number; end: number }[],
  operator: Operator,
): string {
  if (detections.length === 0) return text;
  let out = '';
  let at = 0;
  for (const d of detections) {
    out += text.slice(at, d.start) + operator(text.slice(d.start, d.end), d.entity, d.kind);
    at = d.end;
  }
  return out + text.slice(at);
}
