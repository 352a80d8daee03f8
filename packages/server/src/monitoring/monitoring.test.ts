import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Harness, serverTest } from '../test-harness.ts';
import { verifyWebhook } from '../webhooks/signature.ts';
import { monitoringOf } from './monitoring.ts';
import { recordedStream, referenceRows, type StreamEvent } from './test-stream.ts';

const START = Date.UTC(2026, 0, 1);
const WINDOW = 60_000;
const DRIFT_WINDOW = 6;
const ATTACK_WINDOW = 8;
const WEIGHTS = new TextEncoder().encode('weights of the fraud model');
const DIGEST = `sha256:${createHash('sha256').update(WEIGHTS).digest('hex')}`;

interface Received {
  readonly event: string;
  readonly body: string;
  readonly timestamp: string;
  readonly signature: string;
}

async function receiver(t: { after: (fn: () => Promise<void>) => void }) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
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

/** A scanned model version carrying `prod`, deployed with a reference dataset. */
async function deploy(h: Harness): Promise<{ id: string; token: string }> {
  await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'alpha' } });
  await h.call('POST', '/api/v1/projects/alpha/models', { as: h.admin, body: { name: 'fraud' } });
  const form = new FormData();
  form.append('file', new Blob([WEIGHTS]), 'fraud.bin');
  const upload = await h.call('POST', '/api/v1/projects/alpha/models/fraud/versions', {
    as: h.admin,
    body: form,
  });
  assert.equal(upload.status, 201, upload.text);
  for (let i = 0; ; i++) {
    const move = await h.call('PUT', '/api/v1/projects/alpha/models/fraud/aliases/prod', {
      as: h.admin,
      body: { digest: DIGEST },
    });
    if (move.status === 200) break;
    if (i > 400) assert.fail(`prod alias: ${move.text}`);
    await new Promise((r) => setTimeout(r, 25)); // the ingest scan runs first
  }
  const created = await h.call('POST', '/api/v1/projects/alpha/deployments', {
    as: h.admin,
    body: {
      name: 'fraud-prod',
      model: 'fraud',
      digest: DIGEST,
      environment: 'prod',
      windowSeconds: WINDOW / 1000,
      reference: { rows: referenceRows(1000), prediction: 'prediction' },
    },
  });
  assert.equal(created.status, 201, created.text);
  const body = created.body as { id: string; ingestionToken: string };
  return { id: body.id, token: body.ingestionToken };
}

/** Sends the stream in batches (JSON, the last one as NDJSON), then closes the last window. */
async function replay(h: Harness, id: string, token: string, events: readonly StreamEvent[]): Promise<void> {
  const size = 800;
  for (let i = 0; i < events.length; i += size) {
    const chunk = events.slice(i, i + size);
    const last = i + size >= events.length;
    const reply = await h.call('POST', `/api/v1/deployments/${id}/events`, {
      as: { token },
      ...(last
        ? {
            headers: { 'content-type': 'application/x-ndjson', 'x-palisade-batch-id': `b${i}` },
            body: chunk.map((e) => JSON.stringify(e)).join('\n'),
          }
        : { body: { batchId: `b${i}`, events: chunk } }),
    });
    assert.equal(reply.status, 202, reply.text);
  }
  assert.equal((await h.call('POST', `/api/v1/deployments/${id}/flush`, { as: { token } })).status, 204);
}

type Alert = { rule: string; subject: string; firstWindow: string; state: string };

const windowOf = (iso: string) => (Date.parse(iso) - START) / WINDOW;

serverTest(
  'replay: drift and extraction alerts fire within a window of onset; the playbook quarantines and blocks prod',
  async (h, t) => {
    const hook = await receiver(t);
    const registered = await h.call('POST', '/api/v1/webhooks', {
      as: h.admin,
      body: { url: hook.url, events: ['alert.fired', 'incident.opened'] },
    });
    const secret = (registered.body as { secret: string }).secret;
    const { id, token } = await deploy(h);
    const stream = recordedStream({
      start: START,
      windows: 12,
      windowMs: WINDOW,
      rate: 5,
      driftAt: START + DRIFT_WINDOW * WINDOW + 20_000,
      attackAt: START + ATTACK_WINDOW * WINDOW + 10_000,
    });
    await replay(h, id, token, stream);

    const again = await h.call('POST', `/api/v1/deployments/${id}/events`, {
      as: { token },
      body: { batchId: 'b0', events: stream.slice(0, 800) },
    });
    assert.deepEqual(
      again.body,
      { batchId: 'b0', accepted: 0, sampled: 0, duplicate: true },
      'a retried batch is not counted twice',
    );

    const deployment = (await h.call('GET', '/api/v1/projects/alpha/deployments/fraud-prod', { as: h.admin }))
      .body as { alerts: Alert[]; windows: unknown[]; quarantined: boolean };
    const drift = deployment.alerts.filter((a) => a.rule === 'feature-drift');
    const extraction = deployment.alerts.filter((a) => a.rule === 'model-extraction');
    assert.equal(drift.length, 1, 'one drift alert, deduplicated over the drifted windows');
    assert.ok(
      windowOf(drift[0]?.firstWindow ?? '') - DRIFT_WINDOW <= 1,
      `drift fired at ${drift[0]?.firstWindow}`,
    );
    assert.ok(windowOf(drift[0]?.firstWindow ?? '') >= DRIFT_WINDOW);
    assert.deepEqual(
      extraction.map((a) => a.subject),
      ['attacker'],
    );
    const attackWindow = windowOf(extraction[0]?.firstWindow ?? '');
    assert.ok(
      attackWindow >= ATTACK_WINDOW && attackWindow <= ATTACK_WINDOW + 1,
      `extraction at ${attackWindow}`,
    );
    assert.equal(deployment.quarantined, false);

    const list = (await h.call('GET', '/api/v1/projects/alpha/incidents', { as: h.admin })).body as {
      incidents: { id: string; kind: string; state: string }[];
    };
    assert.deepEqual(
      list.incidents.map((i) => [i.kind, i.state]),
      [['attack', 'open']],
    );
    const incident = list.incidents[0]?.id ?? '';

    const admit = async (model?: string) => {
      const review = {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid: 'u1',
          object: { metadata: { annotations: model ? { 'palisade.dev/model': model } : {} } },
        },
      };
      const reply = await h.call('POST', '/api/v1/admission/pods', { as: h.admin, body: review });
      assert.equal(reply.status, 200, reply.text);
      return (reply.body as { response: { uid: string; allowed: boolean } }).response.allowed;
    };
    assert.equal(await admit(`alpha/fraud@${DIGEST}`), true);
    assert.equal(await admit('alpha/fraud:prod'), true);
    assert.equal(await admit(`alpha/fraud@sha256:${'0'.repeat(64)}`), false);
    assert.equal(await admit('alpha/fraud'), false);
    assert.equal(await admit(), true, 'a pod that serves no registered model');

    const run = await h.call('POST', `/api/v1/projects/alpha/incidents/${incident}/playbook`, {
      as: h.admin,
    });
    assert.equal(run.status, 200, run.text);
    const result = run.body as { steps: { step: string; result: string }[]; incident: { state: string } };
    assert.deepEqual(
      result.steps.map((s) => s.step),
      ['quarantine-version', 'block-prod-alias', 'find-deployments'],
    );
    assert.equal(result.steps[1]?.result, 'removed fraud@prod');
    assert.equal(result.incident.state, 'contained');
    const model = (await h.call('GET', '/api/v1/projects/alpha/models/fraud', { as: h.admin })).body as {
      aliases: unknown[];
    };
    assert.deepEqual(model.aliases, [], 'prod no longer resolves to the malicious version');
    const after = (await h.call('GET', '/api/v1/projects/alpha/deployments/fraud-prod', { as: h.admin }))
      .body as {
      quarantined: boolean;
    };
    assert.equal(after.quarantined, true);
    const moveBack = await h.call('PUT', '/api/v1/projects/alpha/models/fraud/aliases/prod', {
      as: h.admin,
      body: { digest: DIGEST },
    });
    assert.equal(moveBack.status, 409, 'a quarantined version cannot be given prod again');
    assert.match(moveBack.text, /quarantined/);
    assert.equal(await admit(`alpha/fraud@${DIGEST}`), false, 'admission refuses the quarantined version');
    assert.equal(await admit('alpha/fraud:prod'), false, 'prod no longer resolves');

    const state = (body: Record<string, string>) =>
      h.call('POST', `/api/v1/projects/alpha/incidents/${incident}/state`, { as: h.admin, body });
    assert.equal((await state({ state: 'resolved', owner: 'root' })).status, 200);
    assert.equal((await state({ state: 'closed' })).status, 409, 'no closing without a post-mortem');
    assert.equal((await state({ state: 'closed', postmortem: 'Attacker key revoked.' })).status, 200);

    const timeline = (
      (await h.call('GET', `/api/v1/projects/alpha/incidents/${incident}`, { as: h.admin })).body as {
        timeline: { action: string; details: Record<string, unknown> }[];
      }
    ).timeline.map((e) => e.action);
    assert.deepEqual(timeline, [
      'incident.opened',
      'incident.playbook',
      'incident.playbook',
      'incident.playbook',
      'incident.state',
      'incident.state',
      'incident.playbook.run',
      'incident.state',
      'incident.state',
    ]);
    const fired = (
      (await h.call('GET', '/api/v1/audit?action=monitor.alert.fired&limit=100', { as: h.admin })).body as {
        events: { details: { rule: string } }[];
      }
    ).events.map((e) => e.details.rule);
    assert.ok(fired.includes('feature-drift') && fired.includes('model-extraction'), `audited: ${fired}`);
    assert.equal(
      ((await h.call('GET', '/api/v1/audit/verify', { as: h.admin })).body as { ok: boolean }).ok,
      true,
    );

    const findings = (await h.call('GET', '/api/v1/projects/alpha/findings', { as: h.admin })).text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { class_uid: number; type_uid: number; status_id: number });
    assert.deepEqual(
      findings.map((f) => f.class_uid).sort(),
      [...deployment.alerts.map(() => 2004), 2005].sort(),
      'every alert a Detection Finding, the incident an Incident Finding',
    );
    assert.deepEqual(
      findings.filter((f) => f.class_uid === 2005).map((f) => [f.type_uid, f.status_id]),
      [[200503, 5]],
      'the closed incident',
    );

    for (let i = 0; i < 400 && hook.received.length < fired.length + 1; i++)
      await new Promise((r) => setTimeout(r, 25));
    const events = hook.received.map((r) => r.event);
    assert.ok(events.includes('alert.fired') && events.includes('incident.opened'), `webhooks: ${events}`);
    for (const r of hook.received)
      assert.equal(verifyWebhook(secret, r.timestamp, r.body, r.signature, Math.floor(h.now() / 1000)), true);
  },
);

serverTest('a clean replay fires no alert and opens no incident', async (h) => {
  const { id, token } = await deploy(h);
  await replay(h, id, token, recordedStream({ start: START, windows: 12, windowMs: WINDOW, rate: 5 }));
  const since = new Date(START).toISOString();
  const deployment = (
    await h.call('GET', `/api/v1/projects/alpha/deployments/fraud-prod?since=${since}`, { as: h.admin })
  ).body as { alerts: Alert[]; windows: { detector: string; fired: boolean }[] };
  assert.deepEqual(deployment.alerts, []);
  assert.equal(deployment.windows.filter((w) => w.detector === 'drift').length, 12);
  assert.equal(deployment.windows.filter((w) => w.fired).length, 0);
  const list = (await h.call('GET', '/api/v1/projects/alpha/incidents', { as: h.admin })).body as {
    incidents: unknown[];
  };
  assert.deepEqual(list.incidents, []);
});

serverTest(
  'ingestion is token-authenticated, bounded, and pushes back with 429',
  async (h) => {
    const { id, token } = await deploy(h);
    const event = { time: START, caller: 'c', features: { amount: 1 }, prediction: 1 };
    const send = (body: unknown, headers: Record<string, string> = {}, as = { token }) =>
      h.call('POST', `/api/v1/deployments/${id}/events`, { as, body, headers });
    assert.equal(
      (await send({ batchId: 'x', events: [event] }, {}, { token: 'pdi_wrongwrongwrongwrong' })).status,
      401,
    );
    assert.equal(
      (await send({ batchId: 'x', events: [event] }, {}, h.admin as { token: string })).status,
      401,
    );
    const bad = await send({ batchId: 'x', events: [{ ...event, time: 'yesterday' }] });
    assert.equal(bad.status, 400);
    assert.match((bad.body as { detail: string }).detail, /events\[0\]\.time/);
    assert.equal((await send({ events: [event] })).status, 400, 'a batch id is required');
    assert.equal((await send({ batchId: 'big', events: Array(10_001).fill(event) })).status, 413);
    assert.equal(
      (await send('x'.repeat(5 * 1024 * 1024), { 'content-type': 'application/json' })).status,
      413,
    );
    assert.equal((await send({ batchId: 'x', events: [event] }, { 'content-type': 'text/csv' })).status, 415);

    const monitoring = monitoringOf(h.server.app.services);
    // A deployment that falls silent has its open window closed without waiting for the next event.
    monitoring.options = { ...monitoring.options, quietMs: 20 };
    assert.equal((await send({ batchId: 'q', events: [event] })).status, 202);
    const since = new Date(START).toISOString();
    let windows: unknown[] = [];
    for (let i = 0; i < 100 && windows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const reply = await h.call('GET', `/api/v1/projects/alpha/deployments/fraud-prod?since=${since}`, {
        as: h.admin,
      });
      windows = (reply.body as { windows: unknown[] }).windows;
    }
    assert.ok(windows.length > 0, 'the silent window was closed');
    monitoring.options = { ...monitoring.options, maxInFlight: 0 };
    const busy = await send({ batchId: 'y', events: [event] });
    assert.equal(busy.status, 429);
    assert.equal(busy.headers.get('retry-after'), '1');
    monitoring.options = { ...monitoring.options, maxInFlight: 8 };
    assert.equal((await send({ batchId: 'y', events: [event] })).status, 202);
  },
  ['sqlite'],
);

serverTest(
  'ingestion samples whole callers and stores events without personal data or excluded features',
  async (h) => {
    const { id } = await deploy(h);
    const created = await h.call('POST', '/api/v1/projects/alpha/deployments', {
      as: h.admin,
      body: {
        name: 'fraud-sampled',
        model: 'fraud',
        digest: DIGEST,
        environment: 'staging',
        reference: { rows: referenceRows(100), prediction: 'prediction' },
        ingestion: { sampleRate: 0.5, doNotStore: ['ssn'] },
      },
    });
    assert.equal(created.status, 201, created.text);
    const { id: sampledId, ingestionToken } = created.body as { id: string; ingestionToken: string };
    assert.notEqual(sampledId, id);
    const events = Array.from({ length: 200 }, (_, i) => ({
      time: START + i,
      caller: `caller-${i % 40}`,
      features: {
        amount: i,
        segment: 'retail',
        contact: 'write to jane.doe@example.com',
        ssn: '078-05-1120',
      },
      prediction: 1,
      prompt: 'Is my card blocked? Reply to jane.doe@example.com',
    }));
    const reply = await h.call('POST', `/api/v1/deployments/${sampledId}/events`, {
      as: { token: ingestionToken },
      body: { batchId: 'p1', events },
    });
    assert.equal(reply.status, 202, reply.text);
    const { accepted, sampled } = reply.body as { accepted: number; sampled: number };
    assert.equal(accepted, 200);
    assert.ok(sampled > 40 && sampled < 160 && sampled % 5 === 0, `whole callers sampled: ${sampled}`);
    const db = h.server.db;
    const stored = await db.all<{ caller: string; event: string }>(
      'SELECT caller, event FROM monitor_events WHERE deployment_id = ?',
      [sampledId],
    );
    assert.equal(stored.length, sampled);
    for (const row of stored) {
      const { features, prompt } = JSON.parse(row.event) as {
        features: Record<string, unknown>;
        prompt: string;
      };
      assert.match(prompt, /^Is my card blocked\? Reply to <EMAIL_ADDRESS>$/);
      assert.equal(features.ssn, undefined);
      assert.doesNotMatch(String(features.contact), /jane\.doe@example\.com/);
      assert.equal(features.segment, 'retail');
    }
    const rollup = await db.get<{ n: number }>(
      'SELECT SUM(events) AS n FROM monitor_rollups WHERE deployment_id = ?',
      [sampledId],
    );
    assert.equal(Number(rollup?.n), 200, 'every event counts in the roll-ups');
    const bad = await h.call('POST', '/api/v1/projects/alpha/deployments', {
      as: h.admin,
      body: {
        name: 'bad',
        model: 'fraud',
        digest: DIGEST,
        environment: 'dev',
        reference: { rows: referenceRows(100) },
        ingestion: { sampleRate: 2 },
      },
    });
    assert.equal(bad.status, 400);
  },
  ['sqlite'],
);
