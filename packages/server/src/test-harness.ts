import { rmSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { DIALECTS, testDatabase } from './db/test-databases.ts';
import type { Role } from './identity/roles.ts';
import { base32Decode, hotp, totpStep } from './identity/totp.ts';
import { type RunningServer, type ServeOptions, startServer } from './server.ts';

/**
 * Test support: an in-process server on port 0 over a fresh database of either dialect, a clock the test moves,
 * and a client that speaks as anonymous, as a session (cookie + CSRF) or as an API token.
 */
export interface Credentials {
  readonly cookie?: string;
  readonly csrf?: string;
  readonly token?: string;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly text: string;
}

export interface Harness {
  readonly server: RunningServer;
  readonly url: string;
  now(): number;
  advance(ms: number): void;
  call(
    method: string,
    path: string,
    options?: { as?: Credentials; body?: unknown; headers?: Record<string, string> },
  ): Promise<Reply>;
  readonly admin: Credentials;
  readonly adminTotpSecret: string;
  /** Creates a user with the given bindings ([project name or *, role]) and logs it in. */
  user(username: string, roles: readonly (readonly [string, Role])[]): Promise<Credentials>;
  login(username: string, password: string, totpSecret?: string): Promise<Credentials>;
  /** A token of the given user session with every scope unless told otherwise. */
  token(
    as: Credentials,
    scopes?: readonly string[],
    expiresInDays?: number,
  ): Promise<{ id: string; token: string }>;
}

export const ADMIN_PASSWORD = 'admin password for tests';
export const USER_PASSWORD = 'user password for tests';
export const ALL_SCOPES = [
  'project:read',
  'project:create',
  'artifact:read',
  'artifact:write',
  'alias:write',
  'job:read',
  'job:create',
  'audit:read',
  'user:manage',
];

/** Cheap Argon2id for tests: the server's default (19 MiB, t = 2) costs ~100 ms per login on a busy CI box. */
export const TEST_ARGON2 = { memory: 256, passes: 1, parallelism: 1, tagLength: 32 };

export function totpCode(secret: string, now: number): string {
  return hotp(base32Decode(secret), totpStep(now));
}

async function open(dialect: (typeof DIALECTS)[number], t: TestContext, serve: Partial<ServeOptions>) {
  const database = await testDatabase(dialect);
  if (database === undefined) return undefined;
  // The harness reopens the database through the server: close the test handle, keep its files and schema.
  await database.db.close();
  let clock = Date.now();
  const server = await startServer({
    dataDir: database.dataDir,
    port: 0,
    ...(database.url
      ? { database: `${database.url}${database.url.includes('?') ? '&' : '?'}schema=${database.schema}` }
      : {}),
    clock: () => clock,
    authRequestsPerMinute: 10_000,
    argon2: TEST_ARGON2,
    ...serve,
  });
  t.after(async () => {
    await server.close();
    if (database.schema !== undefined) {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${database.schema} CASCADE`);
      await client.end();
    }
    rmSync(database.dataDir, { recursive: true, force: true });
  });
  return {
    server,
    now: () => clock,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

export async function startHarness(
  dialect: (typeof DIALECTS)[number],
  t: TestContext,
  serve: Partial<ServeOptions> = {},
): Promise<Harness | undefined> {
  const opened = await open(dialect, t, serve);
  if (opened === undefined) return undefined;
  const { server, now, advance } = opened;
  const call: Harness['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    const as = options.as ?? {};
    if (as.cookie) headers.cookie = as.cookie;
    if (as.csrf) headers['x-csrf-token'] = as.csrf;
    if (as.token) headers.authorization = `Bearer ${as.token}`;
    const raw = options.body instanceof FormData || options.body instanceof Uint8Array;
    if (options.body !== undefined && !raw) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(options.body !== undefined
        ? {
            body:
              raw || typeof options.body === 'string'
                ? (options.body as FormData | Uint8Array<ArrayBuffer> | string)
                : JSON.stringify(options.body),
          }
        : {}),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, body, text };
  };
  const login = async (username: string, password: string, totpSecret?: string): Promise<Credentials> => {
    advance(30_000); // TOTP codes are single-use: each login needs the next step
    const reply = await call('POST', '/api/v1/auth/login', {
      body: { username, password, ...(totpSecret ? { totp: totpCode(totpSecret, now()) } : {}) },
    });
    if (reply.status !== 200) throw new Error(`login ${username}: ${reply.status} ${reply.text}`);
    const cookie = reply.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    return { cookie, csrf: (reply.body as { csrfToken: string }).csrfToken };
  };
  const setup = await call('POST', '/api/v1/setup', {
    body: { setupToken: server.setupToken, username: 'root', password: ADMIN_PASSWORD },
  });
  if (setup.status !== 201) throw new Error(`setup: ${setup.status} ${setup.text}`);
  const adminSecret = (setup.body as { totpSecret: string }).totpSecret;
  const admin = await login('root', ADMIN_PASSWORD, adminSecret);
  const harness: Harness = {
    server,
    url: server.url,
    now,
    advance,
    call,
    admin,
    adminTotpSecret: adminSecret,
    login,
    user: async (username, roles) => {
      const created = await call('POST', '/api/v1/users', {
        as: admin,
        body: { username, password: USER_PASSWORD },
      });
      if (created.status !== 201) throw new Error(`create ${username}: ${created.status} ${created.text}`);
      for (const [project, role] of roles) {
        const granted = await call('POST', `/api/v1/users/${username}/roles`, {
          as: admin,
          body: { project, role },
        });
        if (granted.status !== 200) throw new Error(`grant ${username}: ${granted.status} ${granted.text}`);
      }
      return login(username, USER_PASSWORD);
    },
    token: async (as, scopes = ALL_SCOPES, expiresInDays) => {
      const reply = await call('POST', '/api/v1/tokens', {
        as,
        body: { name: 'test', scopes, ...(expiresInDays ? { expiresInDays } : {}) },
      });
      if (reply.status !== 201) throw new Error(`token: ${reply.status} ${reply.text}`);
      return reply.body as { id: string; token: string };
    },
  };
  return harness;
}

/** Registers `body` once per dialect; PostgreSQL runs are skipped (or fail in CI) when it is down. */
export function serverTest(
  name: string,
  body: (h: Harness, t: TestContext) => Promise<void>,
  dialects: readonly (typeof DIALECTS)[number][] = DIALECTS,
  serve: Partial<ServeOptions> = {},
): void {
  for (const dialect of dialects) {
    test(`${dialect}: ${name}`, async (t) => {
      const harness = await startHarness(dialect, t, serve);
      if (harness === undefined) {
        t.skip('PostgreSQL is not reachable');
        return;
      }
      await body(harness, t);
    });
  }
}
