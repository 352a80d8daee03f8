import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { leafHash, rootFromInclusionProof } from './merkle.ts';

const MERKLE = resolve(import.meta.dirname, '../../../../../shared/vectors/tlog/merkle');
const SKIP = existsSync(MERKLE) ? false : `tlog vectors not found at ${MERKLE}`;

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string | null;
  leafHash: string | null;
  proof: string[] | null;
  wantErr: boolean;
}

function vectorFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? vectorFiles(join(dir, entry.name))
      : entry.name.endsWith('.json')
        ? [join(dir, entry.name)]
        : [],
  );
}

function verifies(vector: InclusionVector): boolean {
  const proof = (vector.proof ?? []).map((hash) => Buffer.from(hash, 'base64'));
  const computed = rootFromInclusionProof(
    BigInt(vector.leafIdx),
    BigInt(vector.treeSize),
    Buffer.from(vector.leafHash ?? '', 'base64'),
    proof,
  );
  return computed?.equals(Buffer.from(vector.root ?? '', 'base64')) ?? false;
}

test('every transparency-dev inclusion vector: happy paths verify, every mutation is rejected', {
  skip: SKIP,
}, () => {
  const files = vectorFiles(join(MERKLE, 'inclusion'));
  assert.ok(files.length > 90, `only ${files.length} vectors`);
  for (const file of files) {
    const vector = JSON.parse(readFileSync(file, 'utf8')) as InclusionVector;
    assert.equal(verifies(vector), !vector.wantErr, file);
  }
});

test('RFC 6962 reference tree: proofs built from its node hashes lead to the published roots', {
  skip: SKIP,
}, () => {
  const tree = JSON.parse(readFileSync(join(MERKLE, 'rfc6962-reference-tree.json'), 'utf8')) as {
    leaf_inputs_hex: string[];
    node_hashes_by_level_hex: string[][];
    root_hash_for_size_hex: string[];
  };
  const node = (level: number, index: number): Buffer =>
    Buffer.from(tree.node_hashes_by_level_hex[level]?.[index] ?? '', 'hex');
  const root = (size: number): Buffer => Buffer.from(tree.root_hash_for_size_hex[size] ?? '', 'hex');
  const leaves = tree.leaf_inputs_hex.map((hex) => leafHash(Buffer.from(hex, 'hex')));
  assert.deepEqual(leaves[0], node(0, 0), 'leaf hash = SHA-256(0x00 ‖ input)');
  // Size 8, leaf 5: siblings leaf 4, node(1,3), node(2,0).
  assert.deepEqual(rootFromInclusionProof(5n, 8n, node(0, 5), [node(0, 4), node(1, 3), node(2, 0)]), root(8));
  // Size 7, leaf 6 (the lone right edge): siblings node(1,2), node(2,0).
  assert.deepEqual(rootFromInclusionProof(6n, 7n, node(0, 6), [node(1, 2), node(2, 0)]), root(7));
  // A one-leaf tree's root is its leaf; an index or size that does not fit the proof is refused.
  assert.deepEqual(rootFromInclusionProof(0n, 1n, node(0, 0), []), root(1));
  assert.equal(rootFromInclusionProof(1n, 1n, node(0, 0), []), undefined);
  assert.equal(rootFromInclusionProof(0n, 2n, node(0, 0), []), undefined);
  assert.equal(rootFromInclusionProof(6n, 8n, node(0, 6), [node(1, 2), node(2, 0)]), undefined);
});
