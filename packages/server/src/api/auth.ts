import type { Services } from '../app.ts';
import { HttpError } from '../http/problem.ts';
import { json, type RequestContext, type Route } from '../http/route.ts';
import { NAME, obj, str } from '../http/schema.ts';
import { SESSION_ABSOLUTE_MS, sessionCookie } from '../identity/authenticator.ts';
import { passwordProblem } from '../identity/password.ts';
import { ALL_PROJECTS, PERMISSIONS } from '../identity/roles.ts';
import { newApiToken, secretHash } from '../identity/secrets.ts';
import { newTotpSecret, otpauthUri, verifyTotp } from '../identity/totp.ts';
import { tokenView, userView } from './views.ts';

const PASSWORD = str(256, { minLength: 1 });
const TOTP = str(6, { pattern: '^[0-9]{6}$' });
const USER = { kind: 'user' } as const;
const DAY_MS = 86_400_000;

function principalOf(context: RequestContext<Services>) {
  const principal = context.principal;
  if (principal === undefined) throw new HttpError(401, 'unauthenticated', 'Log in first.');
  return principal;
}

function checkPassword(password: string, username: string): void {
  const problem = passwordProblem(password, username);
  if (problem !== undefined) throw new HttpError(400, 'weak-password', `Password refused: ${problem}.`);
}

export const authRoutes: Route<Services>[] = [
  {
    method: 'POST',
    path: '/api/v1/setup',
    operationId: 'setup',
    summary: 'Create the first admin with the one-time setup token printed at first start',
    tag: 'auth',
    access: { kind: 'credentials' },
    body: obj({ setupToken: str(128, { minLength: 1 }), username: NAME, password: PASSWORD }, [
      'setupToken',
      'username',
      'password',
    ]),
    response: { status: 201, description: 'The admin, with the TOTP secret to enrol before logging in' },
    handle: async ({ services, body, ip, now }) => {
      const input = body as { setupToken: string; username: string; password: string };
      await services.authThrottle.check([`setup:ip:${ip}`], now);
      checkPassword(input.password, input.username);
      const passwordHash = await services.passwords.hash(input.password);
      const secret = newTotpSecret();
      const user = await services.db.transaction(async (tx) => {
        if (!(await services.identity.consumeSetupToken(secretHash(input.setupToken), now, tx)))
          return undefined;
        const created = await services.identity.createUser(
          { username: input.username, passwordHash },
          now,
          tx,
        );
        await services.identity.grant(created.id, ALL_PROJECTS, 'admin', now, tx);
        await services.identity.setTotpPending(created.id, secret, tx);
        return created;
      });
      if (user === undefined) {
        await services.authThrottle.failure([`setup:ip:${ip}`], now);
        throw new HttpError(401, 'invalid-credentials', 'The setup token is wrong or was already used.');
      }
      return json(
        201,
        {
          user: userView(user),
          totpSecret: secret,
          otpauthUri: otpauthUri(secret, user.username),
          next: 'Add the secret to an authenticator app, then log in with a code from it (totp).',
        },
        undefined,
        { actor: { userId: user.id, username: user.username }, object: { type: 'user', id: user.username } },
      );
    },
  },
  {
    method: 'POST',
    path: '/api/v1/auth/login',
    operationId: 'login',
    summary: 'Log in with a password (and TOTP code); sets the session cookie and returns the CSRF token',
    tag: 'auth',
    access: { kind: 'credentials' },
    body: obj(
      {
        username: str(64, { minLength: 1 }),
        password: PASSWORD,
        totp: TOTP,
        recoveryCode: str(19, {
          pattern: '^[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}$',
        }),
      },
      ['username', 'password'],
    ),
    handle: async ({ services, body, ip, now }) => {
      const input = body as { username: string; password: string; totp?: string; recoveryCode?: string };
      const result = await services.auth.login(input, ip, now);
      return json(
        200,
        {
          user: userView(result.user, await services.identity.bindings(result.user.id)),
          csrfToken: result.csrfToken,
          mfa: result.session.mfa,
          expiresAt: new Date(result.session.expiresAt).toISOString(),
        },
        { 'set-cookie': sessionCookie(result.sessionId, SESSION_ABSOLUTE_MS / 1000) },
        {
          action: 'auth.login',
          actor: { userId: result.user.id, username: result.user.username },
          details: { mfa: result.session.mfa },
        },
      );
    },
  },
  {
    method: 'POST',
    path: '/api/v1/auth/logout',
    operationId: 'logout',
    summary: 'End this session',
    tag: 'auth',
    access: USER,
    sessionOnly: true,
    handle: async (context) => {
      const session = principalOf(context).session;
      if (session !== undefined) await context.services.identity.deleteSession(session.idHash);
      return { status: 204, headers: { 'set-cookie': sessionCookie('', 0) } };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/auth/logout-all',
    operationId: 'logoutAll',
    summary: 'End every session of this user',
    tag: 'auth',
    access: USER,
    sessionOnly: true,
    handle: async (context) => {
      const ended = await context.services.identity.deleteUserSessions(principalOf(context).user.id);
      return json(200, { ended }, { 'set-cookie': sessionCookie('', 0) });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/me',
    operationId: 'me',
    summary: 'The calling user, its roles and how it authenticated',
    tag: 'auth',
    access: USER,
    handle: async (context) => {
      const principal = principalOf(context);
      return json(200, {
        ...userView(principal.user, principal.bindings),
        via: principal.via,
        ...(principal.token ? { token: tokenView(principal.token) } : {}),
      });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/me/password',
    operationId: 'changePassword',
    rateLimit: { bucket: 'password', perMinute: 10 },
    summary: 'Change the password (ends every session)',
    tag: 'auth',
    access: USER,
    sessionOnly: true,
    body: obj({ current: PASSWORD, password: PASSWORD }, ['current', 'password']),
    handle: async (context) => {
      const { services, now } = context;
      const user = principalOf(context).user;
      const input = context.body as { current: string; password: string };
      const bucket = [`password:user:${user.id}`];
      await services.authThrottle.check(bucket, now);
      if (!(await services.passwords.verify(input.current, user.passwordHash)).ok) {
        await services.authThrottle.failure(bucket, now);
        throw new HttpError(401, 'invalid-credentials', 'The current password is wrong.');
      }
      checkPassword(input.password, user.username);
      await services.identity.setPasswordHash(user.id, await services.passwords.hash(input.password));
      await services.identity.deleteUserSessions(user.id);
      return { status: 204, headers: { 'set-cookie': sessionCookie('', 0) } };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/me/totp',
    operationId: 'beginTotp',
    summary: 'Start TOTP enrolment: returns a new secret to confirm with a code',
    tag: 'auth',
    access: USER,
    sessionOnly: true,
    response: { status: 201, description: 'The secret, shown once' },
    handle: async (context) => {
      const user = principalOf(context).user;
      const secret = newTotpSecret();
      await context.services.identity.setTotpPending(user.id, secret);
      return json(201, { totpSecret: secret, otpauthUri: otpauthUri(secret, user.username) });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/me/totp/confirm',
    operationId: 'confirmTotp',
    rateLimit: { bucket: 'totp', perMinute: 10 },
    summary: 'Confirm TOTP enrolment with a code; from then on logins need a code',
    tag: 'auth',
    access: USER,
    sessionOnly: true,
    body: obj({ code: TOTP }, ['code']),
    handle: async (context) => {
      const { services, now } = context;
      const user = principalOf(context).user;
      const bucket = [`totp:user:${user.id}`];
      await services.authThrottle.check(bucket, now);
      const pending = services.identity.openTotp(user, 'pending');
      const step =
        pending === null ? undefined : verifyTotp(pending, (context.body as { code: string }).code, now, 0);
      if (step === undefined || !(await services.identity.confirmTotp(user.id, step))) {
        await services.authThrottle.failure(bucket, now);
        throw new HttpError(400, 'invalid-code', 'No enrolment in progress, or the code is wrong.');
      }
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/me/recovery-codes',
    operationId: 'generateRecoveryCodes',
    summary: 'A new set of ten single-use recovery codes (shown once; the old set stops working)',
    tag: 'auth',
    access: USER,
    sessionOnly: true,
    rateLimit: { bucket: 'recovery-codes', perMinute: 5 },
    response: { status: 201, description: 'The codes; store them now' },
    handle: async (context) => {
      const principal = principalOf(context);
      if (principal.user.totpSecret === null || principal.session?.mfa !== true) {
        throw new HttpError(
          409,
          'mfa-not-enrolled',
          'Enrol TOTP and log in with a code before making recovery codes.',
        );
      }
      const codes = await context.services.recovery.generate(principal.user.id, context.now);
      return json(201, { codes }, undefined, { object: { type: 'user', id: principal.user.username } });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/tokens',
    operationId: 'listTokens',
    summary: 'The caller’s API tokens (never their secrets)',
    tag: 'auth',
    access: USER,
    handle: async (context) =>
      json(200, {
        tokens: (await context.services.identity.listTokens(principalOf(context).user.id)).map(tokenView),
      }),
  },
  {
    method: 'POST',
    path: '/api/v1/tokens',
    operationId: 'createToken',
    rateLimit: { bucket: 'token-create', perMinute: 10 },
    summary: 'Create a scoped, expiring API token; the secret is shown once',
    tag: 'auth',
    access: USER,
    sessionOnly: true,
    body: obj(
      {
        name: NAME,
        scopes: {
          type: 'array',
          items: str(32, { enum: PERMISSIONS }),
          minItems: 1,
          maxItems: PERMISSIONS.length,
          uniqueItems: true,
        },
        expiresInDays: { type: 'integer', minimum: 1, maximum: 365 },
      },
      ['name', 'scopes'],
    ),
    response: { status: 201, description: 'The token; store it now, it cannot be shown again' },
    handle: async (context) => {
      const { services, now } = context;
      const user = principalOf(context).user;
      const input = context.body as { name: string; scopes: string[]; expiresInDays?: number };
      const token = newApiToken();
      const stored = await services.identity.createToken(
        {
          userId: user.id,
          name: input.name,
          tokenHash: secretHash(token),
          scopes: input.scopes,
          expiresAt: now + (input.expiresInDays ?? 90) * DAY_MS,
        },
        now,
      );
      return json(201, { ...tokenView(stored), token }, undefined, {
        object: { type: 'token', id: stored.id },
        details: { scopes: stored.scopes.join(' '), expiresAt: stored.expiresAt },
      });
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/tokens/{token}',
    operationId: 'revokeToken',
    summary: 'Revoke one of the caller’s API tokens',
    tag: 'auth',
    access: USER,
    response: { status: 204, description: 'Revoked' },
    handle: async (context) => {
      const revoked = await context.services.identity.revokeToken(
        principalOf(context).user.id,
        context.params.token ?? '',
        context.now,
      );
      if (!revoked) throw new HttpError(404, 'not-found', 'No live token with that id.');
      return { status: 204 };
    },
  },
];
