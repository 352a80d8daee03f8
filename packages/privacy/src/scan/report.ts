import type { EntityKind } from '../detect/recognizer.ts';
import type { DataFormat } from '../read/dataset.ts';
import type { KAnonymityResult } from './k-anonymity.ts';

/** Where a finding is: a record and column for tabular data, a byte offset (and line) for text. */
export interface PiiLocation {
  readonly row?: number;
  readonly column?: string;
  readonly offset?: number;
  readonly line?: number;
}

export interface PiiFinding {
  readonly entity: string;
  readonly kind: EntityKind;
  readonly score: number;
  readonly location: PiiLocation;
  /** The value masked for display (`maskForReport`); the value itself is never in a report. */
  readonly preview: string;
}

export interface ColumnSummary {
  readonly column: string;
  /** Non-empty values scanned. */
  readonly values: number;
  /** Values with at least one finding, per entity type. */
  readonly entities: Readonly<Record<string, number>>;
  readonly quasiIdentifier: boolean;
}

export interface PiiReport {
  readonly path: string;
  readonly format: DataFormat;
  readonly bytes: number;
  readonly records: number;
  readonly threshold: number;
  /** Findings in file order, at most `maxFindings` of them. */
  readonly findings: readonly PiiFinding[];
  readonly totalFindings: number;
  readonly truncated: boolean;
  readonly byEntity: Readonly<Record<string, number>>;
  readonly secrets: number;
  readonly columns?: readonly ColumnSummary[];
  readonly kAnonymity?: readonly KAnonymityResult[];
  /** JSON lines that were not JSON (scanned as text). */
  readonly invalidLines?: number;
}

/** The facts `palisade gate` reads (DESIGN: evidence → facts → decision). */
export interface PrivacyFacts {
  readonly piiFound: number;
  readonly secretsFound: number;
  readonly entities: readonly string[];
  /** k of the full quasi-identifier set; null when the data is not tabular or has no quasi-identifiers. */
  readonly kAnonymity: number | null;
}

export function privacyFacts(report: PiiReport): PrivacyFacts {
  return {
    piiFound: report.totalFindings - report.secrets,
    secretsFound: report.secrets,
    entities: Object.keys(report.byEntity).sort(),
    kAnonymity: report.kAnonymity?.[0]?.k ?? null,
  };
}
