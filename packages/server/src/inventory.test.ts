import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sendEvidence } from './client/evidence-client.ts';
import { type Harness, serverTest } from './test-harness.ts';

/** Waits until every job of the project has finished. */
async function settleJobs(h: Harness, project: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const { jobs } = (await h.call('GET', `/api/v1/projects/${project}/jobs`, { as: h.admin })).body as {
      jobs: { state: string }[];
    };
    if (jobs.every((j) => j.state === 'succeeded' || j.state === 'failed')) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('jobs did not finish');
}

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function form(bytes: Uint8Array, filename: string): FormData {
  const data = new FormData();
  data.append('file', new Blob([bytes]), filename);
  return data;
}

serverTest(
  'uploads are streamed, stored by content hash, idempotent, and downloaded as attachments',
  async (h) => {
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'alpha' } });
    const created = await h.call('POST', '/api/v1/projects/alpha/models', {
      as: h.admin,
      body: { name: 'resnet' },
    });
    assert.equal(created.status, 201);
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    const path = '/api/v1/projects/alpha/models/resnet/versions';
    const upload = await h.call('POST', path, { as: h.admin, body: form(bytes, '../../../etc/passwd') });
    assert.equal(upload.status, 201, upload.text);
    const version = upload.body as { digest: string; size: number; filename: string; stored: boolean };
    assert.deepEqual(version, {
      ...version,
      digest: sha256(bytes),
      size: bytes.length,
      filename: 'passwd',
      stored: true,
    });
    const hex = version.digest.slice(7);
    const blob = join(h.server.app.services.dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex);
    const stored = readFileSync(blob);
    assert.equal(stored.subarray(0, 4).toString(), 'PALB', 'blobs are encrypted at rest');
    assert.equal(stored.includes(Buffer.from(bytes.subarray(1000, 1100))), false, 'no plaintext on disk');
    assert.deepEqual(
      readdirSync(join(h.server.app.services.dataDir, 'blobs', 'tmp')),
      [],
      'no temporary file left',
    );

    const again = await h.call('POST', path, { as: h.admin, body: form(bytes, 'other-name.bin') });
    assert.equal(again.status, 200, 'the same bytes are the same version');
    const raw = new Uint8Array([1, 2, 3]);
    const octet = await h.call('POST', path, {
      as: h.admin,
      body: raw,
      headers: { 'content-type': 'application/octet-stream', 'x-palisade-filename': '%E0%A4%A.bin' },
    });
    assert.equal(octet.status, 201);
    assert.equal((octet.body as { digest: string }).digest, sha256(raw));
    assert.equal(
      (octet.body as { filename: string }).filename,
      '%E0%A4%A.bin',
      'bad percent-encoding is kept as typed',
    );

    const download = await fetch(`${h.url}${path}/${version.digest}/content`, {
      headers: { cookie: h.admin.cookie ?? '' },
    });
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="passwd"/);
    assert.equal(download.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual(new Uint8Array(await download.arrayBuffer()), bytes);

    const model = (await h.call('GET', '/api/v1/projects/alpha/models/resnet', { as: h.admin })).body as {
      versions: unknown[];
    };
    assert.equal(model.versions.length, 2);
  },
);

serverTest(
  'uploads over the size limit are refused with 413 and leave nothing behind; bad multipart is a 400',
  async (h) => {
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'alpha' } });
    await h.call('POST', '/api/v1/projects/alpha/models', { as: h.admin, body: { name: 'm' } });
    const path = '/api/v1/projects/alpha/models/m/versions';
    // Declared small enough to be read: the limit is enforced while streaming, not only from Content-Length.
    const big = await h.call('POST', path, { as: h.admin, body: form(new Uint8Array(150_000), 'big.bin') });
    assert.equal(big.status, 413);
    const chunked = await h.call('POST', path, {
      as: h.admin,
      body: new Uint8Array(200_000),
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(chunked.status, 413);
    const twoParts = new FormData();
    twoParts.append('file', new Blob([new Uint8Array(10)]), 'a');
    twoParts.append('file', new Blob([new Uint8Array(10)]), 'b');
    assert.equal((await h.call('POST', path, { as: h.admin, body: twoParts })).status, 400);
    const wrongField = new FormData();
    wrongField.append('upload', new Blob([new Uint8Array(10)]), 'a');
    assert.equal((await h.call('POST', path, { as: h.admin, body: wrongField })).status, 400);
    assert.equal((await h.call('POST', path, { as: h.admin, body: { digest: 'x' } })).status, 415);
    assert.deepEqual(readdirSync(join(h.server.app.services.dataDir, 'blobs', 'tmp')), []);
    assert.equal(existsSync(join(h.server.app.services.dataDir, 'blobs', 'sha256')), false);
  },
  ['sqlite'],
  { maxUploadBytes: 100_000 },
);

serverTest('registration by digest, and aliases that point at versions', async (h) => {
  await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'alpha' } });
  for (const name of ['a', 'b'])
    await h.call('POST', '/api/v1/projects/alpha/models', { as: h.admin, body: { name } });
  const bytes = new TextEncoder().encode('weights');
  await h.call('POST', '/api/v1/projects/alpha/models/a/versions', {
    as: h.admin,
    body: form(bytes, 'w.bin'),
  });
  const known = await h.call('POST', '/api/v1/projects/alpha/models/b/versions/register', {
    as: h.admin,
    body: { digest: sha256(bytes) },
  });
  assert.equal(known.status, 201);
  assert.deepEqual(known.body, { ...(known.body as object), stored: true, size: bytes.length });
  const elsewhere = `sha256:${'ab'.repeat(32)}`;
  const remote = await h.call('POST', '/api/v1/projects/alpha/models/b/versions/register', {
    as: h.admin,
    body: { digest: elsewhere, size: 10, filename: 'remote.bin' },
  });
  assert.equal((remote.body as { stored: boolean }).stored, false);
  const noBytes = await h.call('GET', `/api/v1/projects/alpha/models/b/versions/${elsewhere}/content`, {
    as: h.admin,
  });
  assert.equal(noBytes.status, 404);
  const badDigest = await h.call('POST', '/api/v1/projects/alpha/models/b/versions/register', {
    as: h.admin,
    body: { digest: 'sha256:../../x' },
  });
  assert.equal(badDigest.status, 400);

  const unscanned = await h.call('PUT', '/api/v1/projects/alpha/models/b/aliases/prod', {
    as: h.admin,
    body: { digest: elsewhere },
  });
  assert.equal(unscanned.status, 409, 'a version never scanned cannot carry an alias');
  await settleJobs(h, 'alpha');
  const move = await h.call('PUT', '/api/v1/projects/alpha/models/b/aliases/prod', {
    as: h.admin,
    body: { digest: sha256(bytes) },
  });
  assert.equal(move.status, 200, move.text);
  assert.equal((move.body as { decision: { decision: string } }).decision.decision, 'allow');
  const model = (await h.call('GET', '/api/v1/projects/alpha/models/b', { as: h.admin })).body as {
    aliases: { name: string; digest: string }[];
  };
  assert.deepEqual(
    model.aliases.map((a) => [a.name, a.digest]),
    [['prod', sha256(bytes)]],
  );
  const unknown = await h.call('PUT', '/api/v1/projects/alpha/models/b/aliases/prod', {
    as: h.admin,
    body: { digest: `sha256:${'cd'.repeat(32)}` },
  });
  assert.equal(unknown.status, 404);
  const badName = await h.call('PUT', '/api/v1/projects/alpha/models/b/aliases/PROD', {
    as: h.admin,
    body: { digest: elsewhere },
  });
  assert.equal(badName.status, 400);
});

serverTest('a viewer cannot read another project’s model, by any path', async (h) => {
  for (const name of ['alpha', 'beta'])
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name } });
  await h.call('POST', '/api/v1/projects/beta/models', { as: h.admin, body: { name: 'secret' } });
  const bytes = new TextEncoder().encode('beta weights');
  await h.call('POST', '/api/v1/projects/beta/models/secret/versions', {
    as: h.admin,
    body: form(bytes, 's.bin'),
  });
  const viewer = await h.user('vic', [['alpha', 'viewer']]);
  const digest = sha256(bytes);
  for (const path of [
    '/api/v1/projects/beta/models',
    '/api/v1/projects/beta/models/secret',
    `/api/v1/projects/beta/models/secret/versions/${digest}`,
    `/api/v1/projects/beta/models/secret/versions/${digest}/content`,
    '/api/v1/projects/alpha/models/secret',
    `/api/v1/projects/alpha/models/secret/versions/${digest}/content`,
  ]) {
    const reply = await h.call('GET', path, { as: viewer });
    assert.equal(reply.status, 404, path);
    assert.equal(reply.text.includes('beta weights'), false);
  }
  const list = await h.call('GET', '/api/v1/projects/alpha/models', { as: viewer });
  assert.deepEqual(list.body, { models: [] });
});

serverTest(
  'clients record reports as evidence (model and version registered on the way); a forged clean report moves no alias',
  async (h) => {
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'alpha' } });
    const engineer = await h.user('eng', [['alpha', 'ml-engineer']]);
    const { token } = await h.token(engineer, [
      'project:read',
      'artifact:read',
      'artifact:write',
      'alias:write',
    ]);
    const digest = `sha256:${'ef'.repeat(32)}`;
    const clean = {
      schema: 'https://palisade.dev/schemas/scan-report/v1',
      files: [{ path: 'model.pkl', findings: [] }],
      summary: { files: 1, findings: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, highest: null },
      padding: 'x'.repeat(200_000),
    };
    const path = `/api/v1/projects/alpha/models/from-ci/versions/${digest}/evidence`;
    const posted = await h.call('POST', path, { as: { token }, body: { kind: 'scan', report: clean } });
    assert.equal(posted.status, 201, posted.text);
    assert.match((posted.body as { sha256: string }).sha256, /^sha256:[0-9a-f]{64}$/);
    const listed = (await h.call('GET', path, { as: { token } })).body as {
      evidence: { kind: string; report: { padding: string } }[];
    };
    assert.equal(listed.evidence.length, 1);
    assert.equal(listed.evidence[0]?.report.padding.length, 200_000);
    const version = (
      await h.call('GET', `/api/v1/projects/alpha/models/from-ci/versions/${digest}`, { as: { token } })
    ).body as {
      stored: boolean;
    };
    assert.equal(version.stored, false, 'registered by digest');
    const promote = await h.call('PUT', '/api/v1/projects/alpha/models/from-ci/aliases/prod', {
      as: { token },
      body: { digest },
    });
    assert.equal(promote.status, 409, 'the gate reads only scans the server ran');

    let deep: unknown = {};
    for (let i = 0; i < 100; i++) deep = { a: deep };
    assert.equal(
      (await h.call('POST', path, { as: { token }, body: { kind: 'scan', report: deep } })).status,
      400,
    );
    assert.equal(
      (await h.call('POST', path, { as: { token }, body: { kind: 'exploit', report: {} } })).status,
      400,
    );
    const viewer = await h.user('vee', [['alpha', 'viewer']]);
    assert.equal(
      (await h.call('POST', path, { as: viewer, body: { kind: 'scan', report: {} } })).status,
      403,
    );
  },
  ['sqlite'],
);

serverTest(
  'sendEvidence, the client palisade scan|gate|bom --server use, records a report with a token',
  async (h) => {
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'ci' } });
    const { token } = await h.token(h.admin, ['project:read', 'artifact:write']);
    const digest = `sha256:${'12'.repeat(32)}`;
    const sent = await sendEvidence({
      server: h.url,
      token,
      project: 'ci',
      artifactKind: 'model',
      name: 'm',
      digest,
      kind: 'bom',
      report: { bomFormat: 'CycloneDX' },
    });
    assert.match(sent.sha256, /^sha256:/);
    await assert.rejects(
      sendEvidence({
        server: h.url,
        token: 'pal_wrong',
        project: 'ci',
        artifactKind: 'model',
        name: 'm',
        digest,
        kind: 'bom',
        report: {},
      }),
      /refused the report \(401\)/,
    );
    await assert.rejects(
      sendEvidence({
        server: 'http://example.com',
        token,
        project: 'ci',
        artifactKind: 'model',
        name: 'm',
        digest,
        kind: 'bom',
        report: {},
      }),
      /must be https/,
    );
  },
  ['sqlite'],
);
