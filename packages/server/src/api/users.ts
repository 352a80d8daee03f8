import type { Services } from '../app.ts';
import { HttpError } from '../http/problem.ts';
import { json, type RequestContext, type Route } from '../http/route.ts';
import { NAME, obj, str } from '../http/schema.ts';
import { passwordProblem } from '../identity/password.ts';
import { ALL_PROJECTS, ROLES, type Role } from '../identity/roles.ts';
import { userView } from './views.ts';

const MANAGE = { kind: 'org', permission: 'user:manage' } as const;
const SCOPE = str(64, {
  minLength: 1,
  pattern: '^(\\*|[A-Za-z0-9][A-Za-z0-9._-]*)$',
  description: 'a project name, or * for every project',
});

async function target(context: RequestContext<Services>) {
  const user = await context.services.identity.userByName(context.params.user ?? '');
  if (user === undefined) throw new HttpError(404, 'not-found', `No user "${context.params.user}".`);
  return user;
}

/** A binding names a project by name in the API and by id in the database; `admin` exists only on `*`. */
async function scopeId(context: RequestContext<Services>, project: string, role: Role): Promise<string> {
  if (project === ALL_PROJECTS) return ALL_PROJECTS;
  if (role === 'admin')
    throw new HttpError(400, 'invalid-request', 'The admin role is granted on every project (*) only.');
  const found = await context.services.projects.byName(project);
  if (found === undefined) throw new HttpError(404, 'not-found', `No project "${project}".`);
  return found.id;
}

export const userRoutes: Route<Services>[] = [
  {
    method: 'GET',
    path: '/api/v1/users',
    operationId: 'listUsers',
    summary: 'Every user with their roles',
    tag: 'users',
    access: MANAGE,
    handle: async ({ services }) => {
      const users = await services.identity.listUsers();
      return json(200, {
        users: await Promise.all(users.map(async (u) => userView(u, await services.identity.bindings(u.id)))),
      });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users',
    operationId: 'createUser',
    summary: 'Create a user (no roles until granted)',
    tag: 'users',
    access: MANAGE,
    body: obj({ username: NAME, password: str(256, { minLength: 1 }) }, ['username', 'password']),
    response: { status: 201, description: 'Created' },
    handle: async ({ services, body, now }) => {
      const input = body as { username: string; password: string };
      const problem = passwordProblem(input.password, input.username);
      if (problem !== undefined) throw new HttpError(400, 'weak-password', `Password refused: ${problem}.`);
      if ((await services.identity.userByName(input.username)) !== undefined) {
        throw new HttpError(409, 'conflict', `User "${input.username}" exists.`);
      }
      const user = await services.identity.createUser(
        { username: input.username, passwordHash: await services.passwords.hash(input.password) },
        now,
      );
      return json(201, userView(user, []), undefined, { object: { type: 'user', id: user.username } });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users/{user}/roles',
    operationId: 'grantRole',
    summary: 'Grant a role on a project (or * for every project)',
    tag: 'users',
    access: MANAGE,
    body: obj({ project: SCOPE, role: str(16, { enum: ROLES }) }, ['project', 'role']),
    handle: async (context) => {
      const user = await target(context);
      const input = context.body as { project: string; role: Role };
      await context.services.identity.grant(
        user.id,
        await scopeId(context, input.project, input.role),
        input.role,
        context.now,
      );
      return json(200, userView(user, await context.services.identity.bindings(user.id)), undefined, {
        details: { project: input.project, role: input.role },
      });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users/{user}/roles/revoke',
    operationId: 'revokeRole',
    summary: 'Revoke a role',
    tag: 'users',
    access: MANAGE,
    body: obj({ project: SCOPE, role: str(16, { enum: ROLES }) }, ['project', 'role']),
    handle: async (context) => {
      const user = await target(context);
      const input = context.body as { project: string; role: Role };
      const revoked = await context.services.identity.revoke(
        user.id,
        await scopeId(context, input.project, input.role),
        input.role,
      );
      if (!revoked) throw new HttpError(404, 'not-found', 'The user does not have that role.');
      await context.services.identity.deleteUserSessions(user.id);
      return json(200, userView(user, await context.services.identity.bindings(user.id)), undefined, {
        details: { project: input.project, role: input.role },
      });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users/{user}/disable',
    operationId: 'disableUser',
    summary: 'Disable a user: sessions end and tokens stop working',
    tag: 'users',
    access: MANAGE,
    response: { status: 204, description: 'Disabled' },
    handle: async (context) => {
      const user = await target(context);
      if (user.id === context.principal?.user.id)
        throw new HttpError(400, 'invalid-request', 'You cannot disable yourself.');
      await context.services.identity.setDisabled(user.id, true);
      await context.services.identity.deleteUserSessions(user.id);
      return { status: 204 };
    },
  },
];
