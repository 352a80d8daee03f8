/**
 * Drift throughput: `driftReport` over ROWS reference rows and ROWS current rows of 50 columns (half numeric, half
 * categorical), with Evidently's default tests (Wasserstein normed and Jensen–Shannon at this size), beside
 * scipy.stats.ks_2samp on the same numeric columns, measured in the same run. Palisade's two-sample KS on those
 * columns is timed too, and its statistics and p-values are compared with scipy's.
 *
 *   node bench/drift/run.ts [--rows N] [--columns N]
 *
 * The columns come from a counter-based generator (mulberry32's mixer on i, Box–Muller) that columns.py repeats
 * bit for bit with numpy, so both sides test the same numbers without a 400 MB file between them. Generation is
 * not timed. Peak RSS is this process's (it also holds the generated data). scipy is Debian's python3-scipy
 * (`apt-get install -y python3-scipy`), run with PYTHON (default /usr/bin/python3).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  type Column,
  driftReport,
  driftReportParallel,
  ksTwoSample,
  sortFloat64,
  type Table,
} from '../../packages/trust/src/index.ts';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, columns: { type: 'string', default: '50' } },
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
  const out = new Float64Array(n);
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
  const out = new Int32Array(n);
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

const { reference, current } = tables();
let start = process.hrtime.bigint();
let cpu = process.cpuUsage();
const report = await driftReportParallel(reference, current);
const driftSeconds = seconds(start);
const driftCpu = cpuSeconds(cpu);
start = process.hrtime.bigint();
cpu = process.cpuUsage();
const sequential = driftReport(reference, current);
const sequentialSeconds = seconds(start);
const sequentialCpu = cpuSeconds(cpu);
if (JSON.stringify(sequential) !== JSON.stringify(report))
  throw new Error('parallel and sequential reports differ');

start = process.hrtime.bigint();
cpu = process.cpuUsage();
const ours = reference.columns.slice(0, NUMERIC).map((column, c) => {
  const sorted = (col: Column) => (col.kind === 'numeric' ? sortFloat64(col.values) : new Float64Array(0));
  return ksTwoSample(sorted(column), sorted(current.columns[c] as Column));
});
const ksSeconds = seconds(start);
const ksCpu = cpuSeconds(cpu);
const peakRssMb = process.resourceUsage().maxRSS / 1024;

const python = spawnSync(
  PYTHON,
  [path.join(import.meta.dirname, 'columns.py'), String(ROWS), String(NUMERIC)],
  {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  },
);
const scipy = python.status === 0 ? JSON.parse(python.stdout) : undefined;

const tests = new Map<string, number>();
for (const c of report.columns) tests.set(c.test, (tests.get(c.test) ?? 0) + 1);
console.log(
  `Drift benchmark: ${ROWS.toLocaleString('en')} reference + ${ROWS.toLocaleString('en')} current rows × ${COLUMNS} columns (${NUMERIC} numeric, ${COLUMNS - NUMERIC} categorical)`,
);
console.log(
  `Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load ${os.loadavg()[0]?.toFixed(2)}`,
);
console.log('');
console.log('| measurement | wall s | CPU s | note |');
console.log('| --- | ---: | ---: | --- |');
console.log(
  `| Palisade driftReportParallel (the CLI's), Evidently defaults, all ${COLUMNS} columns | ${driftSeconds.toFixed(2)} | ${driftCpu.toFixed(2)} | ${[...tests].map(([t, n]) => `${n} ${t}`).join(', ')}; ${report.driftedColumns} drifted; dataset drift ${report.datasetDrift}; ${os.availableParallelism()} threads |`,
);
console.log(
  `| Palisade driftReport, one thread, same columns | ${sequentialSeconds.toFixed(2)} | ${sequentialCpu.toFixed(2)} | same report |`,
);
console.log(
  `| Palisade ksTwoSample (sort + D + p), ${NUMERIC} numeric columns | ${ksSeconds.toFixed(2)} | ${ksCpu.toFixed(2)} | asymptotic p (kstwo), as scipy above 10,000 rows |`,
);
if (scipy) {
  console.log(
    `| scipy ${scipy.scipy} ks_2samp, same ${NUMERIC} columns | ${scipy.seconds.toFixed(2)} | ${scipy.cpuSeconds.toFixed(2)} | inside ks_2samp only (generation excluded) |`,
  );
  let dMax = 0;
  let pMax = 0;
  scipy.columns.forEach((s: { statistic: number; pValue: number }, c: number) => {
    const o = ours[c] as { statistic: number; pValue: number };
    dMax = Math.max(dMax, Math.abs(o.statistic - s.statistic));
    if (s.pValue > 1e-300) pMax = Math.max(pMax, Math.abs(o.pValue - s.pValue) / s.pValue);
  });
  console.log('');
  console.log(
    `Same columns, same answers: max |D − D_scipy| = ${dMax.toExponential(2)}, max relative |p − p_scipy| = ${pMax.toExponential(2)}`,
  );
} else {
  console.log(
    `| scipy ks_2samp | — | — | not available: ${python.error?.message ?? python.stderr.trim().split('\n').at(-1)} |`,
  );
}
console.log(`Peak RSS of this process (data of both tables included): ${peakRssMb.toFixed(0)} MB`);
console.log(
  `Target: drift < 10 s with peak RSS < 1 GB: ${driftSeconds < 10 && peakRssMb < 1000 ? 'PASS' : 'FAIL'}`,
);
