import { createHash } from 'node:crypto';
import { PalisadeError } from '@palisade/core';
import { encodeBase64 } from '../bytes.ts';
import { MAX_ENTRY_BYTES } from '../log/log.ts';
import {
  type DsseEnvelope,
  type DsseSigner,
  envelopeJson,
  IN_TOTO_PAYLOAD_TYPE,
  readEnvelope,
  signEnvelope,
} from './dsse.ts';
import { canonicalJson, parseJson } from './json.ts';
import {
  BOM_TYPE,
  DATASET_MANIFEST_TYPE,
  OMS_SIGNATURE_TYPE,
  POLICY_DECISION_TYPE,
  readBomReference,
  readDatasetManifest,
  readOmsSignature,
  readPolicyDecision,
  readScanResult,
  readSignatureReference,
  SCAN_RESULT_TYPE,
  SIGNATURE_REFERENCE_TYPE,
  signatureReferenceStatement,
} from './predicates.ts';
import { dependencyRole, readSlsaProvenance, SLSA_PROVENANCE_TYPE } from './slsa.ts';
import { digestNames, readStatement, type Statement, statementJson } from './statement.ts';

/** What an entry records, from its predicate type. */
export type EntryKind =
  | 'model-signature'
  | 'provenance'
  | 'dataset-manifest'
  | 'scan-result'
  | 'bom'
  | 'policy-decision'
  | 'other';

const KINDS: Readonly<Record<string, { kind: EntryKind; read: (statement: Statement) => unknown }>> = {
  [OMS_SIGNATURE_TYPE]: { kind: 'model-signature', read: readOmsSignature },
  [SIGNATURE_REFERENCE_TYPE]: { kind: 'model-signature', read: readSignatureReference },
  [SLSA_PROVENANCE_TYPE]: { kind: 'provenance', read: (s) => readSlsaProvenance(s.predicate) },
  [DATASET_MANIFEST_TYPE]: { kind: 'dataset-manifest', read: readDatasetManifest },
  [SCAN_RESULT_TYPE]: { kind: 'scan-result', read: readScanResult },
  [BOM_TYPE]: { kind: 'bom', read: readBomReference },
  [POLICY_DECISION_TYPE]: { kind: 'policy-decision', read: readPolicyDecision },
};

/** An input of a training run, as the index and lineage see it. */
export interface EntryDependency {
  /** `sha256:<hex>`, `gitCommit:<hex>`, … */
  readonly digest: string;
  readonly role: 'dataset' | 'base-model' | 'code' | 'dependency';
  readonly name?: string;
  readonly uri?: string;
  /** `annotations.name`: what Palisade calls a base model it only knows by digest. */
  readonly label?: string;
}

/** A decoded ledger entry: a DSSE-signed in-toto statement. */
export interface LedgerEntry {
  readonly kind: EntryKind;
  /** `sha256:<hex>` of the entry bytes: the entry's content address. */
  readonly digest: string;
  readonly envelope: DsseEnvelope;
  readonly statement: Statement;
  /** Every digest of every subject, as `<alg>:<hex>`. */
  readonly subjects: readonly string[];
  /** For provenance: the resolved dependencies with their role. */
  readonly dependencies: readonly EntryDependency[];
}

/** The entry bytes of a signed envelope: its RFC 8785 canonical JSON. */
export function encodeEntry(envelope: DsseEnvelope): Uint8Array {
  const bytes = new TextEncoder().encode(canonicalJson(envelopeJson(envelope)));
  if (bytes.length > MAX_ENTRY_BYTES) {
    throw new PalisadeError(
      'LIMIT_EXCEEDED',
      `the signed statement is ${bytes.length} bytes; a ledger entry holds at most ${MAX_ENTRY_BYTES} (log large evidence by digest)`,
    );
  }
  return bytes;
}

/** Signs an in-toto statement (canonical JSON payload) as a DSSE envelope and returns the entry bytes. */
export function signStatement(statement: Statement, signer: DsseSigner): Uint8Array {
  const payload = new TextEncoder().encode(canonicalJson(statementJson(statement)));
  return encodeEntry(signEnvelope(IN_TOTO_PAYLOAD_TYPE, payload, signer));
}

/** Largest statement a signature reference is made from. */
const MAX_REFERENCED_STATEMENT = 16 << 20;

/**
 * The entry for a signed envelope too large to log whole (over 64 KiB): a `signature-reference` statement about the
 * same subject, carrying the digests of the payload and envelope and the original signatures, signed by `signer`.
 * Check the envelope's signature before: the ledger vouches for what it logs by reference.
 */
export function signatureReferenceEntry(envelope: DsseEnvelope, signer: DsseSigner): Uint8Array {
  const statement = readStatement(
    parseJson(utf8(envelope.payload, 'statement'), 'statement', MAX_REFERENCED_STATEMENT),
  );
  const [subject, ...others] = statement.subject;
  if (subject === undefined || others.length > 0 || subject.digest.sha256 === undefined)
    throw new PalisadeError(
      'INPUT_INVALID',
      'a statement logged by reference needs one subject with a sha256 digest',
    );
  const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
  const resources = statement.predicate.resources;
  return signStatement(
    signatureReferenceStatement(
      {
        ...(subject.name !== undefined ? { name: subject.name } : {}),
        digest: { sha256: subject.digest.sha256 },
      },
      {
        predicateType: statement.predicateType,
        payloadType: envelope.payloadType,
        payloadSha256: sha256(envelope.payload),
        envelopeSha256: sha256(new TextEncoder().encode(canonicalJson(envelopeJson(envelope)))),
        signatures: envelope.signatures.map((s) => ({ keyid: s.keyid, sig: encodeBase64(s.sig) })),
        resources: Array.isArray(resources) ? resources.length : 0,
      },
    ),
    signer,
  );
}

export function entryDigest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Decodes and checks entry bytes: a DSSE envelope carrying an in-toto Statement v1 whose predicate is well formed
 * for its type. Does not check signatures (see `verifiedSigners`). Throws INPUT_INVALID / LIMIT_EXCEEDED.
 */
export function decodeEntry(bytes: Uint8Array): LedgerEntry {
  if (bytes.length > MAX_ENTRY_BYTES)
    throw new PalisadeError('LIMIT_EXCEEDED', `a ledger entry is at most ${MAX_ENTRY_BYTES} bytes`);
  const text = utf8(bytes, 'ledger entry');
  const envelope = readEnvelope(parseJson(text, 'ledger entry', MAX_ENTRY_BYTES));
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    throw new PalisadeError('INPUT_INVALID', `entry payloadType must be ${IN_TOTO_PAYLOAD_TYPE}`);
  const statement = readStatement(
    parseJson(utf8(envelope.payload, 'statement'), 'statement', MAX_ENTRY_BYTES),
  );
  const known = KINDS[statement.predicateType];
  if (known !== undefined) known.read(statement);
  const kind = known?.kind ?? 'other';
  const dependencies: EntryDependency[] = [];
  if (kind === 'provenance') {
    for (const descriptor of readSlsaProvenance(statement.predicate).resolvedDependencies) {
      for (const digest of digestNames(descriptor)) {
        dependencies.push({
          digest,
          role: dependencyRole(descriptor),
          ...(descriptor.name !== undefined ? { name: descriptor.name } : {}),
          ...(descriptor.uri !== undefined ? { uri: descriptor.uri } : {}),
          ...(typeof descriptor.annotations?.name === 'string' ? { label: descriptor.annotations.name } : {}),
        });
      }
    }
  }
  return {
    kind,
    digest: entryDigest(bytes),
    envelope,
    statement,
    subjects: statement.subject.flatMap(digestNames),
    dependencies,
  };
}

function utf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new PalisadeError('INPUT_INVALID', `${what} is not valid UTF-8`, { cause });
  }
}
