import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { EventSender } from './event-sender.ts';

async function fakeServer(t: { after: (fn: () => Promise<void>) => void }, answers: number[]) {
  const seen: { batchId: string; events: number; auth: string | undefined }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const parsed = JSON.parse(body) as { batchId: string; events: unknown[] };
      seen.push({ batchId: parsed.batchId, events: parsed.events.length, auth: req.headers.authorization });
      const status = answers.shift() ?? 202;
      res
        .writeHead(status, status === 429 ? { 'retry-after': '2' } : {})
        .end(
          status === 400 ? JSON.stringify({ detail: 'events[0].time: must be epoch milliseconds' }) : '{}',
        );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const event = { time: 1, caller: 'c', features: { x: 1 }, prediction: 0 };

test('batches events and resends a refused batch with the same id after Retry-After', async (t) => {
  const { url, seen } = await fakeServer(t, [429, 503]);
  const waits: number[] = [];
  const sender = new EventSender({
    server: url,
    deployment: 'd1',
    token: 'pdi_x',
    batchSize: 3,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  for (let i = 0; i < 4; i++) await sender.add(event);
  await sender.flush();
  assert.deepEqual(
    seen.map((s) => s.events),
    [3, 3, 3, 1],
  );
  assert.equal(new Set(seen.slice(0, 3).map((s) => s.batchId)).size, 1, 'one batch id across its retries');
  assert.notEqual(seen[3]?.batchId, seen[0]?.batchId);
  assert.deepEqual(waits, [2000, 2000]);
  assert.equal(seen[0]?.auth, 'Bearer pdi_x');
});

test('a refusal to fix is thrown with the server’s reason, and retries are bounded', async (t) => {
  const { url } = await fakeServer(t, [400, 500, 500]);
  const sleep = async () => {};
  const bad = new EventSender({ server: url, deployment: 'd1', token: 'pdi_x', sleep });
  await bad.add(event);
  await assert.rejects(bad.flush(), /refused batch .* \(400\): events\[0\]\.time/);
  const busy = new EventSender({ server: url, deployment: 'd1', token: 'pdi_x', attempts: 2, sleep });
  await busy.add(event);
  await assert.rejects(busy.flush(), /not accepted after 2 attempts/);
});
