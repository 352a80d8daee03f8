// Server load benchmark (issue 9): starts `palisade serve` in a child process on loopback, once on SQLite and once
// on PostgreSQL, and drives it with autocannon: the unauthenticated /healthz (the HTTP floor of this machine and
// this server, measured in the same run), an authenticated read (a model with its versions and aliases — what a
// deployment agent reads before it pulls a version), and small-model uploads, each scanned as a job.
//   node bench/server/run.ts [--seconds 10] [--connections 10] [--uploads 200] [--dialects sqlite,postgres]
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { totpNow } from '../../packages/server/src/index.ts';

interface Histogram {
  readonly average: number;
  readonly p50: number;
  readonly p99: number;
}
interface Result {
  readonly requests: Histogram & { readonly total: number };
  readonly latency: Histogram;
  readonly non2xx: number;
  readonly errors: number;
  readonly duration: number;
}
interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (request: RequestSpec) => RequestSpec;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  headers?: Record<string, string>;
  requests?: RequestSpec[];
}) => Promise<Result>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    uploads: { type: 'string', default: '200' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
    postgres: {
      type: 'string',
      default: process.env.PALISADE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const uploads = Number(values.uploads);
const ROOT = path.join(import.meta.dirname, '..', '..');
const WORK = path.join(ROOT, 'bench', '.work', 'server');

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly setupToken: string;
}

function serve(dataDir: string, database: string | undefined): Promise<Started> {
  const args = [
    path.join(ROOT, 'packages/cli/bin/palisade.js'),
    'serve',
    '--data-dir',
    dataDir,
    '--port',
    '0',
    '--format',
    'json',
  ];
  if (database) args.push('--database', database);
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PALISADE_FROM_SOURCE: '1' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve({ child, ...(JSON.parse(out) as { url: string; setupToken: string }) });
    });
    child.on('exit', (code) => reject(new Error(`palisade serve exited with ${code}`)));
  });
}

async function call(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Response> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status >= 300)
    throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return response;
}

/** A small pickle ({"w": <n>}) that differs per upload, so that each one is a new version and a new scan. */
function tinyPickle(n: number): Buffer {
  const value = Buffer.alloc(4);
  value.writeUInt32LE(n);
  return Buffer.concat([
    Buffer.from('\x80\x04}\x94\x8c\x01w\x94J', 'latin1'),
    value,
    Buffer.from('s.', 'latin1'),
  ]);
}

function multipart(boundary: string, n: number): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="m${n}.pkl"\r\n\r\n`),
    tinyPickle(n),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

async function bench(dialect: string): Promise<Record<string, string>[]> {
  const dataDir = path.join(WORK, dialect);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const database =
    dialect === 'postgres'
      ? `${values.postgres}${values.postgres.includes('?') ? '&' : '?'}schema=${schema}`
      : undefined;
  const server = await serve(dataDir, database);
  try {
    const base = server.url;
    const setup = (await (
      await call(
        `${base}/api/v1/setup`,
        'POST',
        {},
        { setupToken: server.setupToken, username: 'bench', password: 'bench password 123' },
      )
    ).json()) as { totpSecret: string };
    const login = await call(
      `${base}/api/v1/auth/login`,
      'POST',
      {},
      {
        username: 'bench',
        password: 'bench password 123',
        totp: totpNow(setup.totpSecret, Date.now()),
      },
    );
    const session = {
      cookie: (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '',
      'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken,
    };
    await call(`${base}/api/v1/projects`, 'POST', session, { name: 'bench' });
    await call(`${base}/api/v1/projects/bench/models`, 'POST', session, { name: 'm' });
    const { token } = (await (
      await call(`${base}/api/v1/tokens`, 'POST', session, {
        name: 'bench',
        scopes: ['project:read', 'artifact:read', 'artifact:write', 'job:read'],
      })
    ).json()) as { token: string };
    const bearer = { authorization: `Bearer ${token}` };

    const floor = await autocannon({ url: `${base}/healthz`, connections, duration: seconds });
    const reads = await autocannon({
      url: `${base}/api/v1/projects/bench/models/m`,
      connections,
      duration: seconds,
      headers: bearer,
    });

    const boundary = 'palisadebench';
    let n = 0;
    const uploadStart = performance.now();
    const writes = await autocannon({
      url: base,
      connections: 4,
      amount: uploads,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/projects/bench/models/m/versions',
          headers: { ...bearer, 'content-type': `multipart/form-data; boundary=${boundary}` },
          setupRequest: (request) => ({ ...request, body: multipart(boundary, n++) }),
        },
      ],
    });
    // Scans run as jobs: wait for the queue to drain, then count end-to-end scans per second.
    for (;;) {
      const { jobs } = (await (await call(`${base}/api/v1/projects/bench/jobs`, 'GET', bearer)).json()) as {
        jobs: { state: string }[];
      };
      if (jobs.every((j) => j.state === 'succeeded' || j.state === 'failed')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const scanned = (performance.now() - uploadStart) / 1000;
    const row = (name: string, r: Result, extra = '') => ({
      dialect,
      measure: name,
      'requests/s': r.requests.average.toFixed(0),
      'p50 ms': r.latency.p50.toFixed(1),
      'p99 ms': r.latency.p99.toFixed(1),
      'non-2xx': String(r.non2xx + r.errors),
      note: extra,
    });
    return [
      row('GET /healthz (no auth: HTTP floor)', floor),
      row('authenticated model read (Bearer)', reads),
      row(
        `upload small pickle (${uploads})`,
        writes,
        `${(uploads / scanned).toFixed(0)} uploads+scans/s end to end`,
      ),
    ];
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    if (dialect === 'postgres') {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: values.postgres });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }
}

const rows: Record<string, string>[] = [];
for (const dialect of values.dialects.split(',')) rows.push(...(await bench(dialect)));
console.table(rows);
console.log(
  `${connections} connections, ${seconds} s per read measure; uploads with 4 connections; machine: ${(await import('node:os')).cpus().length} cores`,
);
