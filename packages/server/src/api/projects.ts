import type { Services } from '../app.ts';
import { HttpError } from '../http/problem.ts';
import { json, type Route } from '../http/route.ts';
import { NAME, obj, str } from '../http/schema.ts';
import { visibleProjects } from '../identity/principal.ts';
import { projectView } from './views.ts';

export const projectRoutes: Route<Services>[] = [
  {
    method: 'GET',
    path: '/api/v1/projects',
    operationId: 'listProjects',
    summary: 'The projects the caller can see',
    tag: 'projects',
    access: { kind: 'user' },
    handle: async ({ services, principal }) => {
      const visible = principal === undefined ? new Set<string>() : visibleProjects(principal);
      const projects = (await services.projects.list()).filter((p) => visible === 'all' || visible.has(p.id));
      return json(200, { projects: projects.map(projectView) });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/projects',
    operationId: 'createProject',
    summary: 'Create a project',
    tag: 'projects',
    access: { kind: 'org', permission: 'project:create' },
    body: obj({ name: NAME, description: str(1000) }, ['name']),
    response: { status: 201, description: 'Created' },
    handle: async ({ services, body, principal, now }) => {
      const input = body as { name: string; description?: string };
      const project = await services.projects.create(
        { name: input.name, description: input.description ?? '' },
        principal?.user.id ?? '',
        now,
      );
      if (project === undefined) throw new HttpError(409, 'conflict', `Project "${input.name}" exists.`);
      return json(201, projectView(project), undefined, { object: { type: 'project', id: project.name } });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/projects/{project}',
    operationId: 'getProject',
    summary: 'One project',
    tag: 'projects',
    access: { kind: 'project', permission: 'project:read' },
    handle: async ({ services, project }) => {
      const found = await services.projects.byName(project?.name ?? '');
      if (found === undefined) throw new HttpError(404, 'not-found', 'No such project.');
      return json(200, projectView(found));
    },
  },
];
