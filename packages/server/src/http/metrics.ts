/** Prometheus text exposition (version 0.0.4) of the server's own counters; no client library needed. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #durations = new Map<string, { buckets: number[]; sum: number; count: number }>();
  readonly #gauges = new Map<string, () => Promise<Record<string, number>> | Record<string, number>>();
  readonly #started = Date.now() / 1000;

  /** `route` is the route template (`/api/v1/projects/{project}`), never the raw path: bounded cardinality. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${label(method)}",route="${label(route)}",status="${status}"`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
    const durationKey = `route="${label(route)}"`;
    let histogram = this.#durations.get(durationKey);
    if (histogram === undefined) {
      histogram = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#durations.set(durationKey, histogram);
    }
    for (const [i, bound] of BUCKETS.entries())
      if (seconds <= bound) histogram.buckets[i] = (histogram.buckets[i] ?? 0) + 1;
    histogram.sum += seconds;
    histogram.count++;
  }

  /** A gauge family read at scrape time, one sample per label value of `labelName`. */
  gauge(name: string, read: () => Promise<Record<string, number>> | Record<string, number>): void {
    this.#gauges.set(name, read);
  }

  async render(): Promise<string> {
    const lines = [
      '# HELP palisade_http_requests_total HTTP requests by method, route and status.',
      '# TYPE palisade_http_requests_total counter',
      ...[...this.#requests].map(([k, v]) => `palisade_http_requests_total{${k}} ${v}`),
      '# HELP palisade_http_request_duration_seconds Time to answer a request.',
      '# TYPE palisade_http_request_duration_seconds histogram',
    ];
    for (const [k, h] of this.#durations) {
      for (const [i, bound] of BUCKETS.entries())
        lines.push(`palisade_http_request_duration_seconds_bucket{${k},le="${bound}"} ${h.buckets[i]}`);
      lines.push(`palisade_http_request_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`);
      lines.push(`palisade_http_request_duration_seconds_sum{${k}} ${h.sum}`);
      lines.push(`palisade_http_request_duration_seconds_count{${k}} ${h.count}`);
    }
    for (const [name, read] of this.#gauges) {
      lines.push(`# TYPE ${name} gauge`);
      for (const [value, n] of Object.entries(await read()))
        lines.push(`${name}{state="${label(value)}"} ${n}`);
    }
    const memory = process.memoryUsage();
    lines.push(
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${memory.rss}`,
      '# TYPE process_start_time_seconds gauge',
      `process_start_time_seconds ${this.#started}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
