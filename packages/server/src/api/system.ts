import type { Services } from '../app.ts';
import { openApiDocument } from '../http/openapi.ts';
import { HttpError } from '../http/problem.ts';
import { json, type Route } from '../http/route.ts';

const PUBLIC = { kind: 'public' } as const;

export const systemRoutes: Route<Services>[] = [
  {
    method: 'GET',
    path: '/healthz',
    operationId: 'health',
    summary: 'Liveness: the process answers',
    tag: 'system',
    access: PUBLIC,
    handle: async () => json(200, { status: 'ok' }),
  },
  {
    method: 'GET',
    path: '/readyz',
    operationId: 'ready',
    summary: 'Readiness: the database answers',
    tag: 'system',
    access: PUBLIC,
    handle: async ({ services }) => {
      try {
        await services.db.ping();
      } catch {
        throw new HttpError(503, 'not-ready', 'The database does not answer.');
      }
      return json(200, { status: 'ready', database: services.db.dialect });
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    tag: 'system',
    access: PUBLIC,
    handle: async ({ services }) => ({
      status: 200,
      text: await services.metrics.render(),
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
    }),
  },
  {
    method: 'GET',
    path: '/api/v1/openapi.json',
    operationId: 'openapi',
    summary: 'This API as an OpenAPI 3.1 document',
    tag: 'system',
    access: PUBLIC,
    handle: async ({ services }) =>
      json(200, openApiDocument(services.router.routes as never, services.version)),
  },
];
