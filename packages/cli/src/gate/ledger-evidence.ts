import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { PalisadeError } from '@palisade/core';
import {
  canonicalJson,
  type DsseVerifier,
  dsseSigner,
  dsseVerifier,
  findProvenance,
  policyDecisionStatement,
  signerKeyObject,
  signStatement,
} from '@palisade/ledger';
import type { Decision, Facts, ProvenanceFacts, Unknown } from '@palisade/policy';
import { unknown } from '@palisade/policy';
import { readInput } from '../commands/signing-common.ts';
import { type LedgerPaths, openLedger, signAndKeepCheckpoint } from '../ledger/ledger-files.ts';

async function publicKeys(paths: readonly string[]): Promise<DsseVerifier[]> {
  const keys: DsseVerifier[] = [];
  for (const path of paths) {
    const pem = await readInput(path, 'public key');
    try {
      keys.push(dsseVerifier(createPublicKey(pem)));
    } catch (error) {
      throw new PalisadeError(
        'INPUT_INVALID',
        `${path} is not a usable public key: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  return keys;
}

/**
 * What the ledger (initialised by palisade ledger init) knows about the artifact's provenance. Statements
 * signed by the ledger's log key (palisade attest's default) are verified when that key is readable; `keyPaths`
 * are further PEM public keys trusted to sign provenance.
 */
export async function provenanceFacts(
  digest: string,
  ledger: LedgerPaths | undefined,
  keyPaths: readonly string[],
): Promise<ProvenanceFacts | Unknown> {
  if (ledger === undefined) return unknown('no ledger given (--ledger)');
  if (digest === 'unknown') return unknown('the artifact digest is unknown');
  const keys = await publicKeys(keyPaths);
  const open = openLedger(ledger, false);
  try {
    const found = findProvenance(open.log, digest, { keys: open.dsse ? [open.dsse, ...keys] : keys });
    return {
      status: found.present ? 'present' : 'absent',
      verified: found.verified,
      entries: Object.values(found.entries).reduce((a, b) => a + b, 0),
      ...(found.baseModel !== undefined ? { baseModel: found.baseModel } : {}),
    };
  } finally {
    open.close();
  }
}

async function privateKey(path: string): Promise<KeyObject> {
  const pem = await readInput(path, 'ledger signing key');
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `${path} is not a usable private key: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Appends the decision to the ledger as a DSSE-signed in-toto policy-decision statement (subject: the artifact;
 * input: the digest of the facts it was taken on), signed with `signingKeyPath` or else the ledger's log key,
 * and signs a new checkpoint, as palisade attest does. Returns the entry's log index.
 */
export async function recordDecision(
  ledger: LedgerPaths,
  signingKeyPath: string | undefined,
  decision: Decision,
  facts: Facts,
): Promise<number> {
  const given = signingKeyPath === undefined ? undefined : await privateKey(signingKeyPath);
  const factsDigest = createHash('sha256').update(canonicalJson(facts)).digest('hex');
  const statement = policyDecisionStatement(
    { name: decision.artifact.name, digest: { sha256: decision.artifact.digest.replace(/^sha256:/, '') } },
    {
      decision: decision.allowed ? 'allow' : 'deny',
      policy: { name: decision.packs.map((p) => `${p.id}@${p.version}`).join(',') },
      rules: decision.results.map((r) => ({
        id: r.rule,
        effect: r.mode,
        passed: r.effect === 'none' || r.effect === 'waived',
        message:
          `${r.outcome}${r.effect === 'waived' ? ' (waived)' : ''}${r.reasons.length ? `: ${r.reasons.join('; ')}` : ''}`.slice(
            0,
            1024,
          ),
      })),
      decidedOn: decision.evaluatedAt,
      inputs: [{ name: 'facts', digest: { sha256: factsDigest } }],
    },
  );
  const open = openLedger(ledger, true);
  try {
    const key = given ?? signerKeyObject(open.skey as string);
    const index = open.log.append([signStatement(statement, dsseSigner(key))]);
    signAndKeepCheckpoint(open);
    return index;
  } finally {
    open.close();
  }
}
