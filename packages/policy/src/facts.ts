/**
 * Facts: what is known about one artifact, assembled from evidence (scan, signature, BOM, ledger, evaluations).
 * The shape is versioned and documented by `schema/facts-v1.schema.json`. Evidence that was not gathered is
 * explicit — a section with `status: "unknown"` and the reason — never a silent `false`, so that a rule can tell
 * "not signed" from "not checked".
 */

export const FACTS_SCHEMA = 'https://palisade.dev/schemas/facts/v1';

export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export type SeverityName = 'critical' | 'high' | 'medium' | 'low' | 'info';

export interface Unknown {
  readonly status: 'unknown';
  /** Why the evidence is missing and how to get it. */
  readonly reason: string;
}

export interface ArtifactFacts {
  /** Base name of the file or directory. */
  readonly name: string;
  /** The path as given. */
  readonly path: string;
  readonly kind: 'file' | 'directory';
  /** `sha256:<hex>` of a file's bytes, or the OpenSSF Model Signing root digest of a directory; `unknown` if not computed. */
  readonly digest: string;
  readonly files: number;
  readonly size: number;
  /** Formats detected from content, sorted. */
  readonly formats: readonly string[];
  /** A pickle-family file is present (pickle, PyTorch, joblib, NumPy object arrays…): loading it can run code. */
  readonly pickleFamily: boolean;
  /** Who trained the model, as declared by the caller: `in-house`, `third-party` or `unknown`. */
  readonly origin: 'in-house' | 'third-party' | 'unknown';
}

export interface FindingFact {
  readonly ruleId: string;
  readonly severity: SeverityName;
  readonly title: string;
  readonly path: string;
  readonly atlas: readonly string[];
  readonly owasp: readonly string[];
}

export interface ScanFacts {
  /** `complete`: every file fully analysed; `partial`: some file hit a limit, failed or is of an unsupported format. */
  readonly status: 'complete' | 'partial';
  readonly highest: SeverityName | 'none';
  readonly counts: Readonly<Record<SeverityName, number>>;
  /** The findings, most severe first, at most MAX_FINDING_FACTS. */
  readonly findings: readonly FindingFact[];
  /** Files not fully analysed (partial, error or unsupported). */
  readonly incompleteFiles: number;
}

export interface SignatureFacts {
  /** `verified`: signature and every file check out; `invalid`: a signature exists and does not; `absent`: none found. */
  readonly status: 'verified' | 'invalid' | 'absent';
  /** The verifying key was given by the operator or is in the pack's trusted keys. */
  readonly trusted: boolean;
  /** `sha256:<hex>` of the verifying key's SubjectPublicKeyInfo (DER). */
  readonly keyFingerprint?: string;
  /** Verification failure reason code (e.g. `DIGEST_MISMATCH`). */
  readonly reason?: string;
  readonly method?: 'key' | 'certificate' | 'keyless';
}

export interface LicenseFact {
  readonly id?: string;
  readonly name?: string;
  /** Risk class from the BOM's licence analysis (e.g. `permissive`, `copyleft`, `non-commercial`, `unknown`). */
  readonly risk: string;
}

export interface BomFacts {
  readonly status: 'known';
  /** Completeness of the AI-BOM, 0 to 1. */
  readonly completeness: number;
  /** BOM fields that are missing (e.g. `modelCard.considerations`). */
  readonly missing: readonly string[];
  readonly licenses: readonly LicenseFact[];
  readonly datasets: number;
  readonly baseModels: readonly string[];
  readonly hasModelCard: boolean;
  /** The model declares a less restrictive licence than a base model imposes (Apache-2.0 over a Llama licence). */
  readonly licenseConflict: boolean;
}

export interface ProvenanceFacts {
  /** `present`: the ledger holds a provenance statement for the digest; `absent`: it holds none. */
  readonly status: 'present' | 'absent';
  /** The statement's signature and inclusion in the log were checked. */
  readonly verified: boolean;
  readonly entries: number;
  readonly baseModel?: string;
}

/** A later evaluation (fairness, robustness, drift): passed or not, with its figures. */
export interface EvaluationFacts {
  readonly status: 'passed' | 'failed';
  readonly metrics: Readonly<Record<string, number>>;
}

/** What palisade pii found in a data set the artifact was trained or evaluated on. */
export interface PrivacyFacts {
  readonly status: 'known';
  readonly piiFound: number;
  readonly secretsFound: number;
  /** Kinds of personal data found (EMAIL_ADDRESS, PHONE_NUMBER…), sorted. */
  readonly entities: readonly string[];
  /** k-anonymity of the quasi-identifiers given to palisade pii, or null when none were given. */
  readonly kAnonymity: number | null;
}

export interface Facts {
  readonly schema: typeof FACTS_SCHEMA;
  readonly environment: Environment;
  readonly artifact: ArtifactFacts;
  readonly scan: ScanFacts | Unknown;
  readonly signature: SignatureFacts | Unknown;
  readonly bom: BomFacts | Unknown;
  readonly provenance: ProvenanceFacts | Unknown;
  readonly evaluations: {
    readonly fairness: EvaluationFacts | Unknown;
    readonly robustness: EvaluationFacts | Unknown;
    readonly drift: EvaluationFacts | Unknown;
    readonly privacy: PrivacyFacts | Unknown;
  };
}

export const MAX_FINDING_FACTS = 200;

/** The top-level names a rule may read (CEL variables), plus `params` from the pack. */
export const FACT_SECTIONS = [
  'environment',
  'artifact',
  'scan',
  'signature',
  'bom',
  'provenance',
  'evaluations',
] as const;

export function unknown(reason: string): Unknown {
  return { status: 'unknown', reason };
}

/** Facts where nothing but the artifact is known: the starting point of evidence gathering and of pack examples. */
export function emptyFacts(artifact: ArtifactFacts, environment: Environment = 'dev'): Facts {
  return {
    schema: FACTS_SCHEMA,
    environment,
    artifact,
    scan: unknown('not scanned'),
    signature: unknown('signature not checked'),
    bom: unknown('no AI-BOM generated'),
    provenance: unknown('no ledger given'),
    evaluations: {
      fairness: unknown('no fairness evaluation'),
      robustness: unknown('no robustness evaluation'),
      drift: unknown('no drift evaluation'),
      privacy: unknown('no personal-data scan of the data'),
    },
  };
}

export function isEnvironment(value: unknown): value is Environment {
  return typeof value === 'string' && (ENVIRONMENTS as readonly string[]).includes(value);
}

/**
 * Why the value at a dotted path is unknown, or undefined when it is known: a section on the way has
 * `status: "unknown"`, or the value itself is the string `unknown` (e.g. `artifact.origin`).
 */
export function unknownReason(facts: object, path: string): string | undefined {
  let node: unknown = facts;
  const seen: string[] = [];
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    const record = node as Record<string, unknown>;
    if (record.status === 'unknown') return `${seen.join('.')}: ${String(record.reason ?? 'unknown')}`;
    node = record[key];
    seen.push(key);
  }
  if (node !== null && typeof node === 'object' && (node as Record<string, unknown>).status === 'unknown') {
    return `${path}: ${String((node as Record<string, unknown>).reason ?? 'unknown')}`;
  }
  return node === 'unknown' ? `${path} is unknown` : undefined;
}

/** The value at a dotted path, or undefined. */
export function valueAt(facts: object, path: string): unknown {
  let node: unknown = facts;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
