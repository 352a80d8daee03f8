import type { Services } from '../app.ts';
import { toOcsf } from '../audit/ocsf.ts';
import type { AuditQuery } from '../audit/trail.ts';
import { HttpError } from '../http/problem.ts';
import { json, type RequestContext, type Route } from '../http/route.ts';

const AUDIT = { kind: 'org', permission: 'audit:read' } as const;

/** Query parameters: since/until (ISO-8601 or epoch ms), actor, action, objectType, objectId, after, limit. */
function parseQuery(context: RequestContext<Services>, maxLimit: number): AuditQuery {
  const q = context.query;
  const time = (name: string): number | undefined => {
    const value = q.get(name);
    if (value === null) return undefined;
    const ms = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isFinite(ms))
      throw new HttpError(400, 'invalid-request', `${name} must be an ISO-8601 time or epoch milliseconds.`);
    return ms;
  };
  const text = (name: string): string | undefined => {
    const value = q.get(name);
    if (value !== null && (value.length === 0 || value.length > 128))
      throw new HttpError(400, 'invalid-request', `${name} is empty or too long.`);
    return value ?? undefined;
  };
  const integer = (name: string, fallback: number | undefined, max: number): number | undefined => {
    const value = q.get(name);
    if (value === null) return fallback;
    if (!/^\d{1,15}$/.test(value) || Number(value) > max)
      throw new HttpError(400, 'invalid-request', `${name} must be a whole number up to ${max}.`);
    return Number(value);
  };
  const since = time('since');
  const until = time('until');
  const actor = text('actor');
  const action = text('action');
  const objectType = text('objectType');
  const objectId = text('objectId');
  const after = integer('after', undefined, Number.MAX_SAFE_INTEGER);
  return {
    limit: integer('limit', Math.min(100, maxLimit), maxLimit) ?? 100,
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(actor !== undefined ? { actor } : {}),
    ...(action !== undefined ? { action } : {}),
    ...(objectType !== undefined ? { objectType } : {}),
    ...(objectId !== undefined ? { objectId } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

export const auditRoutes: Route<Services>[] = [
  {
    method: 'GET',
    path: '/api/v1/audit',
    operationId: 'queryAudit',
    summary: 'Audit events by time, actor, action and object (read from the tamper-evident ledger)',
    tag: 'audit',
    access: AUDIT,
    handle: async (context) => {
      const events = await context.services.audit.query(parseQuery(context, 1000));
      return json(200, { events, next: events.at(-1)?.seq ?? null });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/audit/export',
    operationId: 'exportAudit',
    summary: 'Audit events as OCSF 1.1 JSON lines, for a SIEM',
    tag: 'audit',
    access: AUDIT,
    handle: async (context) => {
      const { services } = context;
      const events = await services.audit.query(parseQuery(context, 10_000));
      return {
        status: 200,
        text: events.map((e) => `${JSON.stringify(toOcsf(e, services.version))}\n`).join(''),
        contentType: 'application/x-ndjson',
        audit: { action: 'audit.export', details: { events: events.length } },
      };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/audit/verify',
    operationId: 'verifyAudit',
    summary: 'Recompute the audit ledger and its signed checkpoints; names the first changed event',
    tag: 'audit',
    access: AUDIT,
    handle: async (context) => {
      const result = await context.services.audit.verify();
      return json(200, { ...result, checkpointKey: context.services.auditKey });
    },
  },
];
