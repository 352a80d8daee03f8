import { createCipheriv, createDecipheriv } from 'node:crypto';
import { PalisadeError } from '@palisade/core';
import { WRAPPED_KEY_BYTES } from '../crypto/key-provider.ts';

/**
 * The encrypted blob file format: chunked AES-256-GCM (specs/platform-security §8, "large blobs"), so that a
 * blob of any size streams in and out in constant memory and every chunk is authenticated on its own.
 *
 *   header: "PALB" ‖ 0x01 ‖ KEK version (u32 BE) ‖ wrapped data key (60 bytes) ‖ nonce prefix (8 bytes)
 *   chunks: AES-256-GCM(64 KiB of plaintext) ‖ tag (16 bytes), the last one (possibly empty) flagged final
 *
 * Chunk i uses nonce = prefix ‖ u32 BE i and associated data "palisade-blob-v1" ‖ u32 BE i ‖ final flag, so
 * chunks cannot be reordered, dropped or the blob truncated at a chunk boundary without failing authentication.
 */
export const CHUNK_BYTES = 64 * 1024;
export const TAG_BYTES = 16;
const MAGIC = Buffer.from('PALB');
export const HEADER_BYTES = 4 + 1 + 4 + WRAPPED_KEY_BYTES + 8;
/** Where the KEK version and wrapped key sit: rotation rewrites exactly these bytes. */
export const KEY_SLOT_OFFSET = 5;

export interface BlobHeader {
  readonly kekVersion: number;
  readonly wrappedKey: Buffer;
  readonly noncePrefix: Buffer;
}

export function formatHeader(header: BlobHeader): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(out, 0);
  out[4] = 1;
  out.writeUInt32BE(header.kekVersion, 5);
  header.wrappedKey.copy(out, 9);
  header.noncePrefix.copy(out, 9 + WRAPPED_KEY_BYTES);
  return out;
}

export function parseHeader(bytes: Buffer): BlobHeader {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 4).equals(MAGIC) || bytes[4] !== 1) {
    throw new PalisadeError('INPUT_INVALID', 'A blob file has no valid encryption header');
  }
  return {
    kekVersion: bytes.readUInt32BE(5),
    wrappedKey: Buffer.from(bytes.subarray(9, 9 + WRAPPED_KEY_BYTES)),
    noncePrefix: Buffer.from(bytes.subarray(9 + WRAPPED_KEY_BYTES, HEADER_BYTES)),
  };
}

function chunkParams(prefix: Buffer, index: number, final: boolean) {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, 8);
  const aad = Buffer.alloc(16 + 5);
  aad.write('palisade-blob-v1', 0, 'ascii');
  aad.writeUInt32BE(index, 16);
  aad[20] = final ? 1 : 0;
  return { nonce, aad };
}

export function sealChunk(dek: Buffer, prefix: Buffer, index: number, final: boolean, plain: Buffer): Buffer {
  if (index > 0xffffffff) throw new PalisadeError('LIMIT_EXCEEDED', 'A blob may have at most 2^32 chunks');
  const { nonce, aad } = chunkParams(prefix, index, final);
  const cipher = createCipheriv('aes-256-gcm', dek, nonce, { authTagLength: TAG_BYTES }).setAAD(aad);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

export function openChunk(
  dek: Buffer,
  prefix: Buffer,
  index: number,
  final: boolean,
  sealed: Buffer,
): Buffer {
  const { nonce, aad } = chunkParams(prefix, index, final);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dek, nonce, { authTagLength: TAG_BYTES }).setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch (error) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `Blob chunk ${index} fails authentication (tampered or truncated)`,
      {
        cause: error,
      },
    );
  }
}

/** Plaintext size of an encrypted blob file of `fileSize` bytes. */
export function plaintextSize(fileSize: number): number {
  const body = fileSize - HEADER_BYTES;
  const chunks = Math.max(1, Math.ceil(body / (CHUNK_BYTES + TAG_BYTES)));
  return body - chunks * TAG_BYTES;
}
