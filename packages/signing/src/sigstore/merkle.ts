import { createHash } from 'node:crypto';

/** Proofs longer than this cannot belong to a tree of at most 2^64 leaves. */
const MAX_PROOF_HASHES = 64;

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ leaf). */
export function leafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(0)).update(leaf).digest();
}

function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

/**
 * The root an RFC 9162 §2.1.3.2 inclusion proof leads to, or undefined when the proof's shape does not fit
 * the index and tree size. BigInt because Rekor indices pass 2^31.
 */
export function rootFromInclusionProof(
  index: bigint,
  treeSize: bigint,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Buffer | undefined {
  if (index < 0n || index >= treeSize || proof.length > MAX_PROOF_HASHES) return undefined;
  if (leaf.length !== 32 || proof.some((hash) => hash.length !== 32)) return undefined;
  let fn = index;
  let sn = treeSize - 1n;
  let root: Buffer = Buffer.from(leaf);
  for (const sibling of proof) {
    if (sn === 0n) return undefined;
    if ((fn & 1n) === 1n || fn === sn) {
      root = nodeHash(sibling, root);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else root = nodeHash(root, sibling);
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? root : undefined;
}
