/**
 * The dashboard's only way to the server: its public HTTP API under /api/v1. Session cookies travel by
 * themselves (HttpOnly, never visible here); writes carry the CSRF token that login returned, kept for this
 * tab only (sessionStorage), because no other route hands it out again.
 */
const CSRF_KEY = 'palisade.csrf';

export class ApiError extends Error {
  readonly status: number;
  /** The problem kind: the last segment of the RFC 9457 `type` (`gate-denied`, `mfa-required`…). */
  readonly kind: string;
  readonly problem: Record<string, unknown>;

  constructor(status: number, problem: Record<string, unknown>) {
    super(typeof problem.detail === 'string' ? problem.detail : `The server answered ${status}.`);
    this.status = status;
    this.kind = typeof problem.type === 'string' ? (problem.type.split('/').pop() ?? '') : '';
    this.problem = problem;
  }
}

let onSessionEnded: (message: string) => void = () => {};

/** Called when the server says the session is gone (expired, logged out elsewhere, revoked). */
export function whenSessionEnds(handler: (message: string) => void): void {
  onSessionEnded = handler;
}

export function setCsrf(token: string): void {
  sessionStorage.setItem(CSRF_KEY, token);
}

export function clearCsrf(): void {
  sessionStorage.removeItem(CSRF_KEY);
}

function headersFor(method: string, json: boolean): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (json) headers['content-type'] = 'application/json';
  const csrf = sessionStorage.getItem(CSRF_KEY);
  if (method !== 'GET' && csrf !== null) headers['x-csrf-token'] = csrf;
  return headers;
}

async function parse(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 200) };
  }
}

function fail(status: number, body: unknown, anonymous: boolean): never {
  const problem = (body ?? {}) as Record<string, unknown>;
  const error = new ApiError(status, problem);
  if (status === 401 && !anonymous) onSessionEnded(error.message);
  // A tab opened after sign-in lacks the CSRF token (login alone returns it): it must sign in to change anything.
  if (status === 403 && error.kind === 'csrf' && !anonymous)
    onSessionEnded('this tab does not hold the token that changes need; sign in again here.');
  throw error;
}

/** A JSON call. `anonymous` calls (setup, login) never count as a lost session when they answer 401. */
export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  options: { anonymous?: boolean } = {},
): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: headersFor(method, body !== undefined),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const parsed = await parse(response);
  if (!response.ok) fail(response.status, parsed, options.anonymous === true);
  return parsed as T;
}

/** Uploads a file as the request body, reporting progress (fetch cannot report upload progress; XHR can). */
export function upload<T>(
  path: string,
  file: File,
  onProgress: (sent: number, total: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1${path}`);
    for (const [name, value] of Object.entries(headersFor('POST', false))) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('x-palisade-filename', encodeURIComponent(file.name));
    xhr.upload.addEventListener('progress', (event) => onProgress(event.loaded, event.total || file.size));
    xhr.addEventListener('error', () =>
      reject(new Error('The upload failed: the server could not be reached.')),
    );
    xhr.addEventListener('load', () => {
      let body: unknown;
      try {
        body = xhr.responseText === '' ? undefined : JSON.parse(xhr.responseText);
      } catch {
        body = { detail: xhr.responseText.slice(0, 200) };
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else {
        try {
          fail(xhr.status, body, false);
        } catch (error) {
          reject(error);
        }
      }
    });
    xhr.send(file);
  });
}

/** Path segments are percent-encoded: names come from the server, never trusted as path syntax. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

export interface Binding {
  readonly project: string;
  readonly role: string;
}

export interface User {
  readonly id: string;
  readonly username: string;
  readonly mfa: boolean;
  readonly disabled: boolean;
  readonly createdAt: string;
  readonly roles?: readonly Binding[];
}

export interface Me extends User {
  readonly via: 'session' | 'token';
}

export interface Project {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly createdAt: string;
}

export type ArtifactKind = 'model' | 'dataset';

export interface Artifact {
  readonly name: string;
  readonly kind: ArtifactKind;
  readonly createdAt: string;
}

export interface Version {
  readonly digest: string;
  readonly size: number | null;
  readonly filename: string | null;
  readonly stored: boolean;
  readonly createdAt: string;
  readonly scanJob?: string;
}

export interface Alias {
  readonly name: string;
  readonly digest: string;
  readonly updatedAt: string;
}

export interface ArtifactDetail extends Artifact {
  readonly versions: readonly Version[];
  readonly aliases: readonly Alias[];
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly title: string;
  readonly message: string;
  readonly location: { readonly path: string; readonly member?: string; readonly offset?: number };
  readonly evidence?: Readonly<Record<string, string | number | boolean | readonly string[]>>;
  readonly references?: Readonly<Record<string, readonly string[]>>;
  readonly remediation?: string;
}

export interface ScanReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly files: readonly {
    readonly path: string;
    readonly format: string;
    readonly size: number;
    readonly status: string;
    readonly findings: readonly Finding[];
  }[];
  readonly summary: {
    readonly files: number;
    readonly findings: Readonly<Record<Severity, number>>;
    readonly highest: Severity | null;
  };
}

export interface Job {
  readonly id: string;
  readonly kind: string;
  readonly state: 'queued' | 'running' | 'succeeded' | 'failed';
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly error: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly result?: ScanReport | null;
}

export interface RuleResult {
  readonly rule: string;
  readonly pack: string;
  readonly title: string;
  readonly severity: string;
  readonly mode: string;
  readonly outcome: string;
  readonly effect: string;
  readonly reasons: readonly string[];
  readonly remediation?: string;
  readonly frameworks?: Readonly<Record<string, readonly string[]>>;
}

export interface Decision {
  readonly decision: 'allow' | 'warn' | 'deny';
  readonly allowed: boolean;
  readonly environment: string;
  readonly evaluatedAt: string;
  readonly packs: readonly { readonly id: string; readonly version: string }[];
  readonly results: readonly RuleResult[];
}

export interface AuditEvent {
  readonly seq: number;
  readonly time: number;
  readonly action: string;
  readonly outcome: 'success' | 'failure';
  readonly actor: {
    readonly userId?: string;
    readonly username?: string;
    readonly via?: string;
    readonly tokenId?: string;
    readonly ip?: string;
  };
  readonly object?: { readonly type: string; readonly id: string; readonly project?: string };
  readonly request?: {
    readonly id: string;
    readonly method: string;
    readonly route: string;
    readonly status: number;
  };
  readonly reason?: string;
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface Token {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastUsedAt: string | null;
  readonly revoked: boolean;
  readonly token?: string;
}
