import assert from 'node:assert/strict';
import { routes } from './api/routes.ts';
import { ROLES, type Role } from './identity/roles.ts';
import { ADMIN_PASSWORD, type Credentials, type Harness, serverTest, USER_PASSWORD } from './test-harness.ts';

/**
 * Every route × every role (as a session and as an API token with every scope), anonymously, and with an
 * expired and a revoked token. The expectations are written out here, not derived from the role table, so that
 * a change to either shows up as a failing cell. A route missing from this table fails the test.
 */
/** `ingest`: only a deployment's ingestion token, which no user credential is. */
type Expectation = 'public' | 'credentials' | 'ingest' | 'any' | 'session' | readonly Role[];

const EVERY_ROLE = ROLES;
const EXPECTED: Readonly<Record<string, Expectation>> = {
  health: 'public',
  ready: 'public',
  metrics: 'public',
  openapi: 'public',
  dashboard: 'public',
  dashboardAsset: 'public',
  setup: 'credentials',
  login: 'credentials',
  logout: 'session',
  logoutAll: 'session',
  me: 'any',
  changePassword: 'session',
  beginTotp: 'session',
  confirmTotp: 'session',
  generateRecoveryCodes: 'session',
  listTokens: 'any',
  createToken: 'session',
  revokeToken: 'any',
  listUsers: ['admin'],
  createUser: ['admin'],
  grantRole: ['admin'],
  revokeRole: ['admin'],
  disableUser: ['admin'],
  listProjects: 'any',
  createProject: ['admin'],
  getProject: EVERY_ROLE,
  ...inventoryRows('Model'),
  ...inventoryRows('Dataset'),
  createJob: ['admin', 'security', 'ml-engineer'],
  listJobs: EVERY_ROLE,
  getJob: EVERY_ROLE,
  queryAudit: ['admin'],
  exportAudit: ['admin'],
  verifyAudit: ['admin'],
  listWebhooks: ['admin'],
  createWebhook: ['admin'],
  deleteWebhook: ['admin'],
  ...monitoringRows(),
};

function monitoringRows(): Record<string, Expectation> {
  const writers: readonly Role[] = ['admin', 'security', 'ml-engineer'];
  return {
    createDeployment: writers,
    listDeployments: EVERY_ROLE,
    getDeployment: EVERY_ROLE,
    silenceAlerts: writers,
    ingestEvents: 'ingest',
    flushDeployment: 'ingest',
    listIncidents: EVERY_ROLE,
    openIncident: writers,
    getIncident: EVERY_ROLE,
    moveIncident: writers,
    commentIncident: writers,
    runIncidentPlaybook: writers,
    exportFindings: ['admin', 'security', 'auditor'],
    admitPod: 'any',
  };
}

function inventoryRows(title: string): Record<string, Expectation> {
  const writers: readonly Role[] = ['admin', 'security', 'ml-engineer'];
  return {
    [`list${title}s`]: EVERY_ROLE,
    [`create${title}`]: writers,
    [`get${title}`]: EVERY_ROLE,
    [`upload${title}Version`]: writers,
    [`register${title}Version`]: writers,
    [`get${title}Version`]: EVERY_ROLE,
    [`download${title}Version`]: EVERY_ROLE,
    [`move${title}Alias`]: writers,
    [`add${title}Evidence`]: writers,
    [`list${title}Evidence`]: EVERY_ROLE,
  };
}

const PARAMS: Readonly<Record<string, string>> = {
  project: 'alpha',
  user: 'nobody',
  token: 'no-such-token',
  name: 'm1',
  digest: `sha256:${'0'.repeat(64)}`,
  alias: 'prod',
  job: 'no-such-job',
  webhook: 'no-such-webhook',
};
/** Routes that end the caller's sessions get a fresh login for each call, and run last. */
const ENDS_SESSION = ['logout', 'logoutAll'];
const ORDERED = [
  ...routes.filter((r) => !ENDS_SESSION.includes(r.operationId)),
  ...ENDS_SESSION.flatMap((id) => routes.filter((r) => r.operationId === id)),
];

function denied(status: number, body: unknown): boolean {
  return (
    status === 401 ||
    status === 403 ||
    (status === 404 && /that you can see/.test(String((body as { detail?: string })?.detail)))
  );
}

interface Caller {
  readonly label: string;
  readonly role: Role | undefined;
  readonly via: 'anonymous' | 'session' | 'token' | 'dead-token';
  readonly as: Credentials;
  readonly username?: string;
}

function allowed(expectation: Expectation, caller: Caller): boolean {
  if (expectation === 'public') return true;
  if (expectation === 'credentials') return false; // no credentials in the body: 401 for everyone
  if (expectation === 'ingest') return false;
  if (caller.via === 'anonymous' || caller.via === 'dead-token' || caller.role === undefined) return false;
  if (expectation === 'any') return true;
  if (expectation === 'session') return caller.via === 'session';
  return expectation.includes(caller.role);
}

async function callAll(h: Harness, callers: readonly Caller[], failures: string[]): Promise<void> {
  for (const route of ORDERED) {
    const expectation = EXPECTED[route.operationId];
    if (expectation === undefined) {
      failures.push(
        `${route.operationId} (${route.method} ${route.path}) has no row in the authorization matrix`,
      );
      continue;
    }
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => PARAMS[name] ?? 'x');
    for (const caller of callers) {
      let as = caller.as;
      if (
        ENDS_SESSION.includes(route.operationId) &&
        caller.via === 'session' &&
        caller.username !== undefined
      ) {
        as =
          caller.role === 'admin'
            ? await h.login('root', ADMIN_PASSWORD, h.adminTotpSecret)
            : await h.login(caller.username, USER_PASSWORD);
      }
      const reply = await h.call(route.method, path, { as });
      const wanted = allowed(expectation, caller);
      if (denied(reply.status, reply.body) === wanted) {
        failures.push(
          `${route.method} ${route.path} as ${caller.label}: ${reply.status}, expected ${wanted ? 'allowed' : 'denied'}`,
        );
      }
    }
  }
}

serverTest(
  'authorization matrix: every route as every role, anonymously, and with dead tokens',
  async (h) => {
    for (const name of ['alpha', 'beta']) {
      assert.equal((await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name } })).status, 201);
    }
    const callers: Caller[] = [{ label: 'anonymous', role: undefined, via: 'anonymous', as: {} }];
    for (const role of ROLES) {
      const username = `as-${role}`;
      const session = role === 'admin' ? h.admin : await h.user(username, [['alpha', role]]);
      const { token } = await h.token(session);
      callers.push({ label: `${role} session`, role, via: 'session', as: session, username });
      callers.push({ label: `${role} token`, role, via: 'token', as: { token } });
    }
    const revoked = await h.token(h.admin);
    assert.equal((await h.call('DELETE', `/api/v1/tokens/${revoked.id}`, { as: h.admin })).status, 204);
    callers.push({
      label: 'revoked admin token',
      role: 'admin',
      via: 'dead-token',
      as: { token: revoked.token },
    });
    const expiring = await h.token(h.admin, undefined, 1);

    const failures: string[] = [];
    await callAll(h, callers, failures);
    h.advance(2 * 86_400_000);
    await callAll(
      h,
      [{ label: 'expired admin token', role: 'admin', via: 'dead-token', as: { token: expiring.token } }],
      failures,
    );
    assert.deepEqual(failures, []);
  },
);

serverTest('a role on one project shows nothing of another project', async (h) => {
  for (const name of ['alpha', 'beta'])
    await h.call('POST', '/api/v1/projects', { as: h.admin, body: { name } });
  for (const role of ROLES.filter((r) => r !== 'admin')) {
    const session = await h.user(`only-alpha-${role}`, [['alpha', role]]);
    const list = await h.call('GET', '/api/v1/projects', { as: session });
    assert.deepEqual(
      (list.body as { projects: { name: string }[] }).projects.map((p) => p.name),
      ['alpha'],
    );
    const other = await h.call('GET', '/api/v1/projects/beta', { as: session });
    const missing = await h.call('GET', '/api/v1/projects/gamma', { as: session });
    assert.equal(other.status, 404, `${role} cannot see beta`);
    assert.equal(missing.status, 404);
    assert.equal(
      (other.body as { detail: string }).detail.replace('beta', 'X'),
      (missing.body as { detail: string }).detail.replace('gamma', 'X'),
      'an invisible project answers exactly like a missing one',
    );
  }
});
