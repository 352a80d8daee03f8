import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { signModel } from './sign.ts';

/**
 * Interop: a P-256 key bundle written by Palisade is accepted by sigstore-js (`@sigstore/verify`, a dev dependency
 * used only here), offline, through its low-level API as spec §13 describes: an empty trusted root, a key finder
 * for the bundle's hint, and no transparency-log, CT-log or timestamp requirement (a key bundle has none).
 */
const work = mkdtempSync(join(tmpdir(), 'palisade-oms-sigstore-'));
after(() => rmSync(work, { recursive: true, force: true }));

const EMPTY_TRUSTED_ROOT = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
} as unknown as Parameters<typeof toTrustMaterial>[0];

function sigstoreVerify(bundleText: string, hint: string, publicKey: KeyObject): void {
  const bundle = bundleFromJSON(JSON.parse(bundleText));
  const trust = toTrustMaterial(EMPTY_TRUSTED_ROOT, (wanted) => {
    if (wanted !== hint) throw new Error(`unknown key hint ${wanted}`);
    return { publicKey, validFor: () => true };
  });
  const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  verifier.verify(toSignedEntity(bundle), {});
}

function model(): string {
  const root = join(work, 'model');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'weights.bin'), 'weights');
  writeFileSync(join(root, 'sub', 'config.json'), '{}');
  return root;
}

test('@sigstore/verify accepts a P-256 key bundle signed by Palisade and rejects it once edited', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { bundle } = await signModel(model(), { privateKey });
  const hint = JSON.parse(bundle).verificationMaterial.publicKey.hint as string;
  sigstoreVerify(bundle, hint, publicKey);

  const edited = JSON.parse(bundle);
  const statement = Buffer.from(edited.dsseEnvelope.payload, 'base64').toString('utf8');
  edited.dsseEnvelope.payload = Buffer.from(statement.replace('weights.bin', 'weights.bim')).toString(
    'base64',
  );
  assert.throws(() => sigstoreVerify(JSON.stringify(edited), hint, publicKey), /signature/i);
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  assert.throws(() => sigstoreVerify(bundle, hint, other), /signature/i);
});
