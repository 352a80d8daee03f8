import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { SigningError } from '../errors.ts';

/** A checkpoint note is a few hundred bytes; refuse anything absurd before splitting it. */
const MAX_NOTE_BYTES = 64 << 10;

export interface Checkpoint {
  readonly origin: string;
  readonly treeSize: bigint;
  readonly rootHash: Buffer;
}

function invalid(message: string): never {
  throw new SigningError('CHECKPOINT_INVALID', message);
}

/** C2SP signed-note key ID: ECDSA keys (Rekor v1) use SHA-256(DER SPKI)[:4]; Ed25519 uses SHA-256(name ‖ \n ‖ 0x01 ‖ key)[:4]. */
function keyHint(name: string, key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'ed25519') {
    const raw = Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url');
    return createHash('sha256').update(`${name}\n`).update(Buffer.of(1)).update(raw).digest().subarray(0, 4);
  }
  return createHash('sha256')
    .update(key.export({ format: 'der', type: 'spki' }))
    .digest()
    .subarray(0, 4);
}

function signatureValid(text: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    if (key.asymmetricKeyType === 'ed25519') return cryptoVerify(null, text, key, signature);
    return cryptoVerify('sha256', text, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

/**
 * Parses a C2SP signed note holding a tlog checkpoint and requires a signature line by `key` that verifies
 * over the note text. Lines of unknown signers are ignored, as C2SP says.
 */
export function verifyCheckpoint(envelope: string, key: KeyObject): Checkpoint {
  if (envelope.length > MAX_NOTE_BYTES) invalid('The checkpoint note is too large');
  // The text ends at the last blank line (C2SP); signature lines follow it.
  const split = envelope.lastIndexOf('\n\n');
  if (split < 0) invalid('The checkpoint has no signature block');
  const text = envelope.slice(0, split + 1);
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, root] = lines;
  if (!origin || !size || !root || !/^[0-9]{1,20}$/.test(size)) {
    invalid('The checkpoint must start with origin, tree size and root hash lines');
  }
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== 32) invalid('The checkpoint root hash is not 32 bytes of base64');
  const signatures = envelope
    .slice(split + 2)
    .split('\n')
    .filter((line) => line !== '');
  let verified = false;
  for (const line of signatures) {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match) invalid(`Malformed checkpoint signature line ${JSON.stringify(line.slice(0, 80))}`);
    const name = match[1] as string;
    const blob = Buffer.from(match[2] as string, 'base64');
    if (blob.length < 5 || !blob.subarray(0, 4).equals(keyHint(name, key))) continue;
    if (signatureValid(Buffer.from(text, 'utf8'), key, blob.subarray(4))) verified = true;
    else invalid(`The checkpoint signature by ${name} does not verify with the log's key`);
  }
  if (!verified) invalid("The checkpoint carries no signature by the transparency log's key");
  return { origin, treeSize: BigInt(size), rootHash };
}
