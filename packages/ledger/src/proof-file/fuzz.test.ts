import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPalisadeError } from '@palisade/core';
import { fuzzSeconds, mutateBytes, xorshift32 } from '@palisade/testing';
import { inclusionProof } from '../merkle/proof.ts';
import { MemoryHashSource, treeHash } from '../merkle/source.ts';
import { parseCheckpoint, signCheckpoint, verifyCheckpoint } from '../note/checkpoint.ts';
import { cosignatureSigner, cosignatureVerifier } from '../note/cosignature.ts';
import { ed25519PublicFromSeed, ed25519Signer, ed25519Verifier } from '../note/ed25519.ts';
import { parseVerifierKey } from '../note/keys.ts';
import { addSignatures, formatNote, parseNote } from '../note/note.ts';
import { formatProofFile, parseProofFile, verifyProofFile } from './proof-file.ts';

const SEED = 0x7109_f00d;
const origin = 'ledger.example/log';
const seed = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);
const log = ed25519Verifier(origin, ed25519PublicFromSeed(seed(1)));
const witness = cosignatureVerifier('w.example', ed25519PublicFromSeed(seed(2)));

function corpus(): { files: Uint8Array[]; leaves: Uint8Array[] } {
  const tree = new MemoryHashSource();
  for (let i = 0; i < 21; i++) tree.append(new Uint8Array([i]));
  const note = signCheckpoint({ origin, size: 21, rootHash: treeHash(tree), extensions: ['x'] }, [
    ed25519Signer(origin, seed(1)),
  ]);
  const checkpoint = addSignatures(note, [cosignatureSigner('w.example', seed(2), () => 5n)]);
  const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
  const files = [0, 7, 20].map((index) =>
    encode(
      formatProofFile({
        index,
        proof: inclusionProof(tree, index, 21),
        checkpoint,
        extra: new Uint8Array([index]),
      }),
    ),
  );
  return { files: [...files, encode(checkpoint)], leaves: [0, 7, 20].map((i) => tree.leafHash(i)) };
}

/** Only PalisadeErrors may escape a parser; anything it accepts must format back to a parseable equal. */
function expectControlled(run: () => void, input: Uint8Array): void {
  try {
    run();
  } catch (error) {
    if (!isPalisadeError(error)) {
      assert.fail(`non-Palisade error ${String(error)} for ${Buffer.from(input).toString('base64')}`);
    }
  }
}

test(`fuzz: note, checkpoint, vkey and tlog-proof parsers only fail with PalisadeError (seed ${SEED})`, () => {
  const random = xorshift32(SEED);
  const { files, leaves } = corpus();
  const tokens = [0x0a, 0x20, 0x2b, 0x3d, 0x2f, 0xe2, 0x80, 0x94, 0x00, 0x0d, 0x30, 0x39];
  const deadline = Date.now() + fuzzSeconds(1) * 1000;
  let runs = 0;
  let accepted = 0;
  while (Date.now() < deadline || runs < 1) {
    const base = files[Math.floor(random() * files.length)] ?? new Uint8Array();
    const input = mutateBytes(base, random, { tokens, pool: files, maxRounds: 6 });
    runs++;
    expectControlled(() => {
      const file = parseProofFile(input);
      accepted++;
      assert.deepEqual(parseProofFile(formatProofFile(file)), file);
      // A mutated file that still verifies must prove one of the original leaves at its original index.
      for (const leaf of leaves) {
        try {
          verifyProofFile(file, leaf, { log, witnesses: [witness], witnessThreshold: 1 });
        } catch (error) {
          if (!isPalisadeError(error)) throw error;
          continue;
        }
        assert.ok([0, 7, 20].includes(file.index));
      }
    }, input);
    expectControlled(() => {
      const note = parseNote(input);
      assert.deepEqual(parseNote(formatNote(note)), note);
      parseCheckpoint(note.text);
      verifyCheckpoint(input, { log, witnesses: [witness] });
    }, input);
    expectControlled(() => parseVerifierKey(new TextDecoder().decode(input.subarray(0, 120))), input);
  }
  assert.ok(runs > 0);
  assert.ok(accepted >= 0);
});
