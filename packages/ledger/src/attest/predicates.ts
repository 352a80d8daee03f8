import { createHash } from 'node:crypto';
import { PalisadeError, SEVERITIES, type Severity } from '@palisade/core';
import {
  asArray,
  asObject,
  asString,
  asTimestamp,
  type Json,
  type JsonObject,
  onlyKeys,
  optionalString,
} from './json.ts';
import { type ResourceDescriptor, readDescriptor, readDescriptors, type Statement } from './statement.ts';

/** OpenSSF Model Signing (OMS) v1.0 predicate: what `palisade sign` and model_signing sign. */
export const OMS_SIGNATURE_TYPE = 'https://model_signing/signature/v1.0';
export const DATASET_MANIFEST_TYPE = 'https://palisade.dev/attestation/dataset-manifest/v1';
export const SCAN_RESULT_TYPE = 'https://palisade.dev/attestation/scan-result/v1';
export const BOM_TYPE = 'https://palisade.dev/attestation/bom/v1';
export const POLICY_DECISION_TYPE = 'https://palisade.dev/attestation/policy-decision/v1';
export const SIGNATURE_REFERENCE_TYPE = 'https://palisade.dev/attestation/signature-reference/v1';

const MAX_RESOURCES = 2000;

function count(value: Json | undefined, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new PalisadeError('INPUT_INVALID', `${path} must be a non-negative integer`);
  return value;
}

function sha256Hex(value: Json | undefined, path: string): string {
  const text = asString(value, path, 64);
  if (!/^[0-9a-f]{64}$/.test(text))
    throw new PalisadeError('INPUT_INVALID', `${path} must be 64 lowercase hex digits`);
  return text;
}

function single(statement: Statement, what: string): ResourceDescriptor {
  const [subject, ...rest] = statement.subject;
  if (subject === undefined || rest.length > 0 || subject.digest.sha256 === undefined)
    throw new PalisadeError(
      'INPUT_INVALID',
      `a ${what} statement has exactly one subject with a sha256 digest`,
    );
  return subject;
}

// --- OMS model signature ----------------------------------------------------------------------------------------

export interface OmsSignature {
  readonly method: string;
  readonly hashType: string;
  readonly resources: readonly {
    readonly name: string;
    readonly algorithm: string;
    readonly digest: string;
  }[];
}

/**
 * Reads the OMS predicate (unknown fields ignored, as OMS requires) and checks that the subject's digest is the root
 * digest over the listed resources, so an entry cannot claim a model it does not describe.
 */
export function readOmsSignature(statement: Statement): OmsSignature {
  const subject = single(statement, 'model signature');
  const serialization = asObject(statement.predicate.serialization, 'OMS serialization');
  const method = asString(serialization.method, 'OMS serialization.method', 32);
  const hashType = asString(serialization.hash_type, 'OMS serialization.hash_type', 32);
  const root = createHash('sha256');
  const resources = asArray(statement.predicate.resources, 'OMS resources', MAX_RESOURCES).map((item, i) => {
    const resource = asObject(item, `OMS resources[${i}]`);
    const digest = asString(resource.digest, `OMS resources[${i}].digest`, 256);
    if (!/^(?:[0-9a-f]{2})+$/.test(digest))
      throw new PalisadeError('INPUT_INVALID', `OMS resources[${i}].digest must be lowercase hex`);
    root.update(Buffer.from(digest, 'hex'));
    return {
      name: asString(resource.name, `OMS resources[${i}].name`, 4096),
      algorithm: asString(resource.algorithm, `OMS resources[${i}].algorithm`, 64),
      digest,
    };
  });
  if (root.digest('hex') !== subject.digest.sha256)
    throw new PalisadeError(
      'INPUT_INVALID',
      'OMS subject digest is not the root digest of the listed resources',
    );
  return { method, hashType, resources };
}

// --- Signature reference ----------------------------------------------------------------------------------------

/**
 * A signed envelope too large for an entry (an OMS signature of a model with many files), logged by reference as
 * Rekor's hashedrekord does: the digests of its payload and envelope and its signatures, so whoever holds the bundle
 * can match it to the entry and check its signature. The ledger signs this statement after checking the envelope's
 * signature with a key it was given.
 */
export interface SignatureReference {
  /** The predicate type of the referenced statement (e.g. the OMS one). */
  readonly predicateType: string;
  readonly payloadType: string;
  readonly payloadSha256: string;
  /** SHA-256 of the envelope's canonical JSON. */
  readonly envelopeSha256: string;
  readonly signatures: readonly { readonly keyid: string; readonly sig: string }[];
  /** Resources the referenced statement lists (files or shards of the model). */
  readonly resources: number;
}

export function readSignatureReference(statement: Statement): SignatureReference {
  single(statement, 'signature reference');
  const predicate = statement.predicate;
  onlyKeys(
    predicate,
    ['predicateType', 'payloadType', 'payloadSha256', 'envelopeSha256', 'signatures', 'resources'],
    'signature reference',
  );
  const signatures = asArray(predicate.signatures, 'signature reference signatures', 16).map((item, i) => {
    const signature = asObject(item, `signature reference signatures[${i}]`);
    onlyKeys(signature, ['keyid', 'sig'], `signature reference signatures[${i}]`);
    const sig = asString(signature.sig, `signature reference signatures[${i}].sig`, 8192);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sig))
      throw new PalisadeError('INPUT_INVALID', `signature reference signatures[${i}].sig must be base64`);
    return { keyid: asString(signature.keyid, `signature reference signatures[${i}].keyid`, 256), sig };
  });
  if (signatures.length === 0)
    throw new PalisadeError('INPUT_INVALID', 'signature reference has no signatures');
  return {
    predicateType: asString(predicate.predicateType, 'signature reference predicateType', 512),
    payloadType: asString(predicate.payloadType, 'signature reference payloadType', 256),
    payloadSha256: sha256Hex(predicate.payloadSha256, 'signature reference payloadSha256'),
    envelopeSha256: sha256Hex(predicate.envelopeSha256, 'signature reference envelopeSha256'),
    signatures,
    resources: count(predicate.resources, 'signature reference resources'),
  };
}

export function signatureReferenceStatement(
  subject: ResourceDescriptor,
  reference: SignatureReference,
): Statement {
  return checked(
    {
      subject: [subject],
      predicateType: SIGNATURE_REFERENCE_TYPE,
      predicate: reference as unknown as JsonObject,
    },
    readSignatureReference,
  );
}

// --- Dataset manifest -------------------------------------------------------------------------------------------

export interface DatasetManifest {
  /** Files of the dataset with their SHA-256, in OMS order; the subject digest is their OMS root digest. */
  readonly resources: readonly { readonly name: string; readonly sha256: string }[];
  readonly source?: string;
  readonly license?: string;
}

export function readDatasetManifest(statement: Statement): DatasetManifest {
  const subject = single(statement, 'dataset manifest');
  const predicate = statement.predicate;
  onlyKeys(predicate, ['resources', 'source', 'license'], 'dataset manifest');
  const root = createHash('sha256');
  const resources = asArray(predicate.resources, 'dataset manifest resources', MAX_RESOURCES).map(
    (item, i) => {
      const resource = asObject(item, `dataset manifest resources[${i}]`);
      onlyKeys(resource, ['name', 'sha256'], `dataset manifest resources[${i}]`);
      const sha256 = sha256Hex(resource.sha256, `dataset manifest resources[${i}].sha256`);
      root.update(Buffer.from(sha256, 'hex'));
      return { name: asString(resource.name, `dataset manifest resources[${i}].name`), sha256 };
    },
  );
  if (root.digest('hex') !== subject.digest.sha256)
    throw new PalisadeError(
      'INPUT_INVALID',
      'dataset subject digest is not the root digest of the listed files',
    );
  const source = optionalString(predicate.source, 'dataset manifest source', 2048);
  const license = optionalString(predicate.license, 'dataset manifest license', 256);
  return {
    resources,
    ...(source !== undefined ? { source } : {}),
    ...(license !== undefined ? { license } : {}),
  };
}

export function datasetManifestStatement(name: string, manifest: DatasetManifest): Statement {
  const root = createHash('sha256');
  for (const resource of manifest.resources) root.update(Buffer.from(resource.sha256, 'hex'));
  return checked(
    {
      subject: [{ name, digest: { sha256: root.digest('hex') } }],
      predicateType: DATASET_MANIFEST_TYPE,
      predicate: manifest as unknown as JsonObject,
    },
    readDatasetManifest,
  );
}

// --- Scan result ------------------------------------------------------------------------------------------------

export interface ScanResult {
  readonly scanner: { readonly name: string; readonly version: string };
  /** Findings per severity. */
  readonly findings: Readonly<Record<Severity, number>>;
  /** The most severe finding, absent when there are none. */
  readonly maxSeverity?: Severity;
  readonly scannedOn: string;
  /** The full report, addressed by digest. */
  readonly report?: ResourceDescriptor;
}

function severity(value: Json | undefined, path: string): Severity {
  const text = asString(value, path, 16);
  if (!(SEVERITIES as readonly string[]).includes(text))
    throw new PalisadeError('INPUT_INVALID', `${path} must be one of ${SEVERITIES.join(', ')}`);
  return text as Severity;
}

export function readScanResult(statement: Statement): ScanResult {
  single(statement, 'scan result');
  const predicate = statement.predicate;
  onlyKeys(predicate, ['scanner', 'findings', 'maxSeverity', 'scannedOn', 'report'], 'scan result');
  const scanner = asObject(predicate.scanner, 'scan result scanner');
  onlyKeys(scanner, ['name', 'version'], 'scan result scanner');
  const findingsJson = asObject(predicate.findings, 'scan result findings');
  onlyKeys(findingsJson, SEVERITIES, 'scan result findings');
  const findings = Object.fromEntries(
    SEVERITIES.map((s) => [s, count(findingsJson[s] ?? 0, `scan result findings.${s}`)]),
  ) as Record<Severity, number>;
  const maxSeverity =
    predicate.maxSeverity === undefined
      ? undefined
      : severity(predicate.maxSeverity, 'scan result maxSeverity');
  return {
    scanner: {
      name: asString(scanner.name, 'scan result scanner.name', 256),
      version: asString(scanner.version, 'scan result scanner.version', 64),
    },
    findings,
    ...(maxSeverity !== undefined ? { maxSeverity } : {}),
    scannedOn: asTimestamp(predicate.scannedOn, 'scan result scannedOn'),
    ...(predicate.report !== undefined
      ? { report: readDescriptor(predicate.report, 'scan result report') }
      : {}),
  };
}

export function scanResultStatement(subject: ResourceDescriptor, result: ScanResult): Statement {
  return checked(
    { subject: [subject], predicateType: SCAN_RESULT_TYPE, predicate: result as unknown as JsonObject },
    readScanResult,
  );
}

// --- BOM digest -------------------------------------------------------------------------------------------------

export interface BomReference {
  readonly format: 'CycloneDX' | 'SPDX';
  readonly specVersion: string;
  /** The BOM document, addressed by digest (the BOM itself is usually larger than an entry). */
  readonly bom: ResourceDescriptor;
}

export function readBomReference(statement: Statement): BomReference {
  single(statement, 'BOM');
  const predicate = statement.predicate;
  onlyKeys(predicate, ['format', 'specVersion', 'bom'], 'BOM predicate');
  const format = asString(predicate.format, 'BOM format', 16);
  if (format !== 'CycloneDX' && format !== 'SPDX')
    throw new PalisadeError('INPUT_INVALID', 'BOM format must be CycloneDX or SPDX');
  return {
    format,
    specVersion: asString(predicate.specVersion, 'BOM specVersion', 16),
    bom: readDescriptor(predicate.bom, 'BOM document'),
  };
}

export function bomStatement(subject: ResourceDescriptor, bom: BomReference): Statement {
  return checked(
    { subject: [subject], predicateType: BOM_TYPE, predicate: bom as unknown as JsonObject },
    readBomReference,
  );
}

// --- Policy decision --------------------------------------------------------------------------------------------

export interface PolicyRuleOutcome {
  readonly id: string;
  readonly effect: 'enforce' | 'warn';
  readonly passed: boolean;
  readonly message?: string;
}

export interface PolicyDecision {
  readonly decision: 'allow' | 'deny';
  readonly policy: { readonly name: string; readonly digest?: Readonly<Record<string, string>> };
  readonly rules: readonly PolicyRuleOutcome[];
  readonly decidedOn: string;
  /** The evidence the decision was taken on (scan reports, BOMs, other entries), by digest. */
  readonly inputs?: readonly ResourceDescriptor[];
}

export function readPolicyDecision(statement: Statement): PolicyDecision {
  single(statement, 'policy decision');
  const predicate = statement.predicate;
  onlyKeys(predicate, ['decision', 'policy', 'rules', 'decidedOn', 'inputs'], 'policy decision');
  const decision = asString(predicate.decision, 'policy decision', 8);
  if (decision !== 'allow' && decision !== 'deny')
    throw new PalisadeError('INPUT_INVALID', 'policy decision must be allow or deny');
  const policy = asObject(predicate.policy, 'policy decision policy');
  onlyKeys(policy, ['name', 'digest'], 'policy decision policy');
  const policyDigest =
    policy.digest === undefined
      ? undefined
      : readDescriptor({ digest: policy.digest }, 'policy decision policy').digest;
  const rules = asArray(predicate.rules, 'policy decision rules', MAX_RESOURCES).map((item, i) => {
    const rule = asObject(item, `policy decision rules[${i}]`);
    onlyKeys(rule, ['id', 'effect', 'passed', 'message'], `policy decision rules[${i}]`);
    const effect = asString(rule.effect, `policy decision rules[${i}].effect`, 8);
    if (effect !== 'enforce' && effect !== 'warn')
      throw new PalisadeError('INPUT_INVALID', `policy decision rules[${i}].effect must be enforce or warn`);
    if (typeof rule.passed !== 'boolean')
      throw new PalisadeError('INPUT_INVALID', `policy decision rules[${i}].passed must be a boolean`);
    const message = optionalString(rule.message, `policy decision rules[${i}].message`);
    return {
      id: asString(rule.id, `policy decision rules[${i}].id`, 256),
      effect,
      passed: rule.passed,
      ...(message !== undefined ? { message } : {}),
    } as PolicyRuleOutcome;
  });
  return {
    decision,
    policy: {
      name: asString(policy.name, 'policy decision policy.name', 256),
      ...(policyDigest !== undefined ? { digest: policyDigest } : {}),
    },
    rules,
    decidedOn: asTimestamp(predicate.decidedOn, 'policy decision decidedOn'),
    ...(predicate.inputs !== undefined
      ? { inputs: readDescriptors(predicate.inputs, 'policy decision inputs') }
      : {}),
  };
}

export function policyDecisionStatement(subject: ResourceDescriptor, decision: PolicyDecision): Statement {
  return checked(
    { subject: [subject], predicateType: POLICY_DECISION_TYPE, predicate: decision as unknown as JsonObject },
    readPolicyDecision,
  );
}

/** Round-trips a built statement through its reader, so a builder never writes what the reader refuses. */
function checked(statement: Statement, read: (statement: Statement) => unknown): Statement {
  const plain = JSON.parse(JSON.stringify(statement)) as Statement;
  read(plain);
  return plain;
}
