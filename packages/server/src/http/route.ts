import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Principal } from '../identity/principal.ts';
import type { Permission } from '../identity/roles.ts';
import type { Method } from './router.ts';
import type { Schema } from './schema.ts';

/**
 * Who may call a route. Deny by default: a route says exactly which permission it needs and on what; the
 * pipeline checks it before the handler runs, so a handler cannot forget to.
 * - `public`: health, readiness, metrics and the OpenAPI document only;
 * - `credentials`: anonymous, but the body carries credentials (setup, login) — 401 without them, rate limited;
 * - `user`: any authenticated principal, acting on its own account;
 * - `org`: a permission granted organisation-wide (`*` bindings);
 * - `project`: a permission on the project named by the `{project}` path parameter.
 */
export type Access =
  | { readonly kind: 'public' }
  | { readonly kind: 'credentials' }
  | { readonly kind: 'user' }
  | { readonly kind: 'org'; readonly permission: Permission }
  | { readonly kind: 'project'; readonly permission: Permission };

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  /** A non-JSON body (metrics, JSON lines). */
  readonly text?: string;
  /** A streamed body (downloads). */
  readonly stream?: Readable;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string | string[]>>;
  /** What the audit event of this request should say beyond the defaults (route, caller, path parameters). */
  readonly audit?: AuditNote;
}

export interface AuditNote {
  readonly action?: string;
  readonly actor?: { readonly userId: string; readonly username: string };
  readonly object?: { readonly type: string; readonly id: string; readonly project?: string };
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface ProjectRef {
  readonly id: string;
  readonly name: string;
}

export interface RequestContext<S> {
  readonly services: S;
  readonly request: IncomingMessage;
  readonly requestId: string;
  readonly ip: string;
  readonly now: number;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The validated JSON body (routes with a `body` schema). */
  readonly body: unknown;
  /** Present on every route but `public` and `credentials` ones. */
  readonly principal: Principal | undefined;
  /** The project of a `project` route, resolved and authorised. */
  readonly project: ProjectRef | undefined;
}

export interface Route<S> {
  readonly method: Method;
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  readonly access: Access;
  /** Only a browser session (with MFA for admins) may call it: creating tokens, changing passwords. */
  readonly sessionOnly?: boolean;
  /**
   * A rate-limit bucket of its own (platform-security §7: separate buckets for login, TOTP, token creation and
   * scans): at most `perMinute` calls per user, in bursts of as many.
   */
  readonly rateLimit?: { readonly bucket: string; readonly perMinute: number };
  readonly body?: Schema;
  /** The body is streamed to the handler (uploads) instead of parsed as JSON. */
  readonly streamed?: { readonly contentType: string };
  /** A larger JSON body limit than the default 64 KiB (reports sent as evidence). */
  readonly maxBodyBytes?: number;
  readonly response?: { readonly status: number; readonly description: string; readonly schema?: Schema };
  handle(context: RequestContext<S>): Promise<Reply>;
}

export function json(
  status: number,
  body: unknown,
  headers?: Record<string, string | string[]>,
  audit?: AuditNote,
): Reply {
  return { status, body, ...(headers ? { headers } : {}), ...(audit ? { audit } : {}) };
}
