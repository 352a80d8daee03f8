import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { test } from 'node:test';
import { scanPaths } from '@palisade/scanner';
import { startServer } from './server.ts';
import { type Harness, serverTest, TEST_ARGON2, totpCode } from './test-harness.ts';

const CORPUS = resolve(import.meta.dirname, '../../../../shared/corpus');
const SAMPLES = [
  'peers/picklescan/tests/data/malicious0.pkl',
  'peers/modelscan/tests/data/unsafe_zip_pytorch.pt',
  'peers/picklescan/tests/data/malicious1.7z',
  'peers/picklescan/tests/data/benign0_v4.pkl',
];

interface JobReply {
  id: string;
  state: string;
  attempts: number;
  result?: {
    files: {
      path: string;
      format: string;
      status: string;
      findings: { ruleId: string; severity: string; location: { path: string } }[];
    }[];
  };
}

async function settle(h: Harness, project: string, id: string): Promise<JobReply> {
  for (let i = 0; i < 400; i++) {
    const job = (await h.call('GET', `/api/v1/projects/${project}/jobs/${id}`, { as: h.admin }))
      .body as JobReply;
    if (job.state === 'succeeded' || job.state === 'failed') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not finish`);
}

/** Findings without the path they were scanned at, which differs between the CLI and the server by design. */
function portable(
  files: readonly { path: string; format: string; status: string; findings: readonly unknown[] }[],
) {
  return files.map((f) => {
    const name = basename(f.path);
    return JSON.parse(
      JSON.stringify({ ...f, path: name, durationMs: 0 }).replaceAll(f.path, name),
    ) as unknown;
  });
}

serverTest(
  'an uploaded corpus model is scanned as a job, with the findings `palisade scan` gives for the file',
  async (h) => {
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'intake' } });
    await h.call('POST', '/api/v1/projects/intake/models', { as: h.admin, body: { name: 'suspect' } });
    for (const sample of SAMPLES) {
      const path = join(CORPUS, sample);
      const data = new FormData();
      data.append('file', new Blob([readFileSync(path)]), basename(path));
      const upload = await h.call('POST', '/api/v1/projects/intake/models/suspect/versions', {
        as: h.admin,
        body: data,
      });
      assert.equal(upload.status, 201, upload.text);
      const job = await settle(h, 'intake', (upload.body as { scanJob: string }).scanJob);
      assert.equal(job.state, 'succeeded', JSON.stringify(job));
      const cli = await scanPaths([path], { concurrency: 1, digests: true });
      assert.deepEqual(portable(job.result?.files ?? []), portable(cli.files), sample);
      if (!sample.includes('benign'))
        assert.ok((job.result?.files[0]?.findings.length ?? 0) > 0, `${sample} has findings`);
    }
    const list = await h.call('GET', '/api/v1/projects/intake/jobs', { as: h.admin });
    assert.equal((list.body as { jobs: unknown[] }).jobs.length, SAMPLES.length);
    const rescan = await h.call('POST', '/api/v1/projects/intake/jobs', {
      as: h.admin,
      body: { kind: 'scan', artifactKind: 'model', name: 'suspect', digest: `sha256:${'0'.repeat(64)}` },
    });
    assert.equal(rescan.status, 404);
    const metrics = await h.call('GET', '/metrics');
    assert.match(metrics.text, new RegExp(`palisade_jobs\\{state="succeeded"\\} ${SAMPLES.length}`));
  },
  ['sqlite'],
);

test('SIGKILL during uploads and jobs loses no acknowledged upload or job; jobs resume at the next start', {
  skip: !existsSync(CORPUS) && `no corpus at ${CORPUS}`,
}, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'palisade-server-crash-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [join(import.meta.dirname, 'crash-child.ts'), dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = await new Promise<{ url: string; setupToken: string }>((ok, fail) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) ok(JSON.parse(out));
    });
    child.on('exit', (code) => fail(new Error(`child exited ${code}`)));
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${started.url}${path}`, {
      method: 'POST',
      headers: body instanceof FormData ? headers : { 'content-type': 'application/json', ...headers },
      body: body instanceof FormData ? body : JSON.stringify(body),
    });
  const setup = (await (
    await post('/api/v1/setup', {
      setupToken: started.setupToken,
      username: 'root',
      password: 'crash test password',
    })
  ).json()) as { totpSecret: string };
  const login = await post('/api/v1/auth/login', {
    username: 'root',
    password: 'crash test password',
    totp: totpCode(setup.totpSecret, Date.now()),
  });
  const auth = {
    cookie: (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '',
    'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken,
  };
  await post('/api/v1/projects', { name: 'p' }, auth);
  await post('/api/v1/projects/p/models', { name: 'm' }, auth);
  // Keep uploading until killed; every 201 is an acknowledgement that must survive.
  const acknowledged: { digest: string; scanJob: string }[] = [];
  const uploads = (async () => {
    for (let i = 0; ; i++) {
      const data = new FormData();
      data.append(
        'file',
        new Blob([
          readFileSync(join(CORPUS, SAMPLES[i % SAMPLES.length] ?? '')),
          new Uint8Array([i & 255, i >> 8]),
        ]),
        `f${i}.pkl`,
      );
      try {
        const reply = await post('/api/v1/projects/p/models/m/versions', data, auth);
        if (reply.status === 201)
          acknowledged.push((await reply.json()) as { digest: string; scanJob: string });
      } catch {
        return; // the server died mid-request: that upload was never acknowledged
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 400));
  child.kill('SIGKILL');
  await uploads;
  assert.ok(acknowledged.length > 0, 'some uploads were acknowledged before the kill');

  const server = await startServer({
    dataDir,
    port: 0,
    argon2: TEST_ARGON2,
    jobs: { leaseMs: 1000, pollMs: 50 },
  });
  t.after(() => server.close());
  const { artifacts, jobs, blobs } = server.app.services;
  const project = await server.app.services.projects.byName('p');
  const model = project && (await artifacts.get(project.id, 'model', 'm'));
  assert.ok(model);
  for (const ack of acknowledged) {
    assert.equal(
      (await artifacts.version(model.id, ack.digest))?.stored,
      true,
      `version ${ack.digest} survived`,
    );
    assert.equal(await blobs.has(ack.digest), true);
  }
  for (let i = 0; i < 400; i++) {
    const states = await Promise.all(acknowledged.map(async (a) => (await jobs.get(a.scanJob))?.state));
    if (states.every((s) => s === 'succeeded')) break;
    assert.equal(states.includes(undefined), false, 'every acknowledged job exists');
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const ack of acknowledged)
    assert.equal((await jobs.get(ack.scanJob))?.state, 'succeeded', `job ${ack.scanJob} resumed`);
});

serverTest(
  'a gate denial blocks the prod alias move of a malicious model and is in the audit log; a clean model moves',
  async (h) => {
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'intake' } });
    await h.call('POST', '/api/v1/projects/intake/models', { as: h.admin, body: { name: 'm' } });
    const digests: string[] = [];
    for (const sample of [SAMPLES[0], SAMPLES[3]]) {
      const data = new FormData();
      data.append('file', new Blob([readFileSync(join(CORPUS, sample ?? ''))]), basename(sample ?? ''));
      const upload = await h.call('POST', '/api/v1/projects/intake/models/m/versions', {
        as: h.admin,
        body: data,
      });
      const { digest, scanJob } = upload.body as { digest: string; scanJob: string };
      assert.equal((await settle(h, 'intake', scanJob)).state, 'succeeded');
      digests.push(digest);
    }
    const [malicious, benign] = digests;
    const denied = await h.call('PUT', '/api/v1/projects/intake/models/m/aliases/prod', {
      as: h.admin,
      body: { digest: malicious },
    });
    assert.equal(denied.status, 409);
    const problem = denied.body as { type: string; decision: { decision: string; environment: string } };
    assert.equal(problem.type, 'https://palisade.dev/problems/gate-denied');
    assert.deepEqual([problem.decision.decision, problem.decision.environment], ['deny', 'prod']);
    const model = (await h.call('GET', '/api/v1/projects/intake/models/m', { as: h.admin })).body as {
      aliases: unknown[];
    };
    assert.deepEqual(model.aliases, [], 'the alias did not move');
    const audit = (await h.call('GET', '/api/v1/audit?action=gate.denied', { as: h.admin })).body as {
      events: {
        outcome: string;
        actor: { username: string };
        details: { alias: string; digest: string; rules: string };
      }[];
    };
    assert.equal(audit.events.length, 1);
    assert.deepEqual(audit.events[0]?.details.alias, 'prod');
    assert.equal(audit.events[0]?.details.digest, malicious);
    assert.equal(
      audit.events[0]?.details.rules,
      'server-alias-gate/scanned-without-critical-or-high-findings',
    );
    assert.equal(audit.events[0]?.actor.username, 'root');
    const moved = await h.call('PUT', '/api/v1/projects/intake/models/m/aliases/prod', {
      as: h.admin,
      body: { digest: benign },
    });
    assert.equal(moved.status, 200, moved.text);
  },
  ['sqlite'],
);

serverTest(
  'a BOM job builds a schema-validated CycloneDX AI-BOM of a stored version, with its scan findings',
  async (h) => {
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: 'intake' } });
    await h.call('POST', '/api/v1/projects/intake/models', { as: h.admin, body: { name: 'm' } });
    const data = new FormData();
    const sample = SAMPLES[1] ?? '';
    data.append('file', new Blob([readFileSync(join(CORPUS, sample))]), basename(sample));
    const upload = await h.call('POST', '/api/v1/projects/intake/models/m/versions', {
      as: h.admin,
      body: data,
    });
    const { digest, scanJob } = upload.body as { digest: string; scanJob: string };
    await settle(h, 'intake', scanJob);
    const created = await h.call('POST', '/api/v1/projects/intake/jobs', {
      as: h.admin,
      body: { kind: 'bom', artifactKind: 'model', name: 'm', digest },
    });
    assert.equal(created.status, 201, created.text);
    const job = (await settle(h, 'intake', (created.body as { id: string }).id)) as unknown as {
      state: string;
      error: string | null;
      result: {
        document: { bomFormat: string; specVersion: string; vulnerabilities?: unknown[] };
        completeness: unknown;
      };
    };
    assert.equal(job.state, 'succeeded', job.error ?? '');
    assert.equal(job.result.document.bomFormat, 'CycloneDX');
    assert.match(job.result.document.specVersion, /^1\.[67]$/);
    assert.ok((job.result.document.vulnerabilities?.length ?? 0) > 0, 'the scan findings are in the BOM');
    assert.ok(job.result.completeness);
  },
  ['sqlite'],
);
