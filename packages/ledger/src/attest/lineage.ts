import { PalisadeError } from '@palisade/core';
import type { TransparencyLog } from '../log/log.ts';
import { type DsseVerifier, verifiedSigners } from './dsse.ts';
import type { EntryDependency } from './entry.ts';
import { entriesForDependency, entriesForSubject, type IndexedEntry } from './lookup.ts';
import { normalizeDigest } from './statement.ts';

/** Most artifacts one lineage walk visits: a bound on work and output, not on the log. */
export const MAX_LINEAGE_NODES = 10_000;

export interface LineageNode {
  readonly digest: string;
  /** Names the ledger gives the artifact (subject names, dependency names and URIs). */
  readonly names: readonly string[];
}

/** "`from` went into `to`", recorded by provenance entry `entry`. */
export interface LineageEdge {
  readonly from: string;
  readonly to: string;
  readonly role: EntryDependency['role'];
  readonly entry: number;
  /** Key IDs of the trusted keys whose DSSE signature on that entry verifies (empty: not verified). */
  readonly signers: readonly string[];
}

export interface Lineage {
  readonly root: string;
  /** Every entry about the root itself (its signatures, provenance, scans, BOMs, decisions), oldest first. */
  readonly entries: readonly { readonly index: number; readonly kind: string; readonly digest: string }[];
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
  /** Digests whose inputs (ancestors) and outputs (descendants) were walked from the root. */
  readonly ancestors: readonly string[];
  readonly descendants: readonly string[];
}

/** One lookup a lineage walk asks for: entries about `digest` as subject (`up`) or as an input. */
export interface LineageLookup {
  readonly digest: string;
  readonly up: boolean;
}

/**
 * The lineage walk as a generator of lookups, so the same walk runs over a synchronous store (SQLite) and an
 * asynchronous one (PostgreSQL): each `yield` asks for entries, the driver answers with them.
 */
export function* lineageWalk(
  digest: string,
  keys: readonly DsseVerifier[],
): Generator<LineageLookup, Lineage, IndexedEntry[]> {
  const root = normalizeDigest(digest);
  const names = new Map<string, Set<string>>([[root, new Set()]]);
  const edges = new Map<string, LineageEdge>();
  const name = (d: string, value: string | undefined): void => {
    if (!names.has(d)) {
      if (names.size >= MAX_LINEAGE_NODES)
        throw new PalisadeError(
          'LIMIT_EXCEEDED',
          `lineage of ${root} has more than ${MAX_LINEAGE_NODES} artifacts`,
        );
      names.set(d, new Set());
    }
    if (value !== undefined && value !== '') names.get(d)?.add(value);
  };
  const walked: Record<'up' | 'down', string[]> = { up: [], down: [] };
  for (const up of [true, false]) {
    const seen = new Set<string>([root]);
    const queue = [root];
    for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
      const found: IndexedEntry[] = yield { digest: current, up };
      for (const { index, entry } of found) {
        for (const subject of entry.statement.subject) {
          if (`sha256:${subject.digest.sha256}` === current) name(current, subject.name);
        }
        if (entry.kind !== 'provenance') continue;
        const signers = verifiedSigners(entry.envelope, keys);
        const outputs = up ? [current] : entry.subjects;
        const inputs = up ? entry.dependencies : entry.dependencies.filter((d) => d.digest === current);
        for (const output of outputs) {
          name(output, entry.statement.subject.find((s) => `sha256:${s.digest.sha256}` === output)?.name);
          for (const input of inputs) {
            // 'base-model' and 'code' name the role, not the artifact.
            name(input.digest, input.name === input.role ? undefined : input.name);
            name(input.digest, input.uri);
            name(input.digest, input.label);
            const edge = { from: input.digest, to: output, role: input.role, entry: index, signers };
            edges.set(`${edge.from} ${edge.to} ${edge.role} ${edge.entry}`, edge);
            const next = up ? input.digest : output;
            if (!seen.has(next)) {
              seen.add(next);
              queue.push(next);
            }
          }
        }
      }
    }
    seen.delete(root);
    walked[up ? 'up' : 'down'] = [...seen];
  }
  const about: IndexedEntry[] = yield { digest: root, up: true };
  return {
    root,
    entries: about.map(({ index, entry }) => ({ index, kind: entry.kind, digest: entry.digest })),
    nodes: [...names].map(([d, set]) => ({ digest: d, names: [...set].sort() })),
    edges: [...edges.values()].sort((a, b) => a.entry - b.entry || a.from.localeCompare(b.from)),
    ancestors: walked.up,
    descendants: walked.down,
  };
}

/**
 * Walks the provenance graph around `digest`: ancestors (what it was trained from, recursively) and descendants
 * (what was trained from it, recursively), from the SLSA provenance entries in the log. Each edge lists the trusted
 * `keys` that signed its entry.
 */
export function lineage(
  log: TransparencyLog,
  digest: string,
  options: { readonly keys?: readonly DsseVerifier[] } = {},
): Lineage {
  const walk = lineageWalk(digest, options.keys ?? []);
  let step = walk.next();
  while (!step.done) {
    const { digest: asked, up } = step.value;
    step = walk.next(up ? entriesForSubject(log, asked) : entriesForDependency(log, asked));
  }
  return step.value;
}

function label(graph: Lineage, digest: string): string {
  const names = graph.nodes.find((n) => n.digest === digest)?.names ?? [];
  return names.length === 0 ? digest : `${digest} (${names.join(', ')})`;
}

/** Ancestors as an indented tree under the root, then descendants; edges no trusted key signed say UNVERIFIED. */
export function formatLineageText(graph: Lineage): string {
  const lines = [label(graph, graph.root)];
  lines.push(
    graph.entries.length === 0
      ? 'Ledger entries: none'
      : `Ledger entries: ${graph.entries.map((e) => `${e.kind} [entry ${e.index}]`).join(', ')}`,
  );
  const tree = (digest: string, depth: number, up: boolean, path: Set<string>): void => {
    const edges = graph.edges.filter((e) => (up ? e.to === digest : e.from === digest));
    for (const edge of edges) {
      const next = up ? edge.from : edge.to;
      const cycle = path.has(next) ? ' (cycle)' : '';
      const trust = edge.signers.length > 0 ? '' : ' UNVERIFIED';
      lines.push(
        `${'  '.repeat(depth)}${up ? '←' : '→'} ${edge.role} ${label(graph, next)} [entry ${edge.entry}${trust}]${cycle}`,
      );
      if (cycle === '') tree(next, depth + 1, up, new Set([...path, next]));
    }
  };
  lines.push('Trained from:');
  if (graph.ancestors.length === 0) {
    const recorded = graph.entries.some((e) => e.kind === 'provenance');
    lines.push(recorded ? '  (its provenance names no inputs)' : '  (no provenance recorded)');
  }
  tree(graph.root, 1, true, new Set([graph.root]));
  lines.push('Used by:');
  if (graph.descendants.length === 0) lines.push('  (nothing recorded)');
  tree(graph.root, 1, false, new Set([graph.root]));
  return `${lines.join('\n')}\n`;
}

function dotString(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}

/**
 * Graphviz DOT: one node per artifact, one edge per input of a training run, inputs pointing at outputs; edges that
 * no trusted key signed are dashed red.
 */
export function formatLineageDot(graph: Lineage): string {
  const lines = ['digraph lineage {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  for (const node of graph.nodes) {
    const short = node.digest.length > 23 ? `${node.digest.slice(0, 23)}…` : node.digest;
    const text = node.names.length === 0 ? short : `${node.names.join('\n')}\n${short}`;
    const style = node.digest === graph.root ? ', style=bold' : '';
    lines.push(`  ${dotString(node.digest)} [label=${dotString(text)}${style}];`);
  }
  for (const edge of graph.edges) {
    const unverified = edge.signers.length > 0 ? '' : ', style=dashed, color=red';
    lines.push(
      `  ${dotString(edge.from)} -> ${dotString(edge.to)} [label=${dotString(`${edge.role} #${edge.entry}`)}${unverified}];`,
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
