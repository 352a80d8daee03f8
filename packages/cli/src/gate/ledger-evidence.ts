import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { PalisadeError } from '@palisade/core';
import {
  canonicalJson,
  dsseSigner,
  dsseVerifier,
  findProvenance,
  policyDecisionStatement,
  SqliteLogStore,
  signStatement,
  TransparencyLog,
} from '@palisade/ledger';
import type { Decision, Facts, ProvenanceFacts, Unknown } from '@palisade/policy';
import { unknown } from '@palisade/policy';
import { readInput } from '../commands/signing-common.ts';

/** Origin used when the gate opens a ledger database: lookups and appends do not depend on it. */
const LEDGER_ORIGIN = 'palisade/ledger';

function openLedger(path: string, mustExist: boolean): { log: TransparencyLog; close: () => void } {
  if (mustExist && !existsSync(path))
    throw new PalisadeError('INPUT_NOT_FOUND', `No ledger database ${path}`);
  const store = new SqliteLogStore(path);
  return { log: new TransparencyLog(store, LEDGER_ORIGIN), close: () => store.close() };
}

/**
 * What the ledger knows about the artifact's provenance. `keyPaths` are the PEM public keys trusted to sign
 * provenance statements; without one the statement is found but not verified.
 */
export async function provenanceFacts(
  digest: string,
  ledgerPath: string | undefined,
  keyPaths: readonly string[],
): Promise<ProvenanceFacts | Unknown> {
  if (ledgerPath === undefined) return unknown('no ledger given (--ledger)');
  if (digest === 'unknown') return unknown('the artifact digest is unknown');
  const keys = [];
  for (const path of keyPaths) {
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
  const { log, close } = openLedger(ledgerPath, true);
  try {
    const found = findProvenance(log, digest, { keys });
    const entries = Object.values(found.entries).reduce((a, b) => a + b, 0);
    return {
      status: found.present ? 'present' : 'absent',
      verified: found.verified,
      entries,
      ...(found.baseModel !== undefined ? { baseModel: found.baseModel } : {}),
    };
  } finally {
    close();
  }
}

/**
 * Appends the decision to the ledger as a DSSE-signed in-toto policy-decision statement whose subject is the
 * artifact and whose input is the digest of the facts it was taken on. Returns the entry's log index.
 */
export async function recordDecision(
  ledgerPath: string,
  signingKeyPath: string,
  decision: Decision,
  facts: Facts,
): Promise<number> {
  const pem = await readInput(signingKeyPath, 'ledger signing key');
  let signer: ReturnType<typeof dsseSigner>;
  try {
    signer = dsseSigner(createPrivateKey(pem));
  } catch (error) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `${signingKeyPath} is not a usable private key: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
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
  const { log, close } = openLedger(ledgerPath, false);
  try {
    return log.append([signStatement(statement, signer)]);
  } finally {
    close();
  }
}
