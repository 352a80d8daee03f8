import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpError } from '../http/problem.ts';
import type { PasswordHasher } from './password.ts';
import { effectiveBindings, isAdmin, type Principal } from './principal.ts';
import type { RecoveryCodes } from './recovery-codes.ts';
import { isWellFormedApiToken, newOpaqueSecret, secretHash } from './secrets.ts';
import type { IdentityStore, Session, User } from './store.ts';
import type { AuthThrottle } from './throttle.ts';
import { newTotpSecret, otpauthUri, verifyTotp } from './totp.ts';

/** `__Host-`: Secure, Path=/, no Domain — the browser will not let a sibling subdomain set or read it. */
export const SESSION_COOKIE = '__Host-palisade-session';
/** OWASP session limits: 30 minutes idle, 8 hours absolute. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 8 * 3600_000;
const TOUCH_EVERY_MS = 60_000;

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

export function sessionCookie(id: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

const INVALID = 'The user name or password is wrong.';

export interface LoginResult {
  readonly user: User;
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly session: Session;
}

/** Credentials to principal: session cookies, API tokens, and the login flow with TOTP. */
export class Authenticator {
  readonly #store: IdentityStore;
  readonly #throttle: AuthThrottle;
  readonly #passwords: PasswordHasher;

  readonly #recovery: RecoveryCodes;

  constructor(
    store: IdentityStore,
    throttle: AuthThrottle,
    passwords: PasswordHasher,
    recovery: RecoveryCodes,
  ) {
    this.#store = store;
    this.#throttle = throttle;
    this.#passwords = passwords;
    this.#recovery = recovery;
  }

  /**
   * The principal behind a request, or undefined when it carries no credentials. Credentials that are present
   * but bad (unknown, expired, revoked token; dead session) are a 401, never a silent anonymous request.
   */
  async resolve(method: string, headers: IncomingHttpHeaders, now: number): Promise<Principal | undefined> {
    const authorization = headers.authorization;
    if (authorization !== undefined) return this.#fromToken(authorization, now);
    const id = parseCookies(headers.cookie).get(SESSION_COOKIE);
    if (id === undefined) return undefined;
    const principal = await this.#fromSession(id, now);
    if (method !== 'GET' && method !== 'HEAD') this.#checkCsrf(principal, headers);
    return principal;
  }

  async #fromToken(authorization: string, now: number): Promise<Principal> {
    const match = /^Bearer ([A-Za-z0-9_]{1,100})$/.exec(authorization);
    const token = match?.[1];
    if (token === undefined || !isWellFormedApiToken(token)) {
      throw new HttpError(
        401,
        'invalid-token',
        'The Authorization header must be "Bearer pal_…" with a valid token.',
      );
    }
    const found = await this.#store.tokenWithUser(secretHash(token));
    if (found === undefined) throw new HttpError(401, 'invalid-token', 'This API token is not known.');
    const { token: stored, user } = found;
    if (stored.revokedAt !== null) throw new HttpError(401, 'invalid-token', 'This API token was revoked.');
    if (stored.expiresAt <= now) throw new HttpError(401, 'invalid-token', 'This API token has expired.');
    if (user.disabled) throw new HttpError(401, 'invalid-token', 'The token’s user is disabled.');
    if (stored.lastUsedAt === null || now - stored.lastUsedAt > TOUCH_EVERY_MS)
      await this.#store.touchToken(stored.id, now);
    // A token is created from an MFA session (admins must have one), so its admin binding stands.
    return { user, via: 'token', token: stored, bindings: await this.#store.bindings(user.id) };
  }

  async #fromSession(id: string, now: number): Promise<Principal> {
    const idHash = secretHash(id);
    const session = await this.#store.session(idHash);
    const dead = new HttpError(401, 'session-expired', 'The session has ended; log in again.', {
      headers: { 'set-cookie': sessionCookie('', 0) },
    });
    if (session === undefined) throw dead;
    if (session.expiresAt <= now || session.lastSeenAt + SESSION_IDLE_MS <= now) {
      await this.#store.deleteSession(idHash);
      throw dead;
    }
    const user = await this.#store.userById(session.userId);
    if (user === undefined || user.disabled) throw dead;
    if (now - session.lastSeenAt > TOUCH_EVERY_MS) await this.#store.touchSession(idHash, now);
    const bindings = effectiveBindings(await this.#store.bindings(user.id), session.mfa);
    return { user, via: 'session', session, bindings };
  }

  /** Cookie-authenticated writes need the CSRF token from login and must not come from another site. */
  #checkCsrf(principal: Principal, headers: IncomingHttpHeaders): void {
    const site = headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new HttpError(403, 'csrf', 'Cross-site requests may not change anything.');
    }
    const origin = headers.origin;
    if (origin !== undefined && origin !== 'null') {
      let host: string;
      try {
        host = new URL(origin).host;
      } catch {
        host = '';
      }
      if (host !== headers.host)
        throw new HttpError(403, 'csrf', 'The Origin header does not match this server.');
    }
    const token = headers['x-csrf-token'];
    if (
      typeof token !== 'string' ||
      principal.session === undefined ||
      !sameHash(secretHash(token), principal.session.csrfHash)
    ) {
      throw new HttpError(
        403,
        'csrf',
        'A cookie-authenticated change needs the X-CSRF-Token header from login.',
      );
    }
  }

  /**
   * Password, then TOTP when enrolled (and always for admins: an admin without TOTP gets a secret to enrol and
   * must log in again with a code from it). Unknown users cost the same Argon2id work as known ones.
   */
  async login(
    input: {
      username: string;
      password: string;
      totp?: string | undefined;
      recoveryCode?: string | undefined;
    },
    ip: string,
    now: number,
  ): Promise<LoginResult> {
    const buckets = [`login:user:${input.username.toLowerCase()}`, `login:ip:${ip}`];
    await this.#throttle.check(buckets, now);
    const user = await this.#store.userByName(input.username);
    const verdict = await this.#passwords.verify(
      input.password,
      user?.passwordHash ?? (await this.#passwords.dummy()),
    );
    if (user === undefined || !verdict.ok || user.disabled) {
      await this.#throttle.failure(buckets, now);
      throw new HttpError(401, 'invalid-credentials', INVALID);
    }
    const bindings = await this.#store.bindings(user.id);
    let mfa = false;
    if (user.totpSecret !== null && input.recoveryCode !== undefined && input.totp === undefined) {
      // A lost authenticator: one of the user's single-use recovery codes stands in for the TOTP code.
      if (!(await this.#recovery.consume(user.id, input.recoveryCode, now))) {
        await this.#throttle.failure(buckets, now);
        throw new HttpError(401, 'invalid-credentials', 'The recovery code is wrong or was already used.');
      }
      mfa = true;
    } else if (user.totpSecret !== null) {
      if (input.totp === undefined)
        throw new HttpError(
          401,
          'mfa-required',
          'Give the code from your authenticator (totp), or a recovery code.',
        );
      const step = verifyTotp(this.#store.openTotp(user, 'secret') ?? '', input.totp, now, user.totpLastStep);
      if (step === undefined || !(await this.#store.consumeTotpStep(user.id, step))) {
        await this.#throttle.failure(buckets, now);
        throw new HttpError(
          401,
          'invalid-credentials',
          'The authenticator code is wrong or was already used.',
        );
      }
      mfa = true;
    } else if (isAdmin(bindings)) {
      mfa = await this.#enrolAdmin(user, input.totp, buckets, now);
    }
    await this.#throttle.success(buckets);
    if (verdict.rehash)
      await this.#store.setPasswordHash(user.id, await this.#passwords.hash(input.password));
    // A new id at every login (no fixation); only hashes are stored.
    const sessionId = newOpaqueSecret();
    const csrfToken = newOpaqueSecret();
    const session: Session = {
      idHash: secretHash(sessionId),
      userId: user.id,
      csrfHash: secretHash(csrfToken),
      mfa,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + SESSION_ABSOLUTE_MS,
    };
    await this.#store.createSession(session);
    return { user, sessionId, csrfToken, session };
  }

  async #enrolAdmin(
    user: User,
    code: string | undefined,
    buckets: readonly string[],
    now: number,
  ): Promise<boolean> {
    const pending = this.#store.openTotp(user, 'pending') ?? newTotpSecret();
    if (user.totpPending === null) await this.#store.setTotpPending(user.id, pending);
    if (code === undefined) {
      throw new HttpError(
        401,
        'mfa-enrollment-required',
        'Admins need TOTP: add this secret to an authenticator and log in with a code from it.',
        {
          extra: { totpSecret: pending, otpauthUri: otpauthUri(pending, user.username) },
        },
      );
    }
    const step = verifyTotp(pending, code, now, 0);
    if (step === undefined || !(await this.#store.confirmTotp(user.id, step))) {
      await this.#throttle.failure(buckets, now);
      throw new HttpError(401, 'invalid-credentials', 'The authenticator code is wrong.');
    }
    return true;
  }
}
