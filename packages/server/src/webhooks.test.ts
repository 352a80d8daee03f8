import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { test } from 'node:test';
import { serverTest } from './test-harness.ts';
import { signWebhook, verifyWebhook } from './webhooks/signature.ts';

const CORPUS = resolve(import.meta.dirname, '../../../../shared/corpus');

interface Received {
  readonly event: string;
  readonly body: string;
  readonly timestamp: string;
  readonly signature: string;
}

/** A receiver on loopback that fails its first request (500) and records the rest. */
async function receiver(t: { after: (fn: () => Promise<void>) => void }) {
  const received: Received[] = [];
  let first = true;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (first) {
        first = false;
        res.writeHead(500).end();
        return;
      }
      received.push({
        event: String(req.headers['x-palisade-event']),
        body,
        timestamp: String(req.headers['x-palisade-timestamp']),
        signature: String(req.headers['x-palisade-signature']),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

serverTest(
  'HMAC-signed webhooks for scan completed, gate denied and alias moved, retried after a failure',
  async (h, t) => {
    const hook = await receiver(t);
    const refused = await h.call('POST', '/api/v1/webhooks', {
      as: h.admin,
      body: { url: 'http://example.com/hook', events: ['alias.moved'] },
    });
    assert.equal(refused.status, 400, 'plain http only to loopback');
    const created = await h.call('POST', '/api/v1/webhooks', {
      as: h.admin,
      body: { url: hook.url, events: ['scan.completed', 'gate.denied', 'alias.moved'] },
    });
    assert.equal(created.status, 201);
    const { secret, id } = created.body as { secret: string; id: string };
    assert.match(secret, /^whsec_/);
    assert.equal((await h.call('GET', '/api/v1/webhooks', { as: h.admin })).text.includes(secret), false);

    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'p' } });
    await h.call('POST', '/api/v1/projects/p/models', { as: h.admin, body: { name: 'm' } });
    const digests: string[] = [];
    for (const sample of [
      'peers/picklescan/tests/data/malicious0.pkl',
      'peers/picklescan/tests/data/benign0_v4.pkl',
    ]) {
      const data = new FormData();
      data.append('file', new Blob([readFileSync(join(CORPUS, sample))]), basename(sample));
      digests.push(
        (
          (await h.call('POST', '/api/v1/projects/p/models/m/versions', { as: h.admin, body: data }))
            .body as { digest: string }
        ).digest,
      );
    }
    for (let i = 0; i < 400 && hook.received.filter((r) => r.event === 'scan.completed').length < 2; i++) {
      h.advance(1000); // the server's clock: retries fall due
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(
      (
        await h.call('PUT', '/api/v1/projects/p/models/m/aliases/prod', {
          as: h.admin,
          body: { digest: digests[0] },
        })
      ).status,
      409,
    );
    assert.equal(
      (
        await h.call('PUT', '/api/v1/projects/p/models/m/aliases/prod', {
          as: h.admin,
          body: { digest: digests[1] },
        })
      ).status,
      200,
    );
    for (let i = 0; i < 400 && hook.received.length < 4; i++) {
      h.advance(1000);
      await new Promise((r) => setTimeout(r, 25));
    }

    assert.deepEqual(hook.received.map((r) => r.event).sort(), [
      'alias.moved',
      'gate.denied',
      'scan.completed',
      'scan.completed',
    ]);
    for (const r of hook.received) {
      assert.equal(
        verifyWebhook(secret, r.timestamp, r.body, r.signature, Math.floor(Date.now() / 1000)),
        true,
      );
      assert.equal(
        verifyWebhook(secret, r.timestamp, `${r.body} `, r.signature, Math.floor(Date.now() / 1000)),
        false,
      );
    }
    const denied = JSON.parse(hook.received.find((r) => r.event === 'gate.denied')?.body ?? '{}') as {
      data: { alias: string; digest: string };
    };
    assert.deepEqual([denied.data.alias, denied.data.digest], ['prod', digests[0]]);
    const deliveries = await h.server.app.services.webhooks.deliveries(id);
    assert.ok(
      deliveries.some((d) => d.attempts === 2 && d.state === 'delivered'),
      'the failed first delivery was retried',
    );
  },
  ['sqlite'],
  { webhooks: { retryBaseMs: 20, pollMs: 20 } },
);

test('webhook signatures: HMAC-SHA-256 over timestamp.body, refused outside the replay window', () => {
  const signature = signWebhook('whsec_x', 1_700_000_000, '{"a":1}');
  assert.match(signature, /^sha256=[0-9a-f]{64}$/);
  assert.equal(verifyWebhook('whsec_x', '1700000000', '{"a":1}', signature, 1_700_000_100), true);
  assert.equal(
    verifyWebhook('whsec_x', '1700000000', '{"a":1}', signature, 1_700_000_301),
    false,
    'replayed late',
  );
  assert.equal(
    verifyWebhook('whsec_y', '1700000000', '{"a":1}', signature, 1_700_000_000),
    false,
    'other secret',
  );
});
