import { type Detection, Detector, type DetectorOptions } from '../detect/detector.ts';
import { maskForReport } from '../detect/mask.ts';
import { type DataFormat, formatOf, readDataset } from '../read/dataset.ts';
import { columnOf } from '../read/flatten.ts';
import { isQuasiIdentifier, KAnonymityCounter } from './k-anonymity.ts';
import type { ColumnSummary, PiiFinding, PiiReport } from './report.ts';

export interface ScanOptions extends DetectorOptions {
  readonly format?: DataFormat;
  /** Findings kept in the report (all are counted). Default 1000. */
  readonly maxFindings?: number;
  /** Quasi-identifier columns; by default chosen by column name (zip, birth date, gender, age…). */
  readonly quasiIdentifiers?: readonly string[];
  readonly signal?: AbortSignal;
}

interface ColumnStats {
  values: number;
  entities: Map<string, number>;
  /** Detections of short values already seen in this column: categorical columns repeat a few values. */
  seen: Map<string, readonly Detection[]> | undefined;
  lookups: number;
  hits: number;
}

const CACHED_VALUE_LENGTH = 48;
const MAX_COLUMNS = 10_000;
const OTHER_COLUMNS = '(other columns)';
const CACHED_VALUES = 4096;
/** Cached values across all columns, so that a very wide table cannot multiply the per-column cache. */
const MAX_CACHED = 500_000;

/** Scans a CSV, JSON-lines, Parquet or text file for personal data and secrets, streaming it once. */
export async function scanFile(path: string, options: ScanOptions = {}): Promise<PiiReport> {
  const detector = new Detector(options);
  const format = formatOf(path, options.format);
  const maxFindings = options.maxFindings ?? 1000;
  const findings: PiiFinding[] = [];
  const byEntity = new Map<string, number>();
  const columns = new Map<string, ColumnStats>();
  let total = 0;
  let secrets = 0;
  let kCounter: KAnonymityCounter | undefined;
  let header: readonly string[] | undefined;
  let columnIndex = new Map<string, number>();
  let byIndex: ColumnStats[] = [];
  const statsOf = (column: string): ColumnStats => {
    let stats = columns.get(column);
    if (!stats) {
      // JSON keys can be data (ids as keys): past MAX_COLUMNS, further columns share one summary.
      const name = columns.size >= MAX_COLUMNS ? OTHER_COLUMNS : column;
      stats = columns.get(name) ?? { values: 0, entities: new Map(), seen: new Map(), lookups: 0, hits: 0 };
      columns.set(name, stats);
    }
    return stats;
  };

  const count = (d: Detection) => {
    total++;
    if (d.kind === 'secret') secrets++;
    byEntity.set(d.entity, (byEntity.get(d.entity) ?? 0) + 1);
  };

  let cachedValues = 0;
  const detectCached = (stats: ColumnStats, value: string, column: string): readonly Detection[] => {
    const seen = stats.seen;
    if (!seen || value.length > CACHED_VALUE_LENGTH) return detector.detect(value, column);
    stats.lookups++;
    const hit = seen.get(value);
    if (hit) {
      stats.hits++;
      return hit;
    }
    const found = detector.detect(value, column);
    if (seen.size < CACHED_VALUES && cachedValues < MAX_CACHED) {
      seen.set(value, found);
      cachedValues++;
    }
    // A column of mostly distinct values (ids, e-mail addresses) gains nothing from the cache.
    else if (stats.lookups > 2 * CACHED_VALUES && stats.hits * 2 < stats.lookups) stats.seen = undefined;
    return found;
  };

  const summary = await readDataset(
    path,
    format,
    {
      row(row, names, values) {
        if (format === 'csv' && header !== names) {
          header = names;
          columnIndex = new Map(names.map((n, i) => [n, i]));
          byIndex = names.map((n) => statsOf(n));
          const qi = options.quasiIdentifiers ?? names.filter(isQuasiIdentifier);
          kCounter ??= new KAnonymityCounter(qi.filter((c) => columnIndex.has(c)));
        }
        if (format !== 'csv' && !kCounter)
          kCounter = new KAnonymityCounter(
            options.quasiIdentifiers ?? [...new Set(names.map(columnOf))].filter(isQuasiIdentifier),
          );
        for (let i = 0; i < values.length; i++) {
          const value = values[i];
          if (value === undefined || value === '') continue;
          const name = names[i] ?? `column_${i + 1}`;
          const column = format === 'csv' ? name : columnOf(name);
          const stats = (format === 'csv' ? byIndex[i] : undefined) ?? statsOf(column);
          stats.values++;
          const found = detectCached(stats, value, column);
          for (const d of found) {
            stats.entities.set(d.entity, (stats.entities.get(d.entity) ?? 0) + 1);
            count(d);
            if (findings.length < maxFindings)
              findings.push({
                entity: d.entity,
                kind: d.kind,
                score: round(d.score),
                location: { row, column: name },
                preview: maskForReport(value.slice(d.start, d.end), d.kind),
              });
          }
        }
        if (kCounter) {
          if (format === 'csv') kCounter.add((c) => values[columnIndex.get(c) ?? -1]);
          else {
            const byName = new Map(names.map((n, i) => [columnOf(n), values[i]]));
            kCounter.add((c) => byName.get(c));
          }
        }
      },
      text(block, byteOffset, line) {
        const found = detector.detect(block);
        if (found.length === 0) return;
        const ascii = Buffer.byteLength(block) === block.length;
        let lineAt = 0;
        let lineNo = line;
        for (const d of found) {
          for (let i = block.indexOf('\n', lineAt); i >= 0 && i < d.start; i = block.indexOf('\n', i + 1)) {
            lineNo++;
            lineAt = i + 1;
          }
          const offset = byteOffset + (ascii ? d.start : Buffer.byteLength(block.slice(0, d.start)));
          count(d);
          if (findings.length < maxFindings)
            findings.push({
              entity: d.entity,
              kind: d.kind,
              score: round(d.score),
              location: { offset, line: lineNo },
              preview: maskForReport(block.slice(d.start, d.end), d.kind),
            });
        }
      },
    },
    options.signal ? { signal: options.signal } : {},
  );

  const tabular = format !== 'text';
  const columnSummaries: ColumnSummary[] = [...columns.entries()].map(([column, s]) => ({
    column,
    values: s.values,
    entities: Object.fromEntries(s.entities),
    quasiIdentifier: kCounter?.columns.includes(column) ?? false,
  }));
  return {
    path,
    format,
    bytes: summary.bytes,
    records: summary.records,
    threshold: options.threshold ?? 0.5,
    findings,
    totalFindings: total,
    truncated: total > findings.length,
    byEntity: Object.fromEntries([...byEntity.entries()].sort((a, b) => b[1] - a[1])),
    secrets,
    ...(tabular ? { columns: columnSummaries } : {}),
    ...(tabular && kCounter && kCounter.columns.length > 0 ? { kAnonymity: kCounter.results() } : {}),
    ...(summary.invalidLines ? { invalidLines: summary.invalidLines } : {}),
  };
}

function round(score: number): number {
  return Math.round(score * 100) / 100;
}
