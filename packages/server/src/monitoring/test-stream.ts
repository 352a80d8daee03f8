/**
 * Test and benchmark support: a recorded inference stream, generated from a fixed seed so that every replay is
 * the same. Three numeric features and one categorical, a linear classifier's prediction, honest callers asking
 * for natural inputs, and optionally feature drift from `driftAt` and a PRADA-style extraction attack (small
 * perturbations of a few seeds, then a far jump) by caller `attacker` from `attackAt`.
 */
export interface StreamOptions {
  readonly start: number;
  readonly windows: number;
  readonly windowMs: number;
  /** Honest events per second. */
  readonly rate: number;
  readonly driftAt?: number;
  readonly attackAt?: number;
  readonly seed?: number;
}

export interface StreamEvent {
  readonly time: number;
  readonly caller: string;
  readonly features: Record<string, number | string>;
  readonly prediction: number;
}

function generator(seed: number) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

const SEGMENTS = ['retail', 'retail', 'business', 'private'];

function predict(x: readonly number[]): number {
  return (x[0] as number) + 0.5 * (x[1] as number) - 0.25 * (x[2] as number) > 0 ? 1 : 0;
}

function row(x: readonly number[], segment: string) {
  return { amount: x[0] as number, age: x[1] as number, score: x[2] as number, segment };
}

/** Reference rows (features and the model's prediction) from the same generator as the honest traffic. */
export function referenceRows(count: number, seed = 7): Record<string, number | string>[] {
  const g = generator(seed);
  return Array.from({ length: count }, () => {
    const x = [g.normal(), g.normal(), g.normal()];
    return { ...row(x, SEGMENTS[Math.floor(g.uniform() * 4)] as string), prediction: predict(x) };
  });
}

export function recordedStream(options: StreamOptions): StreamEvent[] {
  const g = generator(options.seed ?? 11);
  const end = options.start + options.windows * options.windowMs;
  const events: StreamEvent[] = [];
  const step = 1000 / options.rate;
  for (let t = options.start; t < end; t += step) {
    const drifted = options.driftAt !== undefined && t >= options.driftAt;
    const x = [g.normal(), g.normal(), g.normal()].map((v, i) => (drifted && i < 2 ? v * 1.5 + 1.2 : v));
    events.push({
      time: Math.floor(t),
      caller: `client-${Math.floor(g.uniform() * 20)}`,
      features: row(x, SEGMENTS[Math.floor(g.uniform() * 4)] as string),
      prediction: predict(x),
    });
  }
  if (options.attackAt !== undefined) {
    // 3 queries per second: a handful of seeds, each probed by tiny perturbations (synthetic queries).
    const seeds = Array.from({ length: 4 }, () => [g.normal(), g.normal(), g.normal()]);
    let n = 0;
    for (let t = options.attackAt; t < end; t += 333, n++) {
      const seed = seeds[Math.floor(n / 25) % seeds.length] as number[];
      const x = seed.map((v) => v + g.normal() * 0.01);
      events.push({ time: t, caller: 'attacker', features: row(x, 'retail'), prediction: predict(x) });
    }
  }
  return events.sort((a, b) => a.time - b.time);
}
