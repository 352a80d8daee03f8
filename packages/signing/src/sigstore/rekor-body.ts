import { createHash } from 'node:crypto';
import type { DsseEnvelope } from '../bundle/parse.ts';
import { SigningError } from '../errors.ts';
import { type Certificate, parseCertificate } from '../x509/certificate.ts';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mismatch(message: string): never {
  throw new SigningError(
    'TLOG_ENTRY_MISMATCH',
    `The transparency-log entry does not match the bundle: ${message}`,
  );
}

function base64Bytes(value: unknown): Buffer | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value)
    ? Buffer.from(value, 'base64')
    : undefined;
}

/**
 * Checks that a Rekor v1 `dsse` 0.0.1 entry body logs this bundle: the payload hash is SHA-256 of the DSSE
 * payload, and the logged signature and verifier are the bundle's signature and signing certificate. (The
 * envelope hash is over a JSON serialization the bundle does not fix, so, as in sigstore-js, it is not compared.)
 */
export function checkDsseBody(body: Buffer, envelope: DsseEnvelope, leaf: Certificate): void {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    mismatch('its body is not JSON');
  }
  if (!isObject(json) || json.kind !== 'dsse' || json.apiVersion !== '0.0.1' || !isObject(json.spec)) {
    mismatch('its body is not a dsse 0.0.1 entry');
  }
  const payloadHash = json.spec.payloadHash;
  const expected = createHash('sha256').update(envelope.payload).digest('hex');
  if (!isObject(payloadHash) || payloadHash.algorithm !== 'sha256' || payloadHash.value !== expected) {
    mismatch(`the logged payload hash is not sha256:${expected}, the DSSE payload's`);
  }
  const logged = json.spec.signatures;
  if (!Array.isArray(logged) || logged.length !== envelope.signatures.length) {
    mismatch('it logs a different number of signatures');
  }
  envelope.signatures.forEach((signature, index) => {
    const entry = logged[index];
    const sig = isObject(entry) ? base64Bytes(entry.signature) : undefined;
    if (!sig?.equals(signature.sig)) mismatch('the logged signature is not the DSSE signature');
    const verifier = isObject(entry) ? base64Bytes(entry.verifier) : undefined;
    let der: Buffer | undefined;
    try {
      der = verifier ? parseCertificate(verifier.toString('utf8')).der : undefined;
    } catch {
      der = undefined;
    }
    if (!der?.equals(leaf.der)) mismatch('the logged verifier is not the signing certificate');
  });
}
