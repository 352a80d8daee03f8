import { SigningError } from '../errors.ts';

/**
 * A minimal, bounded DER reader: just enough to walk certificate extensions, which `node:crypto`'s
 * X509Certificate does not expose (basic constraints, key usage bits, Fulcio's OIDC issuer).
 */
export interface Tlv {
  readonly tag: number;
  /** Offset of the value (after the header) in the buffer. */
  readonly start: number;
  /** Offset just after the value. */
  readonly end: number;
}

/** More elements than this in one SEQUENCE is not a certificate we accept. */
const MAX_CHILDREN = 4096;

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  sequence: 0x30,
} as const;

function bad(what: string): never {
  throw new SigningError('CERTIFICATE_INVALID', `Malformed DER: ${what}`);
}

/** Reads the TLV at `offset`, which must end at or before `limit`. Only low tag numbers (< 31) occur in X.509. */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) bad('truncated header');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) bad('high tag numbers are not used in certificates');
  let length = buf[offset + 1] as number;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) bad('indefinite or oversized length');
    if (start + count > limit) bad('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[start + i] as number);
    start += count;
  }
  const end = start + length;
  if (end > limit) bad('value runs past its container');
  return { tag, start, end };
}

/** The elements inside a constructed TLV. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let offset = parent.start;
  while (offset < parent.end) {
    if (out.length >= MAX_CHILDREN) bad('too many elements');
    const child = readTlv(buf, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv === undefined || tlv.tag !== tag) bad(`expected ${what}`);
  return tlv;
}

export function value(buf: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + tlv.start, tlv.end - tlv.start);
}

/** DER-encodes one TLV (definite length, minimal length octets). */
export function encodeTlv(tag: number, body: Uint8Array): Buffer {
  const n = body.length;
  const length =
    n < 0x80
      ? Buffer.of(n)
      : n < 0x100
        ? Buffer.of(0x81, n)
        : n < 0x10000
          ? Buffer.of(0x82, n >> 8, n & 0xff)
          : Buffer.of(0x83, n >> 16, (n >> 8) & 0xff, n & 0xff);
  return Buffer.concat([Buffer.of(tag), length, body]);
}

/** Dotted form of an OBJECT IDENTIFIER's value. */
export function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0 || bytes.length > 64) bad('OID length');
  const parts: number[] = [];
  let current = 0;
  for (const byte of bytes) {
    current = current * 128 + (byte & 0x7f);
    if (current > Number.MAX_SAFE_INTEGER / 128) bad('OID arc too large');
    if ((byte & 0x80) === 0) {
      if (parts.length === 0) {
        const first = Math.min(Math.floor(current / 40), 2);
        parts.push(first, current - first * 40);
      } else parts.push(current);
      current = 0;
    }
  }
  if ((bytes[bytes.length - 1] as number) & 0x80) bad('OID ends mid-arc');
  return parts.join('.');
}
