import { randomUUID } from 'node:crypto';
import type { KeyProvider } from '../crypto/key-provider.ts';
import { isSealed, seal, unseal } from '../crypto/sealed-secret.ts';
import type { Database, Queryable } from '../db/database.ts';
import { type Binding, isRole, type Role } from './roles.ts';

export interface User {
  readonly id: string;
  readonly username: string;
  readonly passwordHash: string;
  /** Confirmed TOTP secret, sealed (open it with `IdentityStore.openTotp`), or null when MFA is not enrolled. */
  readonly totpSecret: string | null;
  /** A secret being enrolled (sealed), until its first code is confirmed. */
  readonly totpPending: string | null;
  readonly totpLastStep: number;
  readonly disabled: boolean;
  readonly createdAt: number;
}

export interface Session {
  readonly idHash: string;
  readonly userId: string;
  readonly csrfHash: string;
  readonly mfa: boolean;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
}

export interface ApiToken {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  totp_secret: string | null;
  totp_pending: string | null;
  totp_last_step: number;
  disabled: number;
  created_at: number;
}

interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  scopes: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** TOTP seeds are sealed at rest under the record's identity (crypto/sealed-secret.ts). */
export const totpContext = (userId: string) => `user:${userId}:totp`;

function toUser(row: UserRow | undefined): User | undefined {
  if (row === undefined) return undefined;
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    totpSecret: row.totp_secret,
    totpPending: row.totp_pending,
    totpLastStep: Number(row.totp_last_step),
    disabled: Number(row.disabled) !== 0,
    createdAt: Number(row.created_at),
  };
}

function toToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

const USER_COLUMNS =
  'id, username, password_hash, totp_secret, totp_pending, totp_last_step, disabled, created_at';

/** Users, role bindings, sessions, API tokens, the setup token and authentication throttling. */
export class IdentityStore {
  readonly #db: Database;
  readonly #keys: KeyProvider;

  constructor(db: Database, keys: KeyProvider) {
    this.#db = db;
    this.#keys = keys;
  }

  async countUsers(): Promise<number> {
    const row = await this.#db.get<{ n: number }>('SELECT COUNT(*) AS n FROM users');
    return Number(row?.n ?? 0);
  }

  async createUser(
    input: { username: string; passwordHash: string },
    now: number,
    db: Queryable = this.#db,
  ): Promise<User> {
    const id = randomUUID();
    await db.run('INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)', [
      id,
      input.username,
      input.passwordHash,
      now,
    ]);
    const user = toUser(await db.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, [id]));
    if (user === undefined) throw new Error('user vanished after insert');
    return user;
  }

  async userByName(username: string): Promise<User | undefined> {
    return toUser(
      await this.#db.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`, [username]),
    );
  }

  async userById(id: string): Promise<User | undefined> {
    return toUser(await this.#db.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, [id]));
  }

  async listUsers(): Promise<User[]> {
    const rows = await this.#db.all<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY username`);
    return rows.map((r) => toUser(r) as User);
  }

  async setPasswordHash(userId: string, hash: string): Promise<void> {
    await this.#db.run('UPDATE users SET password_hash = ? WHERE id = ?', [hash, userId]);
  }

  /** The base32 TOTP secret (confirmed or pending), unsealed only when a code is checked or shown. */
  openTotp(user: User, which: 'secret' | 'pending'): string | null {
    const value = which === 'secret' ? user.totpSecret : user.totpPending;
    if (value === null) return null;
    return isSealed(value) ? unseal(this.#keys, value, totpContext(user.id)) : value;
  }

  async setTotpPending(userId: string, secret: string | null, db: Queryable = this.#db): Promise<void> {
    const sealed = secret === null ? null : seal(this.#keys, secret, totpContext(userId));
    await db.run('UPDATE users SET totp_pending = ? WHERE id = ?', [sealed, userId]);
  }

  /** Re-wraps every sealed TOTP seed under the current KEK (key rotation); returns how many changed. */
  async rewrapSecrets(rewrap: (sealed: string, context: string) => string): Promise<number> {
    return this.#db.transaction(async (tx) => {
      const rows = await tx.all<{ id: string; totp_secret: string | null; totp_pending: string | null }>(
        'SELECT id, totp_secret, totp_pending FROM users',
      );
      let changed = 0;
      for (const row of rows) {
        const next = (value: string | null) =>
          value === null || !isSealed(value) ? value : rewrap(value, totpContext(row.id));
        const secret = next(row.totp_secret);
        const pending = next(row.totp_pending);
        if (secret === row.totp_secret && pending === row.totp_pending) continue;
        await tx.run('UPDATE users SET totp_secret = ?, totp_pending = ? WHERE id = ?', [
          secret,
          pending,
          row.id,
        ]);
        changed++;
      }
      return changed;
    });
  }

  /** Makes the pending secret the active one, recording the step of the code that confirmed it. */
  async confirmTotp(userId: string, step: number): Promise<boolean> {
    const changed = await this.#db.run(
      `UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = ?
       WHERE id = ? AND totp_pending IS NOT NULL`,
      [step, userId],
    );
    return changed === 1;
  }

  /** Records a TOTP step as used; false when it (or a later one) was already used: codes are single-use. */
  async consumeTotpStep(userId: string, step: number): Promise<boolean> {
    const changed = await this.#db.run(
      'UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?',
      [step, userId, step],
    );
    return changed === 1;
  }

  async setDisabled(userId: string, disabled: boolean): Promise<void> {
    await this.#db.run('UPDATE users SET disabled = ? WHERE id = ?', [disabled ? 1 : 0, userId]);
  }

  async grant(
    userId: string,
    projectId: string,
    role: Role,
    now: number,
    db: Queryable = this.#db,
  ): Promise<void> {
    await db.run(
      `INSERT INTO role_bindings (user_id, project_id, role, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, project_id, role) DO NOTHING`,
      [userId, projectId, role, now],
    );
  }

  async revoke(userId: string, projectId: string, role: Role): Promise<boolean> {
    const changed = await this.#db.run(
      'DELETE FROM role_bindings WHERE user_id = ? AND project_id = ? AND role = ?',
      [userId, projectId, role],
    );
    return changed > 0;
  }

  async bindings(userId: string): Promise<Binding[]> {
    const rows = await this.#db.all<{ project_id: string; role: string }>(
      'SELECT project_id, role FROM role_bindings WHERE user_id = ? ORDER BY project_id, role',
      [userId],
    );
    return rows.filter((r) => isRole(r.role)).map((r) => ({ projectId: r.project_id, role: r.role as Role }));
  }

  async createSession(session: Session): Promise<void> {
    await this.#db.run(
      `INSERT INTO sessions (id_hash, user_id, csrf_hash, mfa, created_at, last_seen_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        session.idHash,
        session.userId,
        session.csrfHash,
        session.mfa ? 1 : 0,
        session.createdAt,
        session.lastSeenAt,
        session.expiresAt,
      ],
    );
  }

  async session(idHash: string): Promise<Session | undefined> {
    const row = await this.#db.get<{
      id_hash: string;
      user_id: string;
      csrf_hash: string;
      mfa: number;
      created_at: number;
      last_seen_at: number;
      expires_at: number;
    }>(
      'SELECT id_hash, user_id, csrf_hash, mfa, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = ?',
      [idHash],
    );
    if (row === undefined) return undefined;
    return {
      idHash: row.id_hash,
      userId: row.user_id,
      csrfHash: row.csrf_hash,
      mfa: Number(row.mfa) !== 0,
      createdAt: Number(row.created_at),
      lastSeenAt: Number(row.last_seen_at),
      expiresAt: Number(row.expires_at),
    };
  }

  async touchSession(idHash: string, now: number): Promise<void> {
    await this.#db.run('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?', [now, idHash]);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#db.run('DELETE FROM sessions WHERE id_hash = ?', [idHash]);
  }

  async deleteUserSessions(userId: string): Promise<number> {
    return this.#db.run('DELETE FROM sessions WHERE user_id = ?', [userId]);
  }

  async createToken(
    input: { userId: string; name: string; tokenHash: string; scopes: readonly string[]; expiresAt: number },
    now: number,
  ): Promise<ApiToken> {
    const id = randomUUID();
    await this.#db.run(
      `INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [id, input.userId, input.name, input.tokenHash, JSON.stringify(input.scopes), now, input.expiresAt],
    );
    return {
      id,
      userId: input.userId,
      name: input.name,
      scopes: [...input.scopes],
      createdAt: now,
      expiresAt: input.expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    };
  }

  /** A token with its user, in one round trip: the hot path of every API call made with a token. */
  async tokenWithUser(tokenHash: string): Promise<{ token: ApiToken; user: User } | undefined> {
    const row = await this.#db.get<TokenRow & { [K in keyof UserRow as `u_${K}`]: UserRow[K] }>(
      `SELECT t.id, t.user_id, t.name, t.scopes, t.created_at, t.expires_at, t.last_used_at, t.revoked_at,
       u.id AS u_id, u.username AS u_username, u.password_hash AS u_password_hash, u.totp_secret AS u_totp_secret,
       u.totp_pending AS u_totp_pending, u.totp_last_step AS u_totp_last_step, u.disabled AS u_disabled,
       u.created_at AS u_created_at
       FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`,
      [tokenHash],
    );
    if (row === undefined) return undefined;
    const user = toUser({
      id: row.u_id,
      username: row.u_username,
      password_hash: row.u_password_hash,
      totp_secret: row.u_totp_secret,
      totp_pending: row.u_totp_pending,
      totp_last_step: row.u_totp_last_step,
      disabled: row.u_disabled,
      created_at: row.u_created_at,
    });
    return user === undefined ? undefined : { token: toToken(row), user };
  }

  async listTokens(userId: string): Promise<ApiToken[]> {
    const rows = await this.#db.all<TokenRow>(
      `SELECT id, user_id, name, scopes, created_at, expires_at, last_used_at, revoked_at
       FROM api_tokens WHERE user_id = ? ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(toToken);
  }

  async touchToken(id: string, now: number): Promise<void> {
    await this.#db.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [now, id]);
  }

  /** Revokes a token of `userId`; false when there is no such live token. */
  async revokeToken(userId: string, id: string, now: number): Promise<boolean> {
    const changed = await this.#db.run(
      'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL',
      [now, id, userId],
    );
    return changed === 1;
  }

  async addSetupToken(tokenHash: string, now: number): Promise<void> {
    await this.#db.run('DELETE FROM setup_tokens WHERE used_at IS NULL');
    await this.#db.run('INSERT INTO setup_tokens (token_hash, created_at) VALUES (?, ?)', [tokenHash, now]);
  }

  /** Marks the setup token used, in the caller's transaction; false when it is unknown or already used. */
  async consumeSetupToken(tokenHash: string, now: number, db: Queryable): Promise<boolean> {
    const changed = await db.run(
      'UPDATE setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL',
      [now, tokenHash],
    );
    return changed === 1;
  }

  async throttle(bucket: string): Promise<{ failures: number; blockedUntil: number }> {
    const row = await this.#db.get<{ failures: number; blocked_until: number }>(
      'SELECT failures, blocked_until FROM auth_throttle WHERE bucket = ?',
      [bucket],
    );
    return { failures: Number(row?.failures ?? 0), blockedUntil: Number(row?.blocked_until ?? 0) };
  }

  async setThrottle(bucket: string, failures: number, blockedUntil: number, now: number): Promise<void> {
    await this.#db.run(
      `INSERT INTO auth_throttle (bucket, failures, blocked_until, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (bucket) DO UPDATE SET failures = excluded.failures, blocked_until = excluded.blocked_until,
       updated_at = excluded.updated_at`,
      [bucket, failures, blockedUntil, now],
    );
  }

  async clearThrottle(bucket: string): Promise<void> {
    await this.#db.run('DELETE FROM auth_throttle WHERE bucket = ?', [bucket]);
  }
}
