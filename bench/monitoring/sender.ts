// The sender thread of bench/monitoring/run.ts: `connections` loops POST batches of a replayed stream (event time
// advancing with the stream, one simulated second per 50 events) and record each batch's latency.
import { parentPort, workerData } from 'node:worker_threads';
import { recordedStream } from '../../packages/server/src/monitoring/test-stream.ts';

const { url, token, seconds, connections, batch } = workerData as {
  url: string;
  token: string;
  seconds: number;
  connections: number;
  batch: number;
};
const WINDOW = 60_000;
// Twenty windows of a 50 events/s stream (60,000 events), re-timed for each batch so that windows keep closing.
const template = recordedStream({ start: 0, windows: 20, windowMs: WINDOW, rate: 50 });
const latencies: number[] = [];
let events = 0;
let rejected = 0;
let sequence = 0;
const started = performance.now();
const deadline = started + seconds * 1000;

function nextBatch(): string {
  const n = sequence++;
  const base = Date.UTC(2026, 0, 1) + Math.floor((n * batch) / 50) * 1000;
  const rows = Array.from({ length: batch }, (_, i) => {
    const e = template[(n * batch + i) % template.length] as (typeof template)[number];
    return { ...e, time: base + Math.floor((i * 1000) / batch) };
  });
  return JSON.stringify({ batchId: `b${n}`, events: rows });
}

async function loop(): Promise<void> {
  while (performance.now() < deadline) {
    const body = nextBatch();
    const t0 = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    await response.arrayBuffer();
    if (response.status === 429) {
      rejected++;
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
    latencies.push(performance.now() - t0);
    events += batch;
  }
}

await Promise.all(Array.from({ length: connections }, loop));
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
parentPort?.postMessage({
  events,
  seconds: (performance.now() - started) / 1000,
  p50: at(0.5),
  p99: at(0.99),
  rejected,
});
