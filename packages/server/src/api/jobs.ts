import type { Services } from '../app.ts';
import { HttpError } from '../http/problem.ts';
import { json, type RequestContext, type Route } from '../http/route.ts';
import { DIGEST, NAME, obj, str } from '../http/schema.ts';
import { ARTIFACT_KINDS, type ArtifactKind } from '../inventory/artifacts.ts';
import { JOB_KINDS, type Job, type JobKind } from '../jobs/queue.ts';
import { iso } from './views.ts';

export function jobView(job: Job, withResult: boolean) {
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    error: job.error,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
    ...(withResult ? { result: job.result } : {}),
  };
}

function projectId(context: RequestContext<Services>): string {
  const id = context.project?.id;
  if (id === undefined) throw new HttpError(500, 'internal', 'project route without a project');
  return id;
}

export const jobRoutes: Route<Services>[] = [
  {
    method: 'POST',
    path: '/api/v1/projects/{project}/jobs',
    operationId: 'createJob',
    rateLimit: { bucket: 'scan', perMinute: 120 },
    summary: 'Queue a job (scan) on a stored version',
    tag: 'jobs',
    access: { kind: 'project', permission: 'job:create' },
    body: obj(
      {
        kind: str(16, { enum: JOB_KINDS }),
        artifactKind: str(16, { enum: ARTIFACT_KINDS }),
        name: NAME,
        digest: DIGEST,
      },
      ['kind', 'artifactKind', 'name', 'digest'],
    ),
    response: { status: 201, description: 'Queued' },
    handle: async (context) => {
      const input = context.body as {
        kind: JobKind;
        artifactKind: ArtifactKind;
        name: string;
        digest: string;
      };
      const { services } = context;
      const artifact = await services.artifacts.get(projectId(context), input.artifactKind, input.name);
      const version = artifact && (await services.artifacts.version(artifact.id, input.digest));
      if (version === undefined)
        throw new HttpError(
          404,
          'not-found',
          `No version ${input.digest} of ${input.artifactKind} "${input.name}".`,
        );
      if (!version.stored)
        throw new HttpError(
          409,
          'not-stored',
          'This version was registered by digest only; upload its bytes first.',
        );
      const id = await services.jobs.enqueue(
        {
          kind: input.kind,
          projectId: projectId(context),
          versionId: version.id,
          createdBy: context.principal?.user.id ?? '',
        },
        context.now,
      );
      services.worker.wake();
      const job = await services.jobs.get(id);
      if (job === undefined) throw new HttpError(500, 'internal', 'job vanished');
      return json(201, jobView(job, false));
    },
  },
  {
    method: 'GET',
    path: '/api/v1/projects/{project}/jobs',
    operationId: 'listJobs',
    summary: 'The latest 100 jobs of a project',
    tag: 'jobs',
    access: { kind: 'project', permission: 'job:read' },
    handle: async (context) =>
      json(200, {
        jobs: (await context.services.jobs.list(projectId(context))).map((j) => jobView(j, false)),
      }),
  },
  {
    method: 'GET',
    path: '/api/v1/projects/{project}/jobs/{job}',
    operationId: 'getJob',
    summary: 'One job with its result (a scan report for scans)',
    tag: 'jobs',
    access: { kind: 'project', permission: 'job:read' },
    handle: async (context) => {
      const job = await context.services.jobs.inProject(projectId(context), context.params.job ?? '');
      if (job === undefined) throw new HttpError(404, 'not-found', 'No such job in this project.');
      return json(200, jobView(job, true));
    },
  },
];
