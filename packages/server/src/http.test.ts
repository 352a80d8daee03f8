import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { routes } from './api/routes.ts';
import { validate } from './http/schema.ts';
import { isLoopback, startServer } from './server.ts';
import { serverTest } from './test-harness.ts';

function rawGet(base: string, path: string, cookie: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = request({ hostname, port, path, method: 'GET', headers: { cookie } }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

serverTest('health, readiness, metrics and the OpenAPI document need no authentication', async (h) => {
  const health = await h.call('GET', '/healthz');
  assert.equal(health.status, 200);
  assert.deepEqual(health.body, { status: 'ok' });
  const ready = await h.call('GET', '/readyz');
  assert.equal(ready.status, 200);
  const metrics = await h.call('GET', '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  assert.match(metrics.text, /palisade_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
  assert.match(
    metrics.text,
    /palisade_http_request_duration_seconds_bucket\{route="\/readyz",le="\+Inf"\} 1/,
  );
  const doc = (await h.call('GET', '/api/v1/openapi.json')).body as {
    openapi: string;
    paths: Record<
      string,
      Record<string, { requestBody?: { content: Record<string, { schema: unknown }> }; security: unknown[] }>
    >;
  };
  assert.equal(doc.openapi, '3.1.0');
  for (const route of routes) {
    const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
    assert.ok(operation, `${route.method} ${route.path} is documented`);
    // The documented request schema is the very object that validates requests.
    if (route.body) assert.deepEqual(operation.requestBody?.content['application/json']?.schema, route.body);
    assert.equal(
      operation.security.length === 0,
      route.access.kind === 'public' || route.access.kind === 'credentials',
    );
  }
});

serverTest(
  'every response carries security headers and a request id; errors are RFC 9457 problems',
  async (h) => {
    const reply = await h.call('GET', '/api/v1/nothing-here');
    assert.equal(reply.status, 404);
    assert.equal(reply.headers.get('content-type'), 'application/problem+json');
    const problem = reply.body as {
      type: string;
      title: string;
      status: number;
      detail: string;
      instance: string;
    };
    assert.equal(problem.type, 'https://palisade.dev/problems/not-found');
    assert.equal(problem.status, 404);
    assert.equal(problem.title, 'Not Found');
    const requestId = reply.headers.get('x-request-id') ?? '';
    assert.match(requestId, /^[A-Za-z0-9_-]{16}$/);
    assert.equal(problem.instance, `urn:palisade:request:${requestId}`);
    for (const [name, value] of [
      ['x-content-type-options', 'nosniff'],
      ['x-frame-options', 'DENY'],
      ['referrer-policy', 'no-referrer'],
      ['cross-origin-opener-policy', 'same-origin'],
      ['cache-control', 'no-store'],
    ]) {
      assert.equal(reply.headers.get(name as string), value);
    }
    assert.match(reply.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(reply.headers.get('strict-transport-security'), null, 'no HSTS on plain HTTP');
    assert.equal(reply.headers.get('x-powered-by'), null);
    const other = await h.call('GET', '/healthz');
    assert.notEqual(other.headers.get('x-request-id'), requestId);

    const wrongMethod = await h.call('DELETE', '/healthz');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'GET');
  },
);

serverTest(
  'paths a proxy could read differently are refused: dot segments, encoded slashes, doubled slashes',
  async (h) => {
    for (const path of [
      '/api/v1/projects/../users',
      '/api/v1/projects/%2e%2e/users',
      '/api/v1/projects/a%2Fb',
      '/api/v1//projects',
      '/api/v1/projects/a%5cb',
    ]) {
      // fetch would normalise the path before sending it; a raw request sends it as an attacker would.
      const reply = await rawGet(h.url, path, h.admin.cookie ?? '');
      assert.equal(reply.status, 400, path);
      assert.equal(
        (JSON.parse(reply.body) as { type: string }).type,
        'https://palisade.dev/problems/invalid-path',
      );
    }
  },
  ['sqlite'],
);

serverTest('every /api/v1 route but the OpenAPI document answers 401 to an anonymous request', async (h) => {
  for (const route of routes) {
    if (route.access.kind === 'public') continue;
    const path = route.path.replace(/\{(\w+)\}/g, 'x');
    const reply = await h.call(route.method, path);
    assert.equal(reply.status, 401, `${route.method} ${route.path}`);
    assert.equal(reply.headers.get('content-type'), 'application/problem+json');
  }
  // Deployment ingestion authenticates with the deployment's own token, not a user's: anonymous is 401 too.
  for (const path of ['/api/v1/deployments/x/events', '/api/v1/deployments/x/flush'])
    assert.equal((await h.call('POST', path)).status, 401, path);
  // Outside /api/v1 only the probes, metrics and the dashboard's static files are public.
  assert.deepEqual(
    routes.filter((r) => r.access.kind === 'public' && r.path.startsWith('/api/')).map((r) => r.path),
    [
      '/api/v1/openapi.json',
      '/api/v1/deployments/{deployment}/events',
      '/api/v1/deployments/{deployment}/flush',
    ],
  );
  for (const path of ['/healthz', '/readyz', '/metrics']) {
    assert.ok(
      routes.some((r) => r.path === path && r.access.kind === 'public'),
      path,
    );
  }
});

serverTest(
  'request bodies are validated against the documented schema, bounded, and must be JSON',
  async (h) => {
    const bad = await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name: '../etc', extra: 1 } });
    assert.equal(bad.status, 400);
    const errors = (bad.body as { errors: string[] }).errors;
    assert.ok(errors.some((e) => e.startsWith('name must match')));
    assert.ok(errors.includes('extra is not a known property'));
    const notJson = await h.call('POST', '/api/v1/projects', {
      as: h.admin,
      body: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(notJson.status, 415);
    const broken = await h.call('POST', '/api/v1/projects', { as: h.admin, body: '{"name":' });
    assert.equal(broken.status, 400);
    const huge = await h.call('POST', '/api/v1/projects', {
      as: h.admin,
      body: { name: 'a', description: 'x'.repeat(70_000) },
    });
    assert.equal(huge.status, 413);
  },
  ['sqlite'],
);

test('the schema validator covers the subset the routes use', () => {
  const schema = {
    type: 'object',
    properties: {
      n: { type: 'integer', minimum: 1, maximum: 3 },
      tags: { type: 'array', items: { type: 'string', maxLength: 3 }, maxItems: 2, uniqueItems: true },
      flag: { type: 'boolean' },
    },
    required: ['n'],
    additionalProperties: false,
  } as const;
  assert.deepEqual(validate(schema, { n: 2, tags: ['a'], flag: true }), []);
  assert.deepEqual(validate(schema, { n: 4 }), ['n must be ≤ 3']);
  assert.deepEqual(validate(schema, { n: 1.5 }), ['n must be an integer']);
  assert.deepEqual(validate(schema, { tags: ['a', 'a'] }), ['n is required', 'tags must not repeat items']);
  assert.deepEqual(validate(schema, { n: 1, tags: ['abcd'] }), ['tags[0] must have at most 3 characters']);
  assert.deepEqual(validate(schema, []), ['the body must be an object']);
  assert.deepEqual(validate(schema, { n: 1, __proto__: 1, constructor: 2 }), [
    'constructor is not a known property',
  ]);
});

test('outside loopback the server refuses plain HTTP unless --insecure-http', async () => {
  assert.equal(isLoopback('127.0.0.1'), true);
  assert.equal(isLoopback('::1'), true);
  assert.equal(isLoopback('0.0.0.0'), false);
  await assert.rejects(
    startServer({ dataDir: '/nonexistent', host: '0.0.0.0', port: 0 }),
    /Refusing to serve plain HTTP/,
  );
});
