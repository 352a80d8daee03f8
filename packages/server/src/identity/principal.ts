import { ALL_PROJECTS, allows, type Binding, type Permission, readableProjects } from './roles.ts';
import type { ApiToken, Session, User } from './store.ts';

/** Who is calling: a user, how they authenticated, and the role bindings in force for this request. */
export interface Principal {
  readonly user: User;
  readonly via: 'session' | 'token';
  readonly session?: Session;
  readonly token?: ApiToken;
  /** The user's bindings, minus `admin` when the session has not passed MFA (privilege needs a fresh login). */
  readonly bindings: readonly Binding[];
}

export function effectiveBindings(bindings: readonly Binding[], mfa: boolean): Binding[] {
  return bindings.filter((b) => b.role !== 'admin' || mfa);
}

/** Role check, narrowed by a token's scopes: a token never does more than its user, nor more than it says. */
export function can(principal: Principal, permission: Permission, projectId?: string): boolean {
  if (principal.token !== undefined && !principal.token.scopes.includes(permission)) return false;
  return allows(principal.bindings, permission, projectId);
}

export function isAdmin(bindings: readonly Binding[]): boolean {
  return bindings.some((b) => b.role === 'admin' && b.projectId === ALL_PROJECTS);
}

/** The project ids a principal may read, or `all`. */
export function visibleProjects(principal: Principal): 'all' | Set<string> {
  if (principal.token !== undefined && !principal.token.scopes.includes('project:read')) return new Set();
  return readableProjects(principal.bindings);
}
