import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PalisadeError } from '@palisade/core';
import type { KeyProvider } from './key-provider.ts';

/**
 * Small secrets (TOTP seeds) at rest: AES-256-GCM under a fresh data key per record, the data key wrapped by the
 * KEK. Text form `pal-sealed:1:<kek version>:<wrapped key>:<nonce>:<ciphertext+tag>` (base64url), with the record's
 * identity as associated data for both layers.
 */
const PREFIX = 'pal-sealed:1:';

export function isSealed(text: string): boolean {
  return text.startsWith(PREFIX);
}

export function seal(provider: KeyProvider, plaintext: string, context: string): string {
  const dek = randomBytes(32);
  const wrapped = provider.wrap(dek, context);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dek, nonce, { authTagLength: 16 }).setAAD(
    Buffer.from(context),
  );
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return `${PREFIX}${wrapped.version}:${b64(wrapped.data)}:${b64(nonce)}:${b64(body)}`;
}

function parse(sealed: string) {
  const parts = sealed.slice(PREFIX.length).split(':');
  const [version, wrapped, nonce, body] = parts;
  if (!isSealed(sealed) || parts.length !== 4 || !/^\d{1,9}$/.test(version ?? '')) {
    throw new PalisadeError('INPUT_INVALID', 'A sealed secret is malformed');
  }
  return {
    wrapped: { version: Number(version), data: Buffer.from(wrapped ?? '', 'base64url') },
    nonce: Buffer.from(nonce ?? '', 'base64url'),
    body: Buffer.from(body ?? '', 'base64url'),
  };
}

export function unseal(provider: KeyProvider, sealed: string, context: string): string {
  const { wrapped, nonce, body } = parse(sealed);
  const dek = provider.unwrap(wrapped, context);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dek, nonce, { authTagLength: 16 }).setAAD(
      Buffer.from(context),
    );
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  } catch (error) {
    throw new PalisadeError('INPUT_INVALID', `The sealed secret of ${context} does not open`, {
      cause: error,
    });
  }
}

/** Re-wraps the record's data key under the current KEK; the ciphertext is unchanged. */
export function rewrap(provider: KeyProvider, sealed: string, context: string): string {
  const { wrapped, nonce, body } = parse(sealed);
  if (wrapped.version === provider.currentVersion()) return sealed;
  const again = provider.wrap(provider.unwrap(wrapped, context), context);
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return `${PREFIX}${again.version}:${b64(again.data)}:${b64(nonce)}:${b64(body)}`;
}
