/**
 * Drift throughput: the drift report over ROWS reference rows and ROWS current rows of 50 columns (half numeric,
 * half categorical), with Evidently's default tests (Wasserstein normed and Jensen–Shannon at this size), beside
 * scipy.stats.ks_2samp on the same numeric columns, measured in the same run. Palisade's two-sample KS on those
 * columns is timed too, and its statistics and p-values are compared with scipy's.
 *
 *   node bench/drift/run.ts [--rows N] [--columns N]
 *
 * Each measurement (one thread as the CLI's default, all cores as `--threads`, KS) runs in its own child process (`--mode`), so
 * that each peak RSS is its own; every child generates the same tables and holds both of them. The columns come
 * from a counter-based generator (mulberry32's mixer on i, Box–Muller) that columns.py repeats bit for bit with
 * numpy, so both sides test the same numbers without a 400 MB file between them; they live on SharedArrayBuffers,
 * as readTable stores columns, so that drift threads share them. Generation is not timed. Wall and
 * CPU seconds are printed: on a shared machine the CPU seconds are the comparable figure. scipy is Debian's
 * python3-scipy (`apt-get install -y python3-scipy`), run with PYTHON (default /usr/bin/python3).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  type Column,
  driftReport,
  driftReportParallel,
  ksTwoSample,
  sharedFloat64,
  sharedInt32,
  sortFloat64,
  type Table,
} from '../../packages/trust/src/index.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    columns: { type: 'string', default: '50' },
    mode: { type: 'string' },
  },
});
const ROWS = Number(values.rows);
const COLUMNS = Number(values.columns);
const NUMERIC = Math.ceil(COLUMNS / 2);
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const GOLDEN = 0x9e3779b1;
const STEP = 0x6d2b79f5;

/** mulberry32's output function on a counter: the i-th uniform in [0, 1) of a stream, without state. */
function uniform(seed: number, i: number): number {
  let t = (seed + Math.imul(i + 1, STEP)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1) >>> 0;
  t = (t ^ (t + Math.imul(t ^ (t >>> 7), t | 61))) >>> 0;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const seedOf = (stream: number) => Math.imul(stream, GOLDEN) >>> 0;

/** Box–Muller normals written straight into the column (no temporary arrays: peak RSS is the data's). */
function normals(stream: number, n: number, shift: number): Float64Array {
  const s1 = seedOf(2 * stream);
  const s2 = seedOf(2 * stream + 1);
  const out = sharedFloat64(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.sqrt(-2 * Math.log(1 - uniform(s1, i))) * Math.cos(2 * Math.PI * uniform(s2, i)) + shift;
  }
  return out;
}

const LABELS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

/** Labels with weights k + 1, drifting toward uniform by `mix`. */
function labels(stream: number, n: number, mix: number): Int32Array {
  const weights = LABELS.map((_, k) => (1 - mix) * ((k + 1) / 36) + mix / LABELS.length);
  const cumulative = weights.map((_, k) => weights.slice(0, k + 1).reduce((s, w) => s + w, 0));
  const seed = seedOf(stream);
  const out = sharedInt32(n);
  for (let i = 0; i < n; i++) {
    const x = uniform(seed, i);
    const k = cumulative.findIndex((c) => x < c);
    out[i] = k < 0 ? LABELS.length - 1 : k;
  }
  return out;
}

function tables(): { reference: Table; current: Table } {
  const reference: Column[] = [];
  const current: Column[] = [];
  for (let c = 0; c < COLUMNS; c++) {
    const name = `col${c}`;
    if (c < NUMERIC) {
      reference.push({ name, kind: 'numeric', values: normals(4 * c, ROWS, 0) });
      current.push({ name, kind: 'numeric', values: normals(4 * c + 1, ROWS, 0.002 * c) });
    } else {
      reference.push({ name, kind: 'categorical', categories: LABELS, codes: labels(1000 + 2 * c, ROWS, 0) });
      current.push({
        name,
        kind: 'categorical',
        categories: LABELS,
        codes: labels(1001 + 2 * c, ROWS, 0.02 * (c - NUMERIC)),
      });
    }
  }
  return {
    reference: { rowCount: ROWS, columns: reference, skipped: [] },
    current: { rowCount: ROWS, columns: current, skipped: [] },
  };
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

interface Measured {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMb: number;
  readonly tests?: Record<string, number>;
  readonly drifted?: number;
  readonly datasetDrift?: boolean;
  readonly digest?: string;
  readonly ks?: { statistic: number; pValue: number }[];
}

/** One measurement in this process (a child of the orchestrating run), so that each has its own peak RSS. */
async function measure(mode: string): Promise<Measured> {
  const { reference, current } = tables();
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  if (mode === 'ks') {
    const ks = reference.columns.slice(0, NUMERIC).map((column, c) => {
      const sorted = (col: Column) =>
        col.kind === 'numeric' ? sortFloat64(col.values) : new Float64Array(0);
      const r = ksTwoSample(sorted(column), sorted(current.columns[c] as Column));
      return { statistic: r.statistic, pValue: r.pValue };
    });
    return { wall: seconds(start), cpu: cpuSeconds(cpu), rssMb: process.resourceUsage().maxRSS / 1024, ks };
  }
  const report =
    mode === 'parallel' ? await driftReportParallel(reference, current) : driftReport(reference, current);
  const wall = seconds(start);
  const tests: Record<string, number> = {};
  for (const c of report.columns) tests[c.test] = (tests[c.test] ?? 0) + 1;
  return {
    wall,
    cpu: cpuSeconds(cpu),
    rssMb: process.resourceUsage().maxRSS / 1024,
    tests,
    drifted: report.driftedColumns,
    datasetDrift: report.datasetDrift,
    digest: createHash('sha256').update(JSON.stringify(report)).digest('hex'),
  };
}

if (values.mode !== undefined) {
  process.stdout.write(JSON.stringify(await measure(values.mode)));
  process.exit(0);
}

function child(mode: string): Measured {
  const run = spawnSync(
    process.execPath,
    [import.meta.filename, '--mode', mode, '--rows', String(ROWS), '--columns', String(COLUMNS)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.status !== 0) throw new Error(`${mode} run failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const parallel = child('parallel');
const sequential = child('sequential');
if (parallel.digest !== sequential.digest) throw new Error('parallel and sequential reports differ');
const ours = child('ks');
const python = spawnSync(
  PYTHON,
  [path.join(import.meta.dirname, 'columns.py'), String(ROWS), String(NUMERIC)],
  { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
const scipy = python.status === 0 ? JSON.parse(python.stdout) : undefined;

const row = (name: string, m: Measured, note: string) =>
  console.log(`| ${name} | ${m.wall.toFixed(2)} | ${m.cpu.toFixed(2)} | ${m.rssMb.toFixed(0)} | ${note} |`);
console.log(
  `Drift benchmark: ${ROWS.toLocaleString('en')} reference + ${ROWS.toLocaleString('en')} current rows × ${COLUMNS} columns (${NUMERIC} numeric, ${COLUMNS - NUMERIC} categorical)`,
);
console.log(
  `Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load ${os.loadavg()[0]?.toFixed(2)} (CPU seconds are the fair figure on a loaded machine)`,
);
console.log('');
console.log('| measurement | wall s | CPU s | peak RSS MB | note |');
console.log('| --- | ---: | ---: | ---: | --- |');
const tests = Object.entries(parallel.tests ?? {})
  .map(([t, n]) => `${n} ${t}`)
  .join(', ');
row(
  `Palisade drift report on ${os.availableParallelism()} threads (\`--threads ${os.availableParallelism()}\`), all ${COLUMNS} columns`,
  parallel,
  `Evidently defaults: ${tests}; ${parallel.drifted} drifted; dataset drift ${parallel.datasetDrift}`,
);
row(
  'Palisade drift report on one thread (the CLI default)',
  sequential,
  'the same report (same SHA-256 of its JSON)',
);
row(
  `Palisade ksTwoSample (sort + D + p), ${NUMERIC} numeric columns`,
  ours,
  'asymptotic p (kstwo), as scipy above 10,000 rows',
);
if (scipy) {
  console.log(
    `| scipy ${scipy.scipy} ks_2samp, same ${NUMERIC} columns | ${scipy.seconds.toFixed(2)} | ${scipy.cpuSeconds.toFixed(2)} | — | inside ks_2samp only (generation excluded) |`,
  );
  let dMax = 0;
  let pMax = 0;
  scipy.columns.forEach((s: { statistic: number; pValue: number }, c: number) => {
    const o = ours.ks?.[c] as { statistic: number; pValue: number };
    dMax = Math.max(dMax, Math.abs(o.statistic - s.statistic));
    if (s.pValue > 1e-300) pMax = Math.max(pMax, Math.abs(o.pValue - s.pValue) / s.pValue);
  });
  console.log('');
  console.log(
    `Same columns, same answers: max |D − D_scipy| = ${dMax.toExponential(2)}, max relative |p − p_scipy| = ${pMax.toExponential(2)}`,
  );
} else {
  console.log(
    `| scipy ks_2samp | — | — | — | not available: ${python.error?.message ?? python.stderr.trim().split('\n').at(-1)} |`,
  );
}
const best = Math.min(parallel.wall, sequential.wall);
const rss = Math.max(parallel.rssMb, sequential.rssMb);
console.log(
  `Target: drift < 10 s with peak RSS < 1 GB (each process holds both tables): ${best < 10 && rss < 1000 ? 'PASS' : 'FAIL'} (${best.toFixed(2)} s, ${rss.toFixed(0)} MB)`,
);
