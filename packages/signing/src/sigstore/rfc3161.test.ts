import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parseBundle } from '../bundle/parse.ts';
import { isSigningError } from '../errors.ts';
import { verifyTimestamp } from './rfc3161.ts';
import { parseTrustedRoot } from './trusted-root.ts';

const VECTORS = resolve(import.meta.dirname, '../../../../../shared/vectors');
const SKIP = existsSync(join(VECTORS, 'oms')) ? false : `vectors not found at ${VECTORS}`;

function material() {
  const bundle = parseBundle(readFileSync(join(VECTORS, 'oms/signed-models/v1.1.0-sigstore/model.sig')));
  const token = bundle.rfc3161Timestamps?.[0];
  assert.ok(token, 'the v1.1.0 keyless bundle carries an RFC 3161 timestamp');
  const signature = bundle.dsseEnvelope.signatures[0]?.sig ?? new Uint8Array();
  const root = parseTrustedRoot(readFileSync(join(VECTORS, 'tlog/sigstore/trusted_root.public-good.json')));
  return { token: Buffer.from(token), signature, authorities: root.timestampAuthorities };
}

test('the v1.1.0 keyless timestamp verifies against the public-good TSA and attests its genTime', {
  skip: SKIP,
}, () => {
  const { token, signature, authorities } = material();
  const stamp = verifyTimestamp(token, signature, authorities);
  assert.equal(stamp?.time.toISOString(), '2025-10-10T02:12:20.000Z');
  assert.equal(stamp?.authority, 'https://timestamp.sigstore.dev/api/v1/timestamp');
});

test('a timestamp over other data, or with a tampered TSTInfo, is TIMESTAMP_INVALID', { skip: SKIP }, () => {
  const { token, signature, authorities } = material();
  const other = Buffer.from(signature);
  other[5] = (other[5] ?? 0) ^ 1;
  assert.throws(
    () => verifyTimestamp(token, other, authorities),
    (e) => isSigningError(e) && e.reason === 'TIMESTAMP_INVALID' && /other data/.test(e.message),
  );
  // Flip one byte of the genTime inside the TSTInfo: the CMS message digest no longer matches.
  const at = token.indexOf(Buffer.from('20251010021220Z'));
  assert.ok(at > 0);
  const edited = Buffer.from(token);
  edited[at + 13] = 0x31;
  assert.throws(
    () => verifyTimestamp(edited, signature, authorities),
    (e) => isSigningError(e) && e.reason === 'TIMESTAMP_INVALID' && /message digest/.test(e.message),
  );
  assert.throws(
    () => verifyTimestamp(token.subarray(0, 100), signature, authorities),
    (e) => isSigningError(e) && e.reason === 'TIMESTAMP_INVALID',
  );
});

test('a timestamp no trusted authority signed attests nothing (undefined), as sigstore-python treats it', {
  skip: SKIP,
}, () => {
  const { token, signature } = material();
  const custom = parseTrustedRoot(readFileSync(join(VECTORS, 'oms/trust/custom_trust_config.json')));
  assert.equal(verifyTimestamp(token, signature, custom.timestampAuthorities), undefined);
  assert.equal(verifyTimestamp(token, signature, []), undefined);
});
