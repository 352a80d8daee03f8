import { PalisadeError } from '@palisade/core';
import { type DataFormat, formatOf, readDataset } from '../read/dataset.ts';
import { columnOf } from '../read/flatten.ts';
import { addNoise, checkCost, type MechanismName, type PrivacyCost } from './mechanisms.ts';
import { CryptoRandom, type RandomSource } from './random.ts';

export type Query =
  | { readonly kind: 'count' }
  | { readonly kind: 'sum' | 'mean' | 'histogram'; readonly column: string }
  | { readonly kind: 'quantile'; readonly column: string; readonly q: number };

/** `count`, `sum(col)`, `mean(col)`, `histogram(col)`, `quantile(col, 0.5)`. */
export function parseQuery(text: string): Query {
  const t = text.trim();
  if (t === 'count' || t === 'count()') return { kind: 'count' };
  const m = /^(sum|mean|histogram|quantile|median)\(\s*([^,()]+?)\s*(?:,\s*([0-9.]+)\s*)?\)$/.exec(t);
  const kind = m?.[1];
  const column = m?.[2];
  if (!kind || !column)
    throw new PalisadeError(
      'USAGE',
      `Unknown query "${text}": use count, sum(col), mean(col), histogram(col) or quantile(col, q).`,
    );
  if (kind === 'median') return { kind: 'quantile', column, q: 0.5 };
  if (kind === 'quantile') {
    const q = Number(m?.[3]);
    if (!(q >= 0 && q <= 1)) throw new PalisadeError('USAGE', 'quantile(col, q) needs 0 ≤ q ≤ 1.');
    return { kind, column, q };
  }
  if (m?.[3] !== undefined) throw new PalisadeError('USAGE', `${kind}(col) takes one column.`);
  return { kind: kind as 'sum' | 'mean' | 'histogram', column };
}

export interface ReleaseOptions extends PrivacyCost {
  readonly query: Query;
  readonly mechanism: MechanismName;
  /** Clamping bounds [L, U]: required for sums, means, quantiles and numeric histograms. */
  readonly bounds?: readonly [number, number];
  /** Public categories of a categorical histogram (never taken from the data: that would leak them). */
  readonly categories?: readonly string[];
  /** Equal-width bins over the bounds for numeric histograms (default 10) and quantiles (default 256). */
  readonly bins?: number;
  /** Column identifying the person a record belongs to; without it every record is its own unit. */
  readonly privacyUnit?: string;
  /** Records kept per privacy unit (contribution bounding); sensitivity scales with it. Default 1. */
  readonly maxContributions?: number;
  readonly format?: DataFormat;
  /** Only tests pass a seeded source; the default is the operating system's CSPRNG. */
  readonly random?: RandomSource;
}

export interface Bin {
  readonly label: string;
  readonly count: number;
}

export interface DpResult {
  readonly query: string;
  readonly mechanism: MechanismName;
  readonly epsilon: number;
  readonly delta: number;
  /** The released value (noisy, post-processed: counts ≥ 0, means inside the bounds). */
  readonly value?: number;
  readonly bins?: readonly Bin[];
  /** Noise scale per released number (b or σ, in the data's units). */
  readonly noiseScale: number;
  readonly maxContributions: number;
}

const MAX_UNITS = 10_000_000;

function describe(query: Query): string {
  if (query.kind === 'count') return 'count';
  if (query.kind === 'quantile') return `quantile(${query.column}, ${query.q})`;
  return `${query.kind}(${query.column})`;
}

/** Checks a release's parameters without reading data, so a mistake is caught before any budget is charged. */
export function validateRelease(path: string, options: ReleaseOptions): void {
  const { query } = options;
  checkCost(options.mechanism, { epsilon: options.epsilon, delta: options.delta });
  const k = options.maxContributions ?? 1;
  if (!Number.isSafeInteger(k) || k < 1)
    throw new PalisadeError('USAGE', 'max contributions must be a whole number ≥ 1.');
  const needsBounds =
    query.kind === 'sum' ||
    query.kind === 'mean' ||
    query.kind === 'quantile' ||
    (query.kind === 'histogram' && !options.categories);
  const bounds = options.bounds;
  if (needsBounds && (!bounds || !(bounds[0] < bounds[1]) || !bounds.every(Number.isFinite)))
    throw new PalisadeError(
      'USAGE',
      `${describe(query)} needs clamping bounds L < U (--bounds L,U), chosen without looking at the data.`,
    );
  const bins = options.bins ?? 1;
  if (!Number.isSafeInteger(bins) || bins < 1 || bins > 100_000)
    throw new PalisadeError('USAGE', 'bins must be 1 … 100000.');
  if (formatOf(path, options.format) === 'text')
    throw new PalisadeError(
      'USAGE',
      'Differential privacy needs a table (CSV, JSON lines or Parquet), not text.',
    );
}

/** Releases one statistic of a dataset under differential privacy, streaming the file once. */
export async function releaseStatistic(path: string, options: ReleaseOptions): Promise<DpResult> {
  validateRelease(path, options);
  const { query, mechanism } = options;
  const cost = { epsilon: options.epsilon, delta: options.delta };
  const k = options.maxContributions ?? 1;
  const random = options.random ?? new CryptoRandom();
  const [lower, upper] = options.bounds ?? [0, 1];
  const binCount = options.bins ?? (query.kind === 'quantile' ? 256 : 10);

  // Values are counted in integer units of a power-of-two granularity, so sums and noise are exact integers.
  const granularity = 2 ** Math.floor(Math.log2((upper - lower) / 2 ** 20));
  const lowQ = BigInt(Math.ceil(lower / granularity));
  const highQ = BigInt(Math.floor(upper / granularity));
  const units = new Map<string, number>();
  let count = 0n;
  let sum = 0n;
  const categories = options.categories ? [...options.categories, '(other)'] : undefined;
  const histogram = new Array<bigint>(categories?.length ?? binCount).fill(0n);
  const column = 'column' in query ? query.column : undefined;

  const take = (unit: string | undefined): boolean => {
    if (options.privacyUnit === undefined) return true;
    const key = unit ?? '';
    const seen = units.get(key) ?? 0;
    if (seen >= k) return false;
    if (seen === 0 && units.size >= MAX_UNITS)
      throw new PalisadeError(
        'LIMIT_EXCEEDED',
        `More than ${MAX_UNITS} privacy units; contribution bounding needs them in memory.`,
      );
    units.set(key, seen + 1);
    return true;
  };
  const addValue = (raw: string | undefined) => {
    if (query.kind === 'count') {
      count++;
      return;
    }
    if (raw === undefined) return;
    if (query.kind === 'histogram' && categories) {
      const i = categories.indexOf(raw.trim());
      const at = i < 0 ? categories.length - 1 : i;
      histogram[at] = (histogram[at] ?? 0n) + 1n;
      return;
    }
    const v = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(v)) return;
    const clamped = Math.min(upper, Math.max(lower, v));
    if (query.kind === 'histogram' || query.kind === 'quantile') {
      const bin = Math.min(binCount - 1, Math.floor(((clamped - lower) / (upper - lower)) * binCount));
      histogram[bin] = (histogram[bin] ?? 0n) + 1n;
      return;
    }
    let q = BigInt(Math.round(clamped / granularity));
    if (q < lowQ) q = lowQ;
    if (q > highQ) q = highQ;
    sum += q;
    count++;
  };

  await readDataset(path, formatOf(path, options.format), {
    row(_row, names, values) {
      let value: string | undefined;
      let unit: string | undefined;
      for (let i = 0; i < names.length; i++) {
        const name = columnOf(names[i] as string).replace(/^\$\./, '');
        if (name === column) value = values[i];
        if (name === options.privacyUnit) unit = values[i];
      }
      if (take(unit)) addValue(value);
    },
    text() {
      throw new PalisadeError(
        'USAGE',
        'Differential privacy needs a table (CSV, JSON lines or Parquet), not text.',
      );
    },
  });

  const kk = BigInt(k);
  const base = {
    query: describe(query),
    mechanism,
    epsilon: cost.epsilon,
    delta: cost.delta,
    maxContributions: k,
  };
  if (query.kind === 'count') {
    const noisy = addNoise(count, mechanism, { l1: kk, l2: kk }, cost, random);
    return { ...base, value: Math.max(0, Number(noisy.value)), noiseScale: noisy.scale };
  }
  if (query.kind === 'histogram' || query.kind === 'quantile') {
    // Disjoint bins: one record changes one bin, so the whole histogram costs one ε (parallel composition).
    const noisy = histogram.map((c) => addNoise(c, mechanism, { l1: kk, l2: kk }, cost, random));
    const counts = noisy.map((n) => Math.max(0, Number(n.value)));
    const scale = noisy[0]?.scale ?? 0;
    if (query.kind === 'quantile')
      return { ...base, value: quantileOf(counts, query.q, lower, upper), noiseScale: scale };
    const width = (upper - lower) / binCount;
    const labels =
      categories ??
      counts.map(
        (_, i) => `[${lower + i * width}, ${lower + (i + 1) * width}${i === binCount - 1 ? ']' : ')'}`,
      );
    return {
      ...base,
      bins: counts.map((c, i) => ({ label: labels[i] as string, count: c })),
      noiseScale: scale,
    };
  }
  const magnitude = (lowQ < 0n ? -lowQ : lowQ) > highQ ? (lowQ < 0n ? -lowQ : lowQ) : highQ;
  const sensitivity = { l1: kk * magnitude, l2: kk * magnitude };
  if (query.kind === 'sum') {
    const noisy = addNoise(sum, mechanism, sensitivity, cost, random);
    return { ...base, value: Number(noisy.value) * granularity, noiseScale: noisy.scale * granularity };
  }
  // Mean: half the budget to the clamped sum, half to the count; the ratio is post-processing.
  const half = { epsilon: cost.epsilon / 2, delta: cost.delta / 2 };
  const noisySum = addNoise(sum, mechanism, sensitivity, half, random);
  const noisyCount = addNoise(count, mechanism, { l1: kk, l2: kk }, half, random);
  const mean = (Number(noisySum.value) * granularity) / Math.max(1, Number(noisyCount.value));
  return { ...base, value: Math.min(upper, Math.max(lower, mean)), noiseScale: noisySum.scale * granularity };
}

/** The q-quantile of a noisy histogram over [lower, upper], interpolated inside its bin. */
function quantileOf(counts: readonly number[], q: number, lower: number, upper: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return lower + q * (upper - lower);
  const width = (upper - lower) / counts.length;
  const target = q * total;
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (cumulative + c >= target && c > 0) return lower + (i + (target - cumulative) / c) * width;
    cumulative += c;
  }
  return upper;
}
