import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuditEvent, clean } from '../audit/event.ts';
import type { Authenticator } from '../identity/authenticator.ts';
import { can, type Principal } from '../identity/principal.ts';
import { RateLimiter } from '../identity/throttle.ts';
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
  /** Per-route buckets (route.rateLimit), keyed by user. */
  readonly routeLimiters: Map<string, RateLimiter>;
  readonly metrics: Metrics;
  readonly clock: () => number;
  readonly tls: boolean;
  projectByName(name: string): Promise<ProjectRef | undefined>;
  /** The audit trail: every authentication event, state change and denied request is recorded. */
  readonly audit: { record(event: AuditEvent): Promise<number> };
  log(entry: Record<string, unknown>): void;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'DELETE']);

/** The object a request acts on, from its path parameters (handlers may name it better). */
function objectOf(params: Record<string, string>): AuditEvent['object'] {
  const project = params.project;
  const scoped = (type: string, id: string) => ({ type, id, ...(project ? { project } : {}) });
  if (params.job) return scoped('job', params.job);
  if (params.name) return scoped('artifact', params.name);
  if (params.user) return { type: 'user', id: params.user };
  if (params.token) return { type: 'token', id: params.token };
  if (project) return { type: 'project', id: project };
  return undefined;
}

export function actorOf(
  principal: Principal | undefined,
  ip: string,
  request: IncomingMessage,
): AuditEvent['actor'] {
  const agent = request.headers['user-agent'];
  return {
    ...(principal
      ? {
          userId: principal.user.id,
          username: principal.user.username,
          via: principal.via,
          ...(principal.token ? { tokenId: principal.token.id } : {}),
        }
      : { via: 'anonymous' as const }),
    ip,
    ...(typeof agent === 'string' ? { userAgent: clean(agent) } : {}),
  };
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
    let body: unknown;
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
        if (route.rateLimit !== undefined) {
          const { bucket, perMinute } = route.rateLimit;
          let limiter = services.routeLimiters.get(bucket);
          if (limiter === undefined) {
            limiter = new RateLimiter(perMinute, perMinute);
            services.routeLimiters.set(bucket, limiter);
          }
          limiter.take(principal?.user.id ?? ip, now);
        }
        if (route.access.kind === 'credentials' && !hasBody(request)) {
          throw new HttpError(401, 'unauthenticated', 'This path takes credentials in a JSON body.');
        }
        if (route.body !== undefined) {
          body = await readJson(request, route.maxBodyBytes);
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
        const note = reply.audit;
        if (note !== undefined || (WRITE_METHODS.has(method) && reply.status < 400)) {
          const object = note?.object ?? objectOf(params);
          await services.audit.record({
            time: now,
            action: note?.action ?? route.operationId,
            outcome: 'success',
            actor: note?.actor
              ? { ...actorOf(undefined, ip, request), ...note.actor, via: 'session' }
              : actorOf(principal, ip, request),
            ...(object ? { object } : {}),
            request: { id: requestId, method, route: route.path, status: reply.status },
            ...(note?.details ? { details: note.details } : {}),
          });
        }
      } catch (error) {
        const failure = toHttpError(error);
        const credentials = route.access.kind === 'credentials';
        if (
          failure.status === 401 ||
          failure.status === 403 ||
          failure.status === 429 ||
          (failure.status === 404 && route.access.kind === 'project') ||
          (credentials && failure.status < 500)
        ) {
          const claimed = (body as { username?: unknown } | undefined)?.username;
          const object = objectOf(params);
          await services.audit.record({
            time: now,
            action: credentials
              ? route.operationId === 'login'
                ? 'auth.login'
                : route.operationId
              : 'access.denied',
            outcome: 'failure',
            actor: {
              ...actorOf(principal, ip, request),
              ...(credentials && typeof claimed === 'string' ? { username: clean(claimed) } : {}),
            },
            ...(object ? { object } : {}),
            request: { id: requestId, method, route: route.path, status: failure.status },
            reason: failure.message,
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
