import { PalisadeError } from '@palisade/core';
import { shapiroWilk } from './shapiro-wilk.ts';

/**
 * Model-extraction monitoring in the manner of PRADA (Juuti et al., 2019): per client, every new query's
 * minimum L2 distance to that client's earlier queries of the same predicted class is recorded; natural
 * queries give distances that look normally distributed, while the synthetic queries of extraction attacks
 * (small perturbations of a few seeds, then far jumps) do not. A client is flagged when the Shapiro–Wilk W of
 * its recent distances falls below δ. Memory is bounded per client and in the number of clients.
 */

export interface ExtractionOptions {
  /** W below this flags the client (0.95 in public re-implementations; tune per model and traffic). */
  readonly delta: number;
  /** Distances needed before a client is judged. */
  readonly minQueries: number;
  /** Most recent distances kept per client (the test runs on these). */
  readonly window: number;
  /** Most queries kept per class in a client's growing set. */
  readonly maxGrowingSet: number;
  /** Most clients tracked; the least recently seen is forgotten first. */
  readonly maxClients: number;
  /**
   * `observe` re-runs the Shapiro–Wilk test once this many new distances have arrived (the test sorts the whole
   * window: per query it would dominate a busy server). `verdict` always tests afresh.
   */
  readonly testEvery: number;
}

export const DEFAULT_EXTRACTION_OPTIONS: ExtractionOptions = {
  delta: 0.95,
  minQueries: 100,
  window: 1000,
  maxGrowingSet: 1000,
  maxClients: 10_000,
  testEvery: 10,
};

export interface ClientVerdict {
  readonly client: string;
  readonly queries: number;
  /** Shapiro–Wilk W of the recent distances, when there are enough. */
  readonly w: number | undefined;
  readonly flagged: boolean;
  /** Queries per second since the client's first query. */
  readonly rate: number;
}

interface ClientState {
  queries: number;
  firstSeen: number;
  readonly growing: Map<number, Float32Array[]>;
  readonly thresholdStats: Map<number, { n: number; mean: number; m2: number }>;
  readonly distances: number[];
  /** Distances recorded at the last test, and its W. */
  testedAt: number;
  w: number | undefined;
  recorded: number;
}

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(s);
}

export class ExtractionMonitor {
  readonly #o: ExtractionOptions;
  readonly #clients = new Map<string, ClientState>();

  constructor(options: Partial<ExtractionOptions> = {}) {
    this.#o = { ...DEFAULT_EXTRACTION_OPTIONS, ...options };
    if (this.#o.minQueries < 3) throw new PalisadeError('USAGE', 'minQueries must be at least 3');
  }

  /** Records one query (its input features and the class the model predicted) and returns the client's verdict. */
  observe(client: string, input: ArrayLike<number>, predictedClass: number, now = Date.now()): ClientVerdict {
    let state = this.#clients.get(client);
    if (state) this.#clients.delete(client);
    else {
      state = {
        queries: 0,
        firstSeen: now,
        growing: new Map(),
        thresholdStats: new Map(),
        distances: [],
        testedAt: 0,
        w: undefined,
        recorded: 0,
      };
      if (this.#clients.size >= this.#o.maxClients)
        this.#clients.delete(this.#clients.keys().next().value as string);
    }
    this.#clients.set(client, state); // most recently seen last
    state.queries++;
    const x = Float32Array.from(input);
    const set = state.growing.get(predictedClass) ?? [];
    state.growing.set(predictedClass, set);
    if (set.length === 0) set.push(x);
    else {
      let min = Number.POSITIVE_INFINITY;
      for (const g of set) min = Math.min(min, distance(x, g));
      state.distances.push(min);
      state.recorded++;
      if (state.distances.length > this.#o.window) state.distances.shift();
      // Welford's running mean and variance of this class's distances give PRADA's threshold T = mean − std.
      const t = state.thresholdStats.get(predictedClass) ?? { n: 0, mean: 0, m2: 0 };
      t.n++;
      const delta = min - t.mean;
      t.mean += delta / t.n;
      t.m2 += delta * (min - t.mean);
      state.thresholdStats.set(predictedClass, t);
      const std = t.n > 1 ? Math.sqrt(t.m2 / (t.n - 1)) : 0;
      if (min > t.mean - std) {
        set.push(x);
        if (set.length > this.#o.maxGrowingSet) set.shift();
      }
    }
    return this.#verdict(client, state, now, state.recorded - state.testedAt >= this.#o.testEvery);
  }

  verdict(client: string, now = Date.now()): ClientVerdict | undefined {
    const state = this.#clients.get(client);
    return state ? this.#verdict(client, state, now, true) : undefined;
  }

  #verdict(client: string, state: ClientState, now: number, retest: boolean): ClientVerdict {
    const enough = state.distances.length >= this.#o.minQueries;
    if (enough && (retest || state.w === undefined)) {
      state.w = shapiroWilk(state.distances);
      state.testedAt = state.recorded;
    }
    const w = enough ? state.w : undefined;
    const seconds = Math.max(1e-3, (now - state.firstSeen) / 1000);
    return {
      client,
      queries: state.queries,
      w,
      // A constant distance series (NaN W) is as unnatural as it gets.
      flagged: enough && (w === undefined || Number.isNaN(w) || w < this.#o.delta),
      rate: state.queries / seconds,
    };
  }
}

/**
 * Chooses δ for a model from natural traffic: simulates honest clients that each ask `queries` distinct random
 * rows of the reference data and returns the `quantile` of their W (a false-alarm rate of about that quantile).
 */
export function calibrateDelta(
  rows: Float32Array,
  classes: ArrayLike<number>,
  options: { clients?: number; queries?: number; quantile?: number; random?: () => number } = {},
): number {
  const count = classes.length;
  const size = rows.length / count;
  if (!Number.isInteger(size) || count < 10)
    throw new PalisadeError('INPUT_INVALID', 'calibration needs at least 10 reference rows');
  const random = options.random ?? Math.random;
  const queries = Math.min(options.queries ?? 300, count);
  const ws: number[] = [];
  for (let c = 0; c < (options.clients ?? 30); c++) {
    // Only the final W matters here: test once, at the end.
    const monitor = new ExtractionMonitor({
      delta: 0,
      minQueries: 3,
      window: queries,
      testEvery: Number.POSITIVE_INFINITY,
    });
    const order = [...Array(count).keys()];
    for (let q = 0; q < queries; q++) {
      // A partial Fisher–Yates shuffle: distinct rows in random order.
      const pick = q + Math.floor(random() * (count - q));
      [order[q], order[pick]] = [order[pick] as number, order[q] as number];
      const i = order[q] as number;
      monitor.observe('reference', rows.subarray(i * size, (i + 1) * size), classes[i] as number, 0);
    }
    const verdict = monitor.verdict('reference', 0);
    if (verdict?.w !== undefined && !Number.isNaN(verdict.w)) ws.push(verdict.w);
  }
  ws.sort((a, b) => a - b);
  return ws[Math.floor((options.quantile ?? 0.01) * (ws.length - 1))] ?? DEFAULT_EXTRACTION_OPTIONS.delta;
}
