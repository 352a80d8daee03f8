import { api, type Me, type Project } from './api.ts';

/** Who is signed in, as the server says (GET /api/v1/me); only used to show or hide controls. */
let me: Me | undefined;

export async function loadMe(): Promise<Me> {
  me = await api<Me>('GET', '/me');
  return me;
}

export function currentUser(): Me | undefined {
  return me;
}

export function forget(): void {
  me = undefined;
}

/** Roles granted on every project (`*`) or on the given project id. The server enforces; this only hides. */
export function hasRole(roles: readonly string[], projectId?: string): boolean {
  return (me?.roles ?? []).some(
    (b) =>
      roles.includes(b.role) && (b.project === '*' || (projectId !== undefined && b.project === projectId)),
  );
}

export const isAdmin = (): boolean => hasRole(['admin']);
export const canReadAudit = (): boolean => hasRole(['admin', 'security', 'auditor']);
export const canWrite = (projectId?: string): boolean =>
  hasRole(['admin', 'security', 'ml-engineer'], projectId);

export async function projects(): Promise<readonly Project[]> {
  return (await api<{ projects: Project[] }>('GET', '/projects')).projects;
}
