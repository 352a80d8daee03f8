import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { isSigningError } from '../errors.ts';
import { verifyCheckpoint } from './checkpoint.ts';
import { leafHash, rootFromInclusionProof } from './merkle.ts';
import { parseTrustedRoot } from './trusted-root.ts';

const SIGSTORE = resolve(import.meta.dirname, '../../../../../shared/vectors/tlog/sigstore');
const SKIP = existsSync(SIGSTORE) ? false : `Sigstore vectors not found at ${SIGSTORE}`;

interface V2Entry {
  name: string;
  logIdKeyId: string;
  logIndex: string;
  treeSize: string;
  rootHash: string;
  hashes: string[];
  checkpoint: string;
  canonicalizedBody: string;
}

test('Rekor v2 (Ed25519) checkpoints verify with the trusted root key, and their proofs reach the signed root', {
  skip: SKIP,
}, () => {
  const root = parseTrustedRoot(readFileSync(join(SIGSTORE, 'trusted_root.public-good.json')));
  const entries = JSON.parse(readFileSync(join(SIGSTORE, 'rekor-v2-entries.json'), 'utf8')) as V2Entry[];
  for (const entry of entries) {
    const log = root.tlogs.find((t) => t.logId.equals(Buffer.from(entry.logIdKeyId, 'base64')));
    assert.ok(log, entry.name);
    assert.equal(log.key.asymmetricKeyType, 'ed25519');
    const checkpoint = verifyCheckpoint(entry.checkpoint, log.key);
    assert.equal(checkpoint.origin, 'log2025-1.rekor.sigstore.dev');
    assert.equal(checkpoint.treeSize, BigInt(entry.treeSize));
    assert.equal(checkpoint.rootHash.toString('base64'), entry.rootHash);
    const computed = rootFromInclusionProof(
      BigInt(entry.logIndex),
      BigInt(entry.treeSize),
      leafHash(Buffer.from(entry.canonicalizedBody, 'base64')),
      entry.hashes.map((h) => Buffer.from(h, 'base64')),
    );
    assert.ok(computed?.equals(checkpoint.rootHash), entry.name);
  }
});

test('a checkpoint signed by another key, or with no signature block, is CHECKPOINT_INVALID', {
  skip: SKIP,
}, () => {
  const entries = JSON.parse(readFileSync(join(SIGSTORE, 'rekor-v2-entries.json'), 'utf8')) as V2Entry[];
  const note = entries[0]?.checkpoint ?? '';
  const other = generateKeyPairSync('ed25519').publicKey;
  const invalid = (run: () => unknown, message: RegExp): void => {
    assert.throws(
      run,
      (e) => isSigningError(e) && e.reason === 'CHECKPOINT_INVALID' && message.test(e.message),
    );
  };
  invalid(() => verifyCheckpoint(note, other), /no signature by the transparency log's key/);
  invalid(() => verifyCheckpoint(note.slice(0, note.indexOf('\n\n')), other), /no signature block/);
  invalid(() => verifyCheckpoint(`x\nnot-a-size\nAAAA\n\n— x AAAA\n`, other), /origin, tree size and root/);
});
