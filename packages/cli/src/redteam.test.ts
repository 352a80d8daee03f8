import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { captureIo } from '@palisade/testing';
import { main } from './main.ts';

/** Echoes its system prompt when asked for its instructions; refuses everything else. */
async function leakyServer(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const { messages } = JSON.parse(body);
      const last = messages.at(-1).content as string;
      const content = /system prompt|your (?:initial )?instructions/i.test(last)
        ? messages[0].content
        : 'Sorry, I cannot help with that.';
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: [{ message: { content } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

test('palisade redteam exits 1 and names the leaking probe; 0 when the probes asked for pass', async (t) => {
  const stub = await leakyServer();
  t.after(stub.close);
  const leak = captureIo();
  assert.equal(
    await main(
      ['redteam', '--endpoint', stub.url, '--probes', 'system-prompt-leak', '-f', 'json', '-q'],
      leak.io,
    ),
    1,
  );
  const report = JSON.parse(leak.out());
  assert.ok(report.failures.length > 0);
  assert.ok(report.failures.every((f: { family: string }) => f.family === 'system-prompt-leak'));

  const safe = captureIo();
  assert.equal(
    await main(['redteam', '--endpoint', stub.url, '--probes', 'jailbreak,harmful-content', '-q'], safe.io),
    0,
    safe.err(),
  );
  assert.match(safe.out(), /No probe succeeded/);
});

test('palisade redteam: bad usage and an unreachable endpoint exit 2 with a reason', async () => {
  const cases: [string[], RegExp][] = [
    [['redteam'], /needs --endpoint/],
    [['redteam', '--endpoint', 'ftp://x'], /http:\/\/ or https:\/\//],
    [['redteam', '--endpoint', 'http://127.0.0.1:9', '--probes', 'telepathy'], /choose from/],
    [['redteam', '--endpoint', 'http://127.0.0.1:9', '--probes', 'encoding', '-q'], /no probe got an answer/],
  ];
  for (const [args, message] of cases) {
    const run = captureIo();
    assert.equal(await main(args, run.io), 2, args.join(' '));
    assert.match(run.err(), message);
  }
});
