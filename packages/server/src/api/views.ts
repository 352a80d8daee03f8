import type { Binding } from '../identity/roles.ts';
import type { ApiToken, User } from '../identity/store.ts';
import type { Project } from '../inventory/projects.ts';

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** What the API shows of stored objects: never a hash, a secret or a TOTP seed. */
export function userView(user: User, bindings?: readonly Binding[]) {
  return {
    id: user.id,
    username: user.username,
    mfa: user.totpSecret !== null,
    disabled: user.disabled,
    createdAt: new Date(user.createdAt).toISOString(),
    ...(bindings ? { roles: bindings.map((b) => ({ project: b.projectId, role: b.role })) } : {}),
  };
}

export function tokenView(token: ApiToken) {
  return {
    id: token.id,
    name: token.name,
    scopes: token.scopes,
    createdAt: new Date(token.createdAt).toISOString(),
    expiresAt: new Date(token.expiresAt).toISOString(),
    lastUsedAt: token.lastUsedAt === null ? null : new Date(token.lastUsedAt).toISOString(),
    revoked: token.revokedAt !== null,
  };
}

export function projectView(project: Project) {
  return {
    id: project.id,
    name: project.name,
    description: project.description,
    createdAt: new Date(project.createdAt).toISOString(),
  };
}
