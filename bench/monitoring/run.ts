// Monitoring ingestion benchmark (issue 13): a Palisade server on SQLite (in this process) receives a replayed
// inference stream on loopback from a sender thread — batches of events POSTed by several connections — while the
// detectors (drift sample, PRADA extraction monitor, traffic) run over every event. It prints sustained events/s,
// p50/p99 latency of a batch, and the server's peak RSS, beside a bare Node HTTP server that only reads and
// acknowledges the same batches (the loopback floor of this machine, measured in the same run).
//   node bench/monitoring/run.ts [--seconds 20] [--connections 4] [--batch 500]
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { referenceRows } from '../../packages/server/src/monitoring/test-stream.ts';
import { startHarness } from '../../packages/server/src/test-harness.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '4' },
    batch: { type: 'string', default: '500' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const batch = Number(values.batch);

interface Figures {
  readonly events: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly rejected: number;
}

/** Runs the sender thread against `url` and resolves to its figures. */
function send(url: string, token: string): Promise<Figures> {
  const worker = new Worker(new URL('./sender.ts', import.meta.url), {
    workerData: { url, token, seconds, connections, batch },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function bareFloor(): Promise<Figures> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":1}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const figures = await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, 'none');
  server.close();
  return figures;
}

async function palisade(): Promise<Figures & { rssMb: number; startRssMb: number }> {
  const cleanups: (() => Promise<void>)[] = [];
  const h = await startHarness('sqlite', { after: (fn: () => Promise<void>) => cleanups.push(fn) } as never);
  if (h === undefined) throw new Error('no server');
  const call = async (method: string, path: string, body: unknown) => {
    const reply = await h.call(method, path, { as: h.admin, body });
    if (reply.status >= 300) throw new Error(`${path}: ${reply.status} ${reply.text}`);
    return reply.body as Record<string, string>;
  };
  await call('POST', '/api/v1/projects', { name: 'bench' });
  await call('POST', '/api/v1/projects/bench/models', { name: 'm' });
  const digest = `sha256:${'ab'.repeat(32)}`;
  await call('POST', '/api/v1/projects/bench/models/m/versions/register', { digest });
  const deployment = await call('POST', '/api/v1/projects/bench/deployments', {
    name: 'm-prod',
    model: 'm',
    digest,
    environment: 'prod',
    windowSeconds: 60,
    reference: { rows: referenceRows(2000), prediction: 'prediction' },
  });
  const before = process.memoryUsage().rss;
  let rss = before;
  const sampler = setInterval(() => {
    rss = Math.max(rss, process.memoryUsage().rss);
  }, 250);
  const figures = await send(
    `${h.url}/api/v1/deployments/${deployment.id}/events`,
    deployment.ingestionToken as string,
  );
  clearInterval(sampler);
  for (const cleanup of cleanups) await cleanup();
  return { ...figures, rssMb: rss / 2 ** 20, startRssMb: before / 2 ** 20 };
}

const floor = await bareFloor();
const ours = await palisade();
const rate = (f: Figures) => Math.round(f.events / f.seconds);
console.log(`monitoring ingestion, ${seconds} s, ${connections} connections, batches of ${batch} events`);
console.log(
  `  palisade (SQLite, detectors on): ${rate(ours)} events/s, batch p50 ${ours.p50.toFixed(1)} ms, p99 ${ours.p99.toFixed(1)} ms, ${ours.rejected} batches 429, RSS ${ours.startRssMb.toFixed(0)} MB before, ${ours.rssMb.toFixed(0)} MB peak`,
);
console.log(
  `  bare node:http (read + 202):     ${rate(floor)} events/s, batch p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms`,
);
rmSync(new URL('../.work/monitoring', import.meta.url), { recursive: true, force: true });
