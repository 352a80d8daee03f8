import { calibrateDelta, ExtractionMonitor, scanPrompt } from '@palisade/adversarial';
import { type Column, driftReport, type Table, twoProportionZTest } from '@palisade/trust';
import type { InferenceEvent } from './events.ts';
import type { Reference } from './reference.ts';

/** One detector's verdict over one window, as stored and as alert rules read it. */
export interface DetectorOutput {
  readonly detector: 'drift' | 'extraction' | 'traffic' | 'prompt-injection' | 'performance';
  readonly windowStart: number;
  /** drift: share of drifted features; extraction: flagged callers; traffic: |z| of the volume; prompt-injection: share of prompts flagged. */
  readonly score: number;
  readonly fired: boolean;
  /** Whom the output is about: the deployment (`*`) or, for extraction, each flagged caller. */
  readonly subjects: readonly string[];
  readonly output: Readonly<Record<string, unknown>>;
}

export interface DetectorSettings {
  /** Rows kept per window for the drift test (reservoir sample): memory is bounded whatever the volume. */
  readonly sampleRows: number;
  /** Fewer rows than this in a window: no drift verdict. */
  readonly minDriftRows: number;
  /** Windows of history before traffic is judged, and the |z| that fires. */
  readonly trafficWarmup: number;
  readonly trafficZ: number;
  /** Error share that fires the traffic detector (with at least 20 events in the window). */
  readonly errorRate: number;
}

export const DEFAULT_DETECTOR_SETTINGS: DetectorSettings = {
  sampleRows: 1000,
  minDriftRows: 50,
  trafficWarmup: 5,
  trafficZ: 6,
  errorRate: 0.2,
};

const MAX_FLAGGED_PER_WINDOW = 100;
const EXTRACTION_MIN_QUERIES = 100;
const DELTA_MARGIN = 0.9;
const MIN_LABELLED = 30;
const ACCURACY_DROP = 0.05;
const PERFORMANCE_P = 0.01;

/** A small deterministic PRNG (mulberry32): replays give the same samples. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Window {
  start: number;
  events: number;
  errors: number;
  /** Reservoir sample of feature rows (Vitter's algorithm R). */
  readonly sample: (Readonly<Record<string, number | string>> | undefined)[];
  readonly flagged: Map<string, { w: number | undefined; queries: number }>;
  prompts: number;
  /** Injection attempts per caller (at most MAX_FLAGGED_PER_WINDOW callers named). */
  readonly injections: Map<string, number>;
  injectionCount: number;
  labelled: number;
  correct: number;
}

/**
 * The detectors of one deployment over tumbling event-time windows. State is bounded: one window's reservoir
 * sample, the extraction monitor's bounded per-client state, and a few running traffic statistics.
 */
export class DeploymentDetectors {
  readonly #reference: Reference;
  readonly #windowMs: number;
  readonly #settings: DetectorSettings;
  readonly #extraction: ExtractionMonitor | undefined;
  readonly #classes = new Map<string, number>();
  readonly #random = seeded(0x5eed);
  #window: Window | undefined;
  /** Welford statistics of past window volumes. */
  #volume = { n: 0, mean: 0, m2: 0 };

  constructor(reference: Reference, windowMs: number, settings: Partial<DetectorSettings> = {}) {
    this.#reference = reference;
    this.#windowMs = windowMs;
    this.#settings = { ...DEFAULT_DETECTOR_SETTINGS, ...settings };
    this.#extraction = this.#buildExtraction();
  }

  /** PRADA needs a predicted class and numeric inputs; δ is calibrated on the reference. */
  #buildExtraction(): ExtractionMonitor | undefined {
    const predictions = this.#reference.predictions;
    if (predictions === undefined || this.#reference.numeric.length === 0) return undefined;
    const width = this.#reference.numeric.length;
    const rows = new Float32Array(predictions.length * width);
    const columns = this.#reference.numeric.map(
      (n) => this.#reference.table.columns.find((c) => c.name === n.name) as Column,
    );
    for (let i = 0; i < predictions.length; i++) {
      columns.forEach((c, j) => {
        const scale = this.#reference.numeric[j] as { mean: number; std: number };
        const v = c.kind === 'numeric' ? (c.values[i] as number) : Number.NaN;
        rows[i * width + j] = Number.isNaN(v) ? 0 : (v - scale.mean) / scale.std;
      });
    }
    const classes = Int32Array.from(predictions, (p) => this.#classOf(p));
    // The verdict is re-checked after every query, so one honest client is tested many times: δ is set below
    // the lowest W of 100 simulated honest clients at the fewest queries judged (widest spread), with a margin.
    const lowest = calibrateDelta(rows, classes, {
      clients: 100,
      queries: EXTRACTION_MIN_QUERIES,
      quantile: 0,
      random: seeded(0xca1b),
    });
    // Shapiro–Wilk runs on every query over the kept distances: 300 of them (and as many queries per class in
    // a client's growing set) keep the cost per event flat while still judging a client on minutes of traffic.
    return new ExtractionMonitor({
      delta: lowest * DELTA_MARGIN,
      minQueries: EXTRACTION_MIN_QUERIES,
      window: 300,
      maxGrowingSet: 300,
    });
  }

  #classOf(prediction: number | string | null): number {
    if (typeof prediction === 'number') return Math.round(prediction);
    const label = prediction ?? '';
    let code = this.#classes.get(label);
    if (code === undefined) {
      // Unbounded label sets share one class past 1000: the class only groups queries for PRADA.
      code = Math.min(this.#classes.size, 1000);
      if (this.#classes.size < 1000) this.#classes.set(label, code);
    }
    return code;
  }

  #vector(event: InferenceEvent): Float32Array {
    return Float32Array.from(this.#reference.numeric, (n) => {
      const v = event.features[n.name];
      return typeof v === 'number' ? (v - n.mean) / n.std : 0;
    });
  }

  /** Feeds one event; returns the outputs of the windows it closed (none most of the time). */
  observe(event: InferenceEvent): DetectorOutput[] {
    const start = Math.floor(event.time / this.#windowMs) * this.#windowMs;
    const closed: DetectorOutput[] = [];
    if (this.#window === undefined) this.#window = this.#open(start);
    else if (start > this.#window.start) {
      closed.push(...this.#close(this.#window));
      this.#window = this.#open(start);
    }
    // A late event (earlier than the open window) counts in the open window.
    const window = this.#window;
    window.events++;
    if (event.error) window.errors++;
    const k = this.#settings.sampleRows;
    if (window.sample.length < k) window.sample.push(event.features);
    else {
      const j = Math.floor(this.#random() * window.events);
      if (j < k) window.sample[j] = event.features;
    }
    if (event.label !== undefined && event.prediction !== null) {
      window.labelled++;
      if (String(event.label) === String(event.prediction)) window.correct++;
    }
    if (event.prompt !== undefined) {
      window.prompts++;
      if (scanPrompt(event.prompt).injection) {
        window.injectionCount++;
        const seen = window.injections.get(event.caller);
        if (seen !== undefined || window.injections.size < MAX_FLAGGED_PER_WINDOW)
          window.injections.set(event.caller, (seen ?? 0) + 1);
      }
    }
    if (this.#extraction !== undefined && event.prediction !== null && !event.error) {
      const verdict = this.#extraction.observe(
        event.caller,
        this.#vector(event),
        this.#classOf(event.prediction),
        event.time,
      );
      if (
        verdict.flagged &&
        (window.flagged.has(event.caller) || window.flagged.size < MAX_FLAGGED_PER_WINDOW)
      )
        window.flagged.set(event.caller, { w: verdict.w, queries: verdict.queries });
    }
    return closed;
  }

  /** Closes the open window (at the end of a replay, or when the clock passes its end). */
  flush(): DetectorOutput[] {
    const window = this.#window;
    this.#window = undefined;
    return window === undefined ? [] : this.#close(window);
  }

  /** The start of the open window, if any. */
  openWindowStart(): number | undefined {
    return this.#window?.start;
  }

  #open(start: number): Window {
    return {
      start,
      events: 0,
      errors: 0,
      sample: [],
      flagged: new Map(),
      prompts: 0,
      injections: new Map(),
      injectionCount: 0,
      labelled: 0,
      correct: 0,
    };
  }

  #close(window: Window): DetectorOutput[] {
    const outputs: DetectorOutput[] = [this.#traffic(window)];
    const drift = this.#drift(window);
    if (drift !== undefined) outputs.push(drift);
    const performance = this.#performance(window);
    if (performance !== undefined) outputs.push(performance);
    if (window.prompts > 0) {
      outputs.push({
        detector: 'prompt-injection',
        windowStart: window.start,
        score: window.injectionCount / window.prompts,
        fired: window.injectionCount > 0,
        subjects: [...window.injections.keys()],
        output: {
          prompts: window.prompts,
          injections: window.injectionCount,
          callers: [...window.injections].map(([caller, count]) => ({ caller, count })),
        },
      });
    }
    if (this.#extraction !== undefined) {
      const callers = [...window.flagged.entries()].map(([caller, v]) => ({ caller, ...v }));
      outputs.push({
        detector: 'extraction',
        windowStart: window.start,
        score: callers.length,
        fired: callers.length > 0,
        subjects: callers.map((c) => c.caller),
        output: { callers },
      });
    }
    return outputs;
  }

  #drift(window: Window): DetectorOutput | undefined {
    const rows = window.sample.filter((r) => r !== undefined);
    if (rows.length < this.#settings.minDriftRows) return undefined;
    const columns: Column[] = this.#reference.features.map((name) => {
      const ref = this.#reference.table.columns.find((c) => c.name === name) as Column;
      if (ref.kind === 'numeric')
        return {
          name,
          kind: 'numeric',
          values: Float64Array.from(rows, (r) => (typeof r[name] === 'number' ? r[name] : Number.NaN)),
        };
      const categories = [...ref.categories];
      const codes = Int32Array.from(rows, (r) => {
        const v = r[name];
        if (v === undefined) return -1;
        const label = String(v);
        let code = categories.indexOf(label);
        if (code < 0 && categories.length < 2000) code = categories.push(label) - 1;
        return code;
      });
      return { name, kind: 'categorical', codes, categories };
    });
    const current: Table = { rowCount: rows.length, columns, skipped: [] };
    let report: ReturnType<typeof driftReport>;
    try {
      report = driftReport(this.#reference.table, current, { columns: this.#reference.features });
    } catch (error) {
      // Data the tests cannot compare (a feature missing from every event) must not stop the other detectors.
      return {
        detector: 'drift',
        windowStart: window.start,
        score: 0,
        fired: false,
        subjects: ['*'],
        output: { rows: rows.length, error: (error as Error).message },
      };
    }
    return {
      detector: 'drift',
      windowStart: window.start,
      score: report.shareOfDriftedColumns,
      fired: report.datasetDrift,
      subjects: ['*'],
      output: {
        rows: rows.length,
        driftedColumns: report.driftedColumns,
        skipped: report.skipped,
        columns: report.columns.map((c) => ({
          column: c.column,
          test: c.test,
          statistic: c.statistic,
          ...(c.pValue !== undefined ? { pValue: c.pValue } : {}),
          drift: c.drift,
        })),
      },
    };
  }

  /** Accuracy on the window's labelled events against the reference's: a significant drop of 5 points or more. */
  #performance(window: Window): DetectorOutput | undefined {
    const reference = this.#reference.accuracy;
    if (reference === undefined || window.labelled < MIN_LABELLED) return undefined;
    const accuracy = window.correct / window.labelled;
    const baseline = reference.correct / reference.rows;
    const { pValue } = twoProportionZTest(window.correct, window.labelled, reference.correct, reference.rows);
    return {
      detector: 'performance',
      windowStart: window.start,
      score: baseline - accuracy,
      fired: accuracy <= baseline - ACCURACY_DROP && pValue < PERFORMANCE_P,
      subjects: ['*'],
      output: { accuracy, referenceAccuracy: baseline, labelled: window.labelled, pValue },
    };
  }

  #traffic(window: Window): DetectorOutput {
    const v = this.#volume;
    const std = v.n > 1 ? Math.sqrt(v.m2 / (v.n - 1)) : 0;
    // Poisson floor: steady traffic has a spread of at least √mean.
    const spread = Math.max(std, Math.sqrt(Math.max(v.mean, 1)));
    const z = v.n === 0 ? 0 : (window.events - v.mean) / spread;
    const errorRate = window.events === 0 ? 0 : window.errors / window.events;
    const volumeAnomaly = v.n >= this.#settings.trafficWarmup && Math.abs(z) > this.#settings.trafficZ;
    const errorAnomaly = window.events >= 20 && errorRate > this.#settings.errorRate;
    if (!volumeAnomaly) {
      v.n++;
      const d = window.events - v.mean;
      v.mean += d / v.n;
      v.m2 += d * (window.events - v.mean);
    }
    return {
      detector: 'traffic',
      windowStart: window.start,
      score: Math.abs(z),
      fired: volumeAnomaly || errorAnomaly,
      subjects: ['*'],
      output: { events: window.events, errors: window.errors, errorRate, z, expected: v.mean },
    };
  }
}
