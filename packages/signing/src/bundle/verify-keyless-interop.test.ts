import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { isSigningError } from '../errors.ts';
import { parseTrustedRoot } from '../sigstore/trusted-root.ts';
import { parseBundle } from './parse.ts';
import { verifyKeylessSignature } from './verify-keyless.ts';

/**
 * Differential test: Palisade's own keyless verifier and sigstore-js (`@sigstore/verify`, a dev dependency used
 * only in tests) must reach the same verdict on every keyless vector and on each tampering of it, offline, with
 * the same trusted root and identity policy.
 */
const VECTORS = resolve(import.meta.dirname, '../../../../../shared/vectors');
const SKIP = existsSync(join(VECTORS, 'oms')) ? false : `vectors not found at ${VECTORS}`;
const IDENTITY = 'stefanb@us.ibm.com';
const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';

interface Json {
  dsseEnvelope: { payload: string; signatures: { sig: string }[] };
  verificationMaterial: {
    tlogEntries: {
      integratedTime: string;
      inclusionPromise: { signedEntryTimestamp: string };
      inclusionProof: { hashes: string[]; checkpoint: { envelope: string } };
    }[];
  };
}

function flip(base64: string, at: number): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[at] = (bytes[at] ?? 0) ^ 1;
  return bytes.toString('base64');
}

const TAMPERINGS: readonly [string, (bundle: Json) => void][] = [
  ['untouched', () => {}],
  [
    'payload edited',
    (b) => {
      const text = Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8');
      b.dsseEnvelope.payload = Buffer.from(text.replace('signme-1', 'signme-9')).toString('base64');
    },
  ],
  [
    'signature edited',
    (b) => {
      b.dsseEnvelope.signatures[0] = { sig: flip(b.dsseEnvelope.signatures[0]?.sig ?? '', 12) };
    },
  ],
  [
    'signed entry timestamp edited',
    (b) => {
      const entry = b.verificationMaterial
        .tlogEntries[0] as Json['verificationMaterial']['tlogEntries'][number];
      entry.inclusionPromise.signedEntryTimestamp = flip(entry.inclusionPromise.signedEntryTimestamp, 20);
    },
  ],
  [
    'inclusion proof hash edited',
    (b) => {
      const proof = b.verificationMaterial.tlogEntries[0]?.inclusionProof as { hashes: string[] };
      proof.hashes[1] = flip(proof.hashes[1] ?? '', 3);
    },
  ],
  [
    'checkpoint signature edited',
    (b) => {
      const checkpoint = b.verificationMaterial.tlogEntries[0]?.inclusionProof.checkpoint as {
        envelope: string;
      };
      checkpoint.envelope = checkpoint.envelope.replace(
        /wNI9a(\S+)\n$/,
        (_m: string, s: string) => `wNI9a${flip(s, 30)}\n`,
      );
    },
  ],
  [
    'integrated time moved',
    (b) => {
      const entry = b.verificationMaterial
        .tlogEntries[0] as Json['verificationMaterial']['tlogEntries'][number];
      entry.integratedTime = String(Number(entry.integratedTime) + 60);
    },
  ],
];

function palisade(bundle: Json, identity: string, rootText: string): boolean {
  try {
    verifyKeylessSignature(parseBundle(JSON.stringify(bundle), { anyMediaType: true }), {
      trustedRoot: parseTrustedRoot(rootText),
      identity,
      issuer: ISSUER,
    });
    return true;
  } catch (error) {
    assert.ok(isSigningError(error), String(error));
    return false;
  }
}

function sigstoreJs(bundle: Json, identity: string, rootText: string): boolean {
  try {
    const trust = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(rootText)));
    new Verifier(trust).verify(toSignedEntity(bundleFromJSON(bundle as unknown)), {
      subjectAlternativeName: identity,
      extensions: { issuer: ISSUER },
    });
    return true;
  } catch {
    return false;
  }
}

test('Palisade and sigstore-js agree on every keyless vector and each tampering of it', {
  skip: SKIP,
}, () => {
  const rootText = readFileSync(join(VECTORS, 'tlog/sigstore/trusted_root.public-good.json'), 'utf8');
  let accepted = 0;
  for (const version of ['v1.1.0', 'v1.0.1', 'v1.0.0', 'v0.3.1']) {
    const original: Json = JSON.parse(
      readFileSync(join(VECTORS, `oms/signed-models/${version}-sigstore/model.sig`), 'utf8'),
    );
    for (const [name, edit] of TAMPERINGS) {
      for (const identity of [IDENTITY, 'eve@example.com']) {
        const bundle = structuredClone(original);
        edit(bundle);
        const ours = palisade(bundle, identity, rootText);
        const theirs = sigstoreJs(bundle, identity, rootText);
        assert.equal(
          ours,
          theirs,
          `${version}, ${name}, ${identity}: Palisade ${ours}, sigstore-js ${theirs}`,
        );
        if (ours) accepted++;
      }
    }
  }
  // Exactly the four untouched vectors with the right identity pass.
  assert.equal(accepted, 4);
});
