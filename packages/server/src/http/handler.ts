import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../identity/authenticator.ts';
import { can, type Principal } from '../identity/principal.ts';
import type { RateLimiter } from '../identity/throttle.ts';
import { hasBody, readJson } from './body.ts';
import { HSTS, SECURITY_HEADERS } from './headers.ts';
import type { Metrics } from './metrics.ts';
import { HttpError, problemBody, toHttpError } from './problem.ts';
import type { ProjectRef, Reply, RequestContext, Route } from './route.ts';
import { type Router, splitTarget } from './router.ts';
import { validate } from './schema.ts';

/** What the request pipeline needs from the application. */
export interface Kernel {
  readonly auth: Authenticator;
  readonly authLimiter: RateLimiter;
  readonly metrics: Metrics;
  readonly clock: () => number;
  readonly tls: boolean;
  projectByName(name: string): Promise<ProjectRef | undefined>;
  /** Called for every request refused for lack of authentication or permission (the audit trail). */
  denied(event: DeniedRequest): Promise<void>;
  log(entry: Record<string, unknown>): void;
}

export interface DeniedRequest {
  readonly requestId: string;
  readonly ip: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly reason: string;
  readonly principal: Principal | undefined;
  readonly now: number;
}

const READ_METHODS = new Set(['GET', 'HEAD']);

function send(response: ServerResponse, reply: Reply, requestId: string, tls: boolean): void {
  const headers: Record<string, string | string[]> = { ...SECURITY_HEADERS, 'x-request-id': requestId };
  if (tls) headers['strict-transport-security'] = HSTS;
  for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = value;
  let payload: string | undefined;
  if (reply.text !== undefined) {
    payload = reply.text;
    headers['content-type'] = reply.contentType ?? 'text/plain; charset=utf-8';
  } else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] = reply.contentType ?? 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  if (reply.stream !== undefined) {
    headers['content-type'] = reply.contentType ?? 'application/octet-stream';
    response.writeHead(reply.status, headers);
    reply.stream.on('error', () => response.destroy());
    reply.stream.pipe(response);
    return;
  }
  response.writeHead(reply.status, headers);
  response.end(payload);
}

async function authorize<S extends Kernel>(
  services: S,
  route: Route<S>,
  principal: Principal | undefined,
  params: Record<string, string>,
): Promise<ProjectRef | undefined> {
  const access = route.access;
  if (access.kind === 'public' || access.kind === 'credentials') return undefined;
  if (principal === undefined) {
    throw new HttpError(401, 'unauthenticated', 'Log in or send "Authorization: Bearer <API token>".', {
      headers: { 'www-authenticate': 'Bearer realm="palisade"' },
    });
  }
  if (route.sessionOnly && principal.via !== 'session') {
    throw new HttpError(403, 'session-required', 'This action needs an interactive login, not an API token.');
  }
  if (access.kind === 'org' && !can(principal, access.permission)) {
    throw new HttpError(403, 'forbidden', `This needs the ${access.permission} permission on every project.`);
  }
  if (access.kind !== 'project') return undefined;
  const name = params.project ?? '';
  const project = await services.projectByName(name);
  // A project the caller may not read answers exactly like a missing one: no existence oracle.
  if (project === undefined || !can(principal, 'project:read', project.id)) {
    throw new HttpError(404, 'not-found', `No project "${name}" that you can see.`);
  }
  if (!can(principal, access.permission, project.id)) {
    throw new HttpError(
      403,
      'forbidden',
      `This needs the ${access.permission} permission on project "${name}".`,
    );
  }
  return project;
}

/** The request pipeline: id, route, rate limit, authentication, authorisation, body, handler, problem+json. */
export function createHandler<S extends Kernel>(services: S, router: Router<Route<S>>) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = performance.now();
    const requestId = randomBytes(12).toString('base64url');
    const ip = request.socket.remoteAddress ?? 'unknown';
    const method = request.method ?? 'GET';
    const now = services.clock();
    let routeName = 'unmatched';
    let principal: Principal | undefined;
    let reply: Reply;
    try {
      const { path, query } = splitTarget(request.url ?? '/');
      const { route, params } = router.match(method === 'HEAD' ? 'GET' : method, path);
      routeName = route.path;
      if (route.access.kind === 'credentials') services.authLimiter.take(ip, now);
      try {
        principal =
          route.access.kind === 'public'
            ? undefined
            : await services.auth.resolve(method, request.headers, now);
        const project = await authorize(services, route, principal, params);
        let body: unknown;
        if (route.access.kind === 'credentials' && !hasBody(request)) {
          throw new HttpError(401, 'unauthenticated', 'This path takes credentials in a JSON body.');
        }
        if (route.body !== undefined) {
          body = await readJson(request);
          const errors = validate(route.body, body);
          if (errors.length > 0)
            throw new HttpError(400, 'invalid-request', errors.join('; '), { extra: { errors } });
        } else if (route.streamed === undefined && hasBody(request) && !READ_METHODS.has(method)) {
          request.resume();
        }
        const context: RequestContext<S> = {
          services,
          request,
          requestId,
          ip,
          now,
          params,
          query,
          body,
          principal,
          project,
        };
        reply = await route.handle(context);
      } catch (error) {
        const failure = toHttpError(error);
        if (
          failure.status === 401 ||
          failure.status === 403 ||
          (failure.status === 404 && route.access.kind === 'project')
        ) {
          await services.denied({
            requestId,
            ip,
            method,
            route: route.path,
            status: failure.status,
            reason: failure.message,
            principal,
            now,
          });
        }
        throw failure;
      }
    } catch (error) {
      const failure = toHttpError(error);
      if (failure.status >= 500)
        services.log({
          level: 'error',
          requestId,
          route: routeName,
          error: String((error as Error)?.stack ?? error),
        });
      reply = {
        status: failure.status,
        body: problemBody(failure, requestId),
        contentType: 'application/problem+json',
        headers: failure.headers,
      };
      if (!request.readableEnded) request.resume();
    }
    if (method === 'HEAD') {
      reply.stream?.destroy();
      reply = { ...reply, body: undefined, text: undefined, stream: undefined };
    }
    send(response, reply, requestId, services.tls);
    services.metrics.observe(method, routeName, reply.status, (performance.now() - started) / 1000);
  };
}
