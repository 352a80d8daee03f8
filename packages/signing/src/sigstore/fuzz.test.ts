import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { isPalisadeError } from '@palisade/core';
import { fuzzSeconds, mutateBytes, xorshift32 } from '@palisade/testing';
import { parseBundle } from '../bundle/parse.ts';
import { verifyKeylessSignature } from '../bundle/verify-keyless.ts';
import { isSigningError } from '../errors.ts';
import { parseCertificate } from '../x509/certificate.ts';
import { verifyCheckpoint } from './checkpoint.ts';
import { verifyTimestamp } from './rfc3161.ts';
import { verifyEmbeddedScts } from './sct.ts';
import { parseTrustedRoot } from './trusted-root.ts';

/**
 * Mutation fuzzing of the certificate reader, the checkpoint parser, the trusted-root parser and the whole
 * keyless check: each input is accepted or rejected with a SigningError / PalisadeError, never another
 * exception. The seed is fixed so that a failure replays; FUZZ_SECONDS runs longer.
 */
const SECONDS = fuzzSeconds(0.5);
const VECTORS = resolve(import.meta.dirname, '../../../../../shared/vectors');
const SKIP = existsSync(join(VECTORS, 'oms')) ? false : `vectors not found at ${VECTORS}`;
const TOKENS = [...'{}[]",:0-9\n— +/='].map((c) => c.charCodeAt(0));

function keylessBundles(): Buffer[] {
  const models = join(VECTORS, 'oms/signed-models');
  return readdirSync(models)
    .filter((dir) => dir.endsWith('-sigstore'))
    .map((dir) => readFileSync(join(models, dir, 'model.sig')));
}

function fuzz(name: string, seed: number, pool: Uint8Array[], run: (input: Uint8Array) => void): void {
  const random = xorshift32(seed);
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  while (Date.now() < deadline || runs < 100) {
    const input = mutateBytes(pool[Math.floor(random() * pool.length)] as Uint8Array, random, {
      tokens: TOKENS,
      pool,
    });
    try {
      run(input);
    } catch (error) {
      assert.ok(
        isPalisadeError(error),
        `${name} threw ${String(error)} for ${Buffer.from(input).toString('base64')}`,
      );
    }
    runs++;
  }
}

test(`certificate DER reader and SCT parser survive mutated certificates for ${SECONDS}s`, {
  skip: SKIP,
}, () => {
  const pool = keylessBundles().map((bytes) => {
    const material = parseBundle(bytes).verificationMaterial;
    return material.kind === 'certificate' ? material.certificate : new Uint8Array();
  });
  const ctlogs = parseTrustedRoot(
    readFileSync(join(VECTORS, 'tlog/sigstore/trusted_root.public-good.json')),
  ).ctlogs;
  fuzz('parseCertificate', 0xc3e7, pool, (input) => {
    let certificate: ReturnType<typeof parseCertificate>;
    try {
      certificate = parseCertificate(input);
    } catch (error) {
      assert.ok(isSigningError(error) && error.reason === 'CERTIFICATE_INVALID', String(error));
      return;
    }
    try {
      verifyEmbeddedScts(certificate, certificate, ctlogs);
    } catch (error) {
      assert.ok(isSigningError(error), String(error));
    }
  });
});

test(`checkpoint, trusted-root, timestamp and keyless verification survive mutations for ${SECONDS}s`, {
  skip: SKIP,
}, () => {
  const rootText = readFileSync(join(VECTORS, 'tlog/sigstore/trusted_root.public-good.json'));
  const trustedRoot = parseTrustedRoot(rootText);
  const bundles = keylessBundles();
  const notes = bundles.map((bytes) => {
    const entry = parseBundle(bytes).tlogEntries[0] as {
      inclusionProof: { checkpoint: { envelope: string } };
    };
    return Buffer.from(entry.inclusionProof.checkpoint.envelope);
  });
  const logKey = trustedRoot.tlogs[0]?.key;
  assert.ok(logKey);
  fuzz('verifyCheckpoint', 0x7a11, notes, (input) =>
    verifyCheckpoint(Buffer.from(input).toString('utf8'), logKey),
  );
  fuzz('parseTrustedRoot', 0x2007, [rootText], (input) => parseTrustedRoot(input));
  const tokens = bundles.flatMap((bytes) => parseBundle(bytes).rfc3161Timestamps ?? []);
  assert.ok(tokens.length > 0);
  fuzz('verifyTimestamp', 0x3161, tokens, (input) => {
    verifyTimestamp(input, new Uint8Array(8), trustedRoot.timestampAuthorities);
  });
  fuzz('verifyKeylessSignature', 0x5eed, bundles, (input) => {
    verifyKeylessSignature(parseBundle(input, { anyMediaType: true }), {
      trustedRoot,
      identity: 'stefanb@us.ibm.com',
      issuer: 'https://sigstore.verify.ibm.com/oauth2',
    });
  });
});
