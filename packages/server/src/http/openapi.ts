import type { Route } from './route.ts';

const PROBLEM = {
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
  },
  required: ['type', 'title', 'status', 'detail'],
};

function problem(description: string) {
  return {
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

/** The OpenAPI 3.1 document, generated from the route table: the schemas here are the ones that validate. */
export function openApiDocument(routes: readonly Route<never>[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const security =
      route.access.kind === 'public' || route.access.kind === 'credentials'
        ? []
        : route.sessionOnly
          ? [{ session: [] }]
          : [{ bearer: [] }, { session: [] }];
    const responses: Record<string, unknown> = {
      [String(route.response?.status ?? 200)]: {
        description: route.response?.description ?? 'OK',
        ...(route.response?.schema
          ? { content: { 'application/json': { schema: route.response.schema } } }
          : {}),
      },
      '400': problem('The request is malformed or invalid'),
      '429': problem('Too many requests'),
    };
    if (route.access.kind !== 'public') responses['401'] = problem('No or bad credentials');
    if (route.access.kind !== 'public' && route.access.kind !== 'credentials')
      responses['403'] = problem('Not permitted');
    if (names.length > 0) responses['404'] = problem('Not found, or not visible to the caller');
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      security,
      ...(route.access.kind === 'org' || route.access.kind === 'project'
        ? {
            'x-palisade-permission': `${route.access.permission} (${route.access.kind === 'org' ? 'every project' : 'the project'})`,
          }
        : {}),
      parameters: names.map((name) => ({
        name,
        in: 'path',
        required: true,
        schema: { type: 'string', maxLength: 128 },
      })),
      responses,
    };
    if (route.body !== undefined) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: route.body } } };
    } else if (route.streamed !== undefined) {
      operation.requestBody = { required: true, content: { [route.streamed.contentType]: {} } };
    }
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Palisade API',
      version,
      description: 'Inventory, scan jobs, gates, identity and the audit trail of a Palisade server.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Problem: PROBLEM },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API token (pal_…)' },
        session: { type: 'apiKey', in: 'cookie', name: '__Host-palisade-session' },
      },
    },
  };
}
