/**
 * Roles and what they may do (NIST RBAC: roles → `resource:action` permissions). A role is granted on one project
 * or on every project (`*`); `admin` is granted on `*` only. Anything not listed here is denied.
 */
export const ROLES = ['admin', 'security', 'ml-engineer', 'auditor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'project:read',
  'project:create',
  'artifact:read',
  'artifact:write',
  'alias:write',
  'job:read',
  'job:create',
  'audit:read',
  'user:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: readonly Permission[] = ['project:read', 'artifact:read', 'job:read'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  security: [...READ, 'artifact:write', 'alias:write', 'job:create', 'audit:read'],
  'ml-engineer': [...READ, 'artifact:write', 'alias:write', 'job:create'],
  auditor: [...READ, 'audit:read'],
  viewer: READ,
};

/** Permissions that only make sense organisation-wide: a project-scoped grant never confers them. */
const GLOBAL_ONLY: ReadonlySet<Permission> = new Set(['project:create', 'user:manage']);

export const ALL_PROJECTS = '*';

export interface Binding {
  readonly projectId: string;
  readonly role: Role;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when one of the bindings grants `permission` on `projectId` (undefined: an organisation-wide action). */
export function allows(bindings: readonly Binding[], permission: Permission, projectId?: string): boolean {
  return bindings.some((b) => {
    if (!ROLE_PERMISSIONS[b.role].includes(permission)) return false;
    if (b.projectId === ALL_PROJECTS) return true;
    if (GLOBAL_ONLY.has(permission)) return false;
    return projectId !== undefined && b.projectId === projectId;
  });
}

/** The projects a set of bindings may read, or `all`. */
export function readableProjects(bindings: readonly Binding[]): 'all' | Set<string> {
  if (bindings.some((b) => b.projectId === ALL_PROJECTS)) return 'all';
  return new Set(bindings.map((b) => b.projectId));
}
