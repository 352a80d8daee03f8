import { isPalisadeError } from '@palisade/core';
import type { TransparencyLog } from '../log/log.ts';
import type { EntryReference } from '../log/store.ts';
import { type DsseVerifier, verifiedSigners } from './dsse.ts';
import { decodeEntry, entryDigest, type LedgerEntry } from './entry.ts';
import { readSlsaProvenance } from './slsa.ts';
import { normalizeDigest } from './statement.ts';

/** Entries decoded per index transaction while catching up. */
const INDEX_BATCH = 1000;

/** An entry found by digest: its index in the log and its decoded content. */
export interface IndexedEntry {
  readonly index: number;
  readonly entry: LedgerEntry;
}

/**
 * The digests an entry names, for the index: its own digest, its subjects and (for provenance) its inputs. Entries
 * that are not Palisade attestations (any bytes may be logged) name only themselves.
 */
export function entryReferences(index: number, bytes: Uint8Array): EntryReference[] {
  const references: EntryReference[] = [{ digest: entryDigest(bytes), index, role: 'entry' }];
  let entry: LedgerEntry;
  try {
    entry = decodeEntry(bytes);
  } catch (error) {
    if (isPalisadeError(error)) return references;
    throw error;
  }
  for (const digest of new Set(entry.subjects)) references.push({ digest, index, role: 'subject' });
  for (const dependency of entry.dependencies)
    references.push({ digest: dependency.digest, index, role: dependency.role });
  return references;
}

/**
 * Brings the log's reference index up to the log's size, decoding the entries appended since. Entries that are
 * not Palisade attestations (any bytes may be logged) name nothing and are skipped.
 */
export function syncIndex(log: TransparencyLog): void {
  for (let from = log.index.indexedSize(); from < log.size; from = log.index.indexedSize()) {
    const to = Math.min(log.size, from + INDEX_BATCH);
    const references: EntryReference[] = [];
    for (const row of log.entries(from, to)) {
      references.push({ digest: entryDigest(row.entry), index: row.index, role: 'entry' });
      let entry: LedgerEntry;
      try {
        entry = decodeEntry(row.entry);
      } catch (error) {
        if (isPalisadeError(error)) continue;
        throw error;
      }
      for (const digest of new Set(entry.subjects))
        references.push({ digest, index: row.index, role: 'subject' });
      for (const dependency of entry.dependencies)
        references.push({ digest: dependency.digest, index: row.index, role: dependency.role });
    }
    log.index.addReferences(from, to, references);
  }
}

function lookup(
  log: TransparencyLog,
  digest: string,
  roles: (role: EntryReference['role']) => boolean,
): number[] {
  syncIndex(log);
  const indexes = new Set(
    log.index
      .references(normalizeDigest(digest))
      .filter((r) => roles(r.role))
      .map((r) => r.index),
  );
  return [...indexes].sort((a, b) => a - b);
}

function decoded(log: TransparencyLog, indexes: readonly number[]): IndexedEntry[] {
  return indexes.map((index) => ({ index, entry: decodeEntry(log.entry(index)) }));
}

/** The indexes of entries whose bytes have this digest (`sha256:` of the entry: its content address). */
export function entriesWithDigest(log: TransparencyLog, digest: string): number[] {
  return lookup(log, digest, (role) => role === 'entry');
}

/** Every entry whose statement has `digest` (`sha256:<hex>` or bare hex) as a subject, oldest first. */
export function entriesForSubject(log: TransparencyLog, digest: string): IndexedEntry[] {
  return decoded(
    log,
    lookup(log, digest, (role) => role === 'subject'),
  );
}

/** Every provenance entry that lists `digest` as an input (dataset, base model, code commit), oldest first. */
export function entriesForDependency(log: TransparencyLog, digest: string): IndexedEntry[] {
  return decoded(
    log,
    lookup(log, digest, (role) => role !== 'subject' && role !== 'entry'),
  );
}

/** Facts about an artifact's provenance, for policy gates (`palisade gate`) and reports. */
export interface ProvenanceFacts {
  /** The artifact digest asked about, normalised (`sha256:<hex>`). */
  readonly digest: string;
  /** A SLSA provenance entry names the artifact as its subject. */
  readonly present: boolean;
  /** The newest such entry carries a DSSE signature by one of the trusted keys. */
  readonly verified: boolean;
  /** Log index and entry digest of the newest provenance entry. */
  readonly index?: number;
  readonly entryDigest?: string;
  /** Key IDs of the trusted keys that signed it. */
  readonly signers: readonly string[];
  readonly builderId?: string;
  /** `sha256:<hex>` of the base model, when the run names one. */
  readonly baseModel?: string;
  readonly datasets: readonly string[];
  readonly code?: { readonly uri?: string; readonly commit: string };
  /** How many entries of each kind name the artifact as subject (signatures, scans, BOMs, decisions, …). */
  readonly entries: Readonly<Record<string, number>>;
}

/**
 * Looks up what the ledger knows about an artifact. `keys` are the DSSE keys trusted to sign provenance (the log
 * key and the users' keys); with none, `verified` is false.
 */
export function findProvenance(
  log: TransparencyLog,
  digest: string,
  options: { readonly keys?: readonly DsseVerifier[] } = {},
): ProvenanceFacts {
  const normalized = normalizeDigest(digest);
  return provenanceFacts(normalized, entriesForSubject(log, normalized), options.keys ?? []);
}

/** The facts from the entries about `digest` (oldest first), whichever store they came from. */
export function provenanceFacts(
  digest: string,
  found: readonly IndexedEntry[],
  keys: readonly DsseVerifier[],
): ProvenanceFacts {
  const entries: Record<string, number> = {};
  for (const { entry } of found) entries[entry.kind] = (entries[entry.kind] ?? 0) + 1;
  const newest = found.filter((f) => f.entry.kind === 'provenance').at(-1);
  if (newest === undefined)
    return { digest, present: false, verified: false, signers: [], datasets: [], entries };
  const { entry } = newest;
  const signers = verifiedSigners(entry.envelope, keys);
  const provenance = readSlsaProvenance(entry.statement.predicate);
  const code = entry.dependencies.find((d) => d.role === 'code');
  const baseModel = entry.dependencies.find((d) => d.role === 'base-model' && d.digest.startsWith('sha256:'));
  return {
    digest,
    present: true,
    verified: signers.length > 0,
    index: newest.index,
    entryDigest: entry.digest,
    signers,
    builderId: provenance.builder.id,
    ...(baseModel !== undefined ? { baseModel: baseModel.digest } : {}),
    datasets: entry.dependencies.filter((d) => d.role === 'dataset').map((d) => d.digest),
    ...(code !== undefined
      ? {
          code: {
            commit: code.digest.slice(code.digest.indexOf(':') + 1),
            ...(code.uri ? { uri: code.uri } : {}),
          },
        }
      : {}),
    entries,
  };
}
