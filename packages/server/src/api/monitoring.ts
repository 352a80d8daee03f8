import type { IncomingMessage } from 'node:http';
import type { Services } from '../app.ts';
import { readJson } from '../http/body.ts';
import { actorOf } from '../http/handler.ts';
import { HttpError } from '../http/problem.ts';
import { json, type ProjectRef, type RequestContext, type Route } from '../http/route.ts';
import { DIGEST, NAME, obj, str, validate } from '../http/schema.ts';
import { admitPod, readReview } from '../monitoring/admission.ts';
import { MAX_BATCH_BYTES, parseBatch } from '../monitoring/events.ts';
import { INCIDENT_STATES, type Incident, type IncidentState } from '../monitoring/incidents.ts';
import { parseIngestionPolicy } from '../monitoring/ingestion-policy.ts';
import { type Deployment, monitoringOf } from '../monitoring/monitoring.ts';
import { alertFinding, incidentFinding } from '../monitoring/ocsf-findings.ts';
import { isQuarantined, runMaliciousModelPlaybook } from '../monitoring/playbook.ts';
import { iso } from './views.ts';

const READ = { kind: 'project', permission: 'artifact:read' } as const;
const WRITE = { kind: 'project', permission: 'artifact:write' } as const;
/** A deployment's reference rows may be large, but bounded. */
const MAX_DEPLOYMENT_BYTES = 16 * 1024 * 1024;
const DAY_MS = 86_400_000;

const DEPLOYMENT = obj(
  {
    name: NAME,
    model: NAME,
    digest: DIGEST,
    environment: str(32, { minLength: 1, pattern: '^[a-z][a-z0-9_-]*$' }),
    windowSeconds: { type: 'integer', minimum: 10, maximum: 86_400 },
  },
  ['name', 'model', 'digest', 'environment'],
);

function projectOf(context: RequestContext<Services>): ProjectRef {
  if (context.project === undefined) throw new HttpError(500, 'internal', 'project route without a project');
  return context.project;
}

function deploymentView(d: Deployment) {
  return {
    id: d.id,
    name: d.name,
    model: d.model,
    digest: d.digest,
    environment: d.environment,
    windowSeconds: d.windowMs / 1000,
    ingestion: d.ingestion,
    createdAt: iso(d.createdAt),
  };
}

function incidentView(i: Incident) {
  const at = (ms: number | null) => (ms === null ? null : iso(ms));
  return {
    id: i.id,
    kind: i.kind,
    title: i.title,
    severity: i.severity,
    state: i.state,
    owner: i.owner,
    alert: i.alertId,
    postmortem: i.postmortem,
    openedAt: iso(i.openedAt),
    acknowledgedAt: at(i.acknowledgedAt),
    resolvedAt: at(i.resolvedAt),
  };
}

async function deploymentOf(context: RequestContext<Services>): Promise<Deployment> {
  const project = projectOf(context);
  const name = context.params.deployment ?? '';
  const found = await monitoringOf(context.services).byName(project.id, name);
  if (found === undefined)
    throw new HttpError(404, 'not-found', `No deployment "${name}" in "${project.name}".`);
  return found;
}

async function incidentOf(context: RequestContext<Services>): Promise<Incident> {
  const id = context.params.incident ?? '';
  const found = await monitoringOf(context.services).incidents.get(projectOf(context).id, id);
  if (found === undefined) throw new HttpError(404, 'not-found', `No incident ${id} in this project.`);
  return found;
}

/** The ingestion token must belong to the deployment of the path (an id, not a name: tokens outlive renames). */
async function ingestingDeployment(context: RequestContext<Services>): Promise<Deployment> {
  const deployment = await monitoringOf(context.services).authenticate(context.request.headers.authorization);
  if (deployment.id !== context.params.deployment)
    throw new HttpError(403, 'forbidden', 'This ingestion token belongs to another deployment.');
  return deployment;
}

async function readText(request: IncomingMessage, limit: number): Promise<string> {
  if (Number(request.headers['content-length'] ?? 0) > limit)
    throw new HttpError(413, 'too-large', `A batch may have at most ${limit} bytes: split it.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit)
      throw new HttpError(413, 'too-large', `A batch may have at most ${limit} bytes: split it.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function incidentObject(context: RequestContext<Services>, id: string) {
  return { object: { type: 'incident', id, project: projectOf(context).name } };
}

export const monitoringRoutes: Route<Services>[] = [
  {
    method: 'POST',
    path: '/api/v1/projects/{project}/deployments',
    operationId: 'createDeployment',
    summary:
      'Bind a model version to an environment with a reference dataset; the ingestion token is shown once',
    tag: 'monitoring',
    access: WRITE,
    response: { status: 201, description: 'Created; store the ingestion token now' },
    handle: async (context) => {
      const body = (await readJson(context.request, MAX_DEPLOYMENT_BYTES)) as Record<string, unknown>;
      const { reference, ingestion, ...fields } = body ?? {};
      const errors = validate(DEPLOYMENT, fields);
      if (errors.length > 0) throw new HttpError(400, 'invalid-request', errors.join('; '));
      const input = fields as {
        name: string;
        model: string;
        digest: string;
        environment: string;
        windowSeconds?: number;
      };
      const ref = (reference ?? {}) as { rows?: unknown; prediction?: unknown; label?: unknown };
      for (const key of ['prediction', 'label'] as const)
        if (ref[key] !== undefined && typeof ref[key] !== 'string')
          throw new HttpError(400, 'invalid-request', `reference.${key} must be a column name.`);
      const project = projectOf(context);
      const artifact = await context.services.artifacts.get(project.id, 'model', input.model);
      const version =
        artifact === undefined
          ? undefined
          : await context.services.artifacts.version(artifact.id, input.digest);
      if (version === undefined)
        throw new HttpError(
          404,
          'not-found',
          `No version ${input.digest} of model "${input.model}": register it first.`,
        );
      const { deployment, token } = await monitoringOf(context.services).create(
        {
          projectId: project.id,
          name: input.name,
          model: input.model,
          versionId: version.id,
          environment: input.environment,
          windowMs: (input.windowSeconds ?? 300) * 1000,
          ingestion: parseIngestionPolicy(ingestion),
          reference: {
            rows: ref.rows,
            ...(typeof ref.prediction === 'string' ? { prediction: ref.prediction } : {}),
            ...(typeof ref.label === 'string' ? { label: ref.label } : {}),
          },
        },
        context.principal?.user.id ?? '',
        context.now,
      );
      return json(201, { ...deploymentView(deployment), ingestionToken: token }, undefined, {
        object: { type: 'deployment', id: deployment.name, project: project.name },
        details: { digest: deployment.digest, environment: deployment.environment },
      });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/projects/{project}/deployments',
    operationId: 'listDeployments',
    summary: 'The deployments of a project',
    tag: 'monitoring',
    access: READ,
    handle: async (context) =>
      json(200, {
        deployments: (await monitoringOf(context.services).list(projectOf(context).id)).map(deploymentView),
      }),
  },
  {
    method: 'GET',
    path: '/api/v1/projects/{project}/deployments/{deployment}',
    operationId: 'getDeployment',
    summary:
      'A deployment with its detector outputs per window (since ?since=, default a day) and its alerts',
    tag: 'monitoring',
    access: READ,
    handle: async (context) => {
      const deployment = await deploymentOf(context);
      const monitoring = monitoringOf(context.services);
      const since = Date.parse(context.query.get('since') ?? '');
      return json(200, {
        ...deploymentView(deployment),
        quarantined: await isQuarantined(context.services.db, deployment.versionId),
        windows: (
          await monitoring.windows(deployment.id, Number.isNaN(since) ? context.now - DAY_MS : since, 3000)
        ).map((w) => ({ ...w, windowStart: iso(w.windowStart) })),
        alerts: (await monitoring.alerts(deployment.id)).map((a) => ({
          ...a,
          firstWindow: iso(a.firstWindow),
          lastWindow: iso(a.lastWindow),
          firedAt: iso(a.firedAt),
          resolvedAt: a.resolvedAt === null ? null : iso(a.resolvedAt),
        })),
      });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/projects/{project}/deployments/{deployment}/silences',
    operationId: 'silenceAlerts',
    summary: 'Silence a rule (or * for all) of a deployment for some minutes',
    tag: 'monitoring',
    access: WRITE,
    body: obj(
      { rule: str(64, { minLength: 1 }), minutes: { type: 'integer', minimum: 1, maximum: 10_080 } },
      ['rule', 'minutes'],
    ),
    response: { status: 201, description: 'Silenced' },
    handle: async (context) => {
      const deployment = await deploymentOf(context);
      const { rule, minutes } = context.body as { rule: string; minutes: number };
      const until = context.now + minutes * 60_000;
      const id = await monitoringOf(context.services).silence(
        deployment.id,
        rule,
        until,
        context.principal?.user.id ?? '',
        context.now,
      );
      return json(201, { id, rule, until: iso(until) }, undefined, {
        object: { type: 'deployment', id: deployment.name, project: projectOf(context).name },
        details: { rule, minutes },
      });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/deployments/{deployment}/events',
    operationId: 'ingestEvents',
    summary: 'Send inference events (JSON batch or NDJSON) with the deployment ingestion token',
    tag: 'monitoring',
    // Authenticated by the deployment's own ingestion token (least privilege: it can only send telemetry).
    access: { kind: 'public' },
    streamed: { contentType: 'application/json' },
    response: { status: 202, description: 'Accepted (or an already accepted batch id)' },
    handle: async (context) => {
      const monitoring = monitoringOf(context.services);
      const deployment = await ingestingDeployment(context);
      const release = monitoring.admit();
      try {
        const type =
          (context.request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        const header = context.request.headers['x-palisade-batch-id'];
        const batch = parseBatch(
          await readText(context.request, MAX_BATCH_BYTES),
          type,
          typeof header === 'string' ? header : undefined,
        );
        const { duplicate, kept } = await monitoring.ingest(deployment, batch, context.now);
        return json(
          202,
          {
            batchId: batch.batchId,
            accepted: duplicate ? 0 : batch.events.length,
            sampled: duplicate ? 0 : kept,
            duplicate,
          },
          undefined,
          {
            object: { type: 'deployment', id: deployment.name },
            details: { via: 'ingestion-token', batch: batch.batchId, events: batch.events.length, duplicate },
          },
        );
      } finally {
        release();
      }
    },
  },
  {
    method: 'POST',
    path: '/api/v1/deployments/{deployment}/flush',
    operationId: 'flushDeployment',
    summary: 'Close the open detector window now (end of a stream) with the ingestion token',
    tag: 'monitoring',
    access: { kind: 'public' },
    response: { status: 204, description: 'Closed' },
    handle: async (context) => {
      const deployment = await ingestingDeployment(context);
      await monitoringOf(context.services).flush(deployment, context.now);
      return { status: 204, audit: { object: { type: 'deployment', id: deployment.name } } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/projects/{project}/findings',
    operationId: 'exportFindings',
    summary: 'Alerts and incidents as OCSF 1.1 Detection and Incident Findings (JSON lines), for a SIEM',
    tag: 'monitoring',
    access: { kind: 'project', permission: 'audit:read' },
    handle: async (context) => {
      const { services } = context;
      const project = projectOf(context);
      const monitoring = monitoringOf(services);
      const lines: string[] = [];
      for (const deployment of await monitoring.list(project.id))
        for (const alert of await monitoring.alerts(deployment.id))
          lines.push(JSON.stringify(alertFinding(alert, deployment, project.name, services.version)));
      for (const incident of await monitoring.incidents.list(project.id))
        lines.push(JSON.stringify(incidentFinding(incident, project.name, services.version)));
      return {
        status: 200,
        text: lines.map((line) => `${line}\n`).join(''),
        contentType: 'application/x-ndjson',
      };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/projects/{project}/incidents',
    operationId: 'listIncidents',
    summary: 'Incidents of a project, newest first, with MTTA and MTTR',
    tag: 'monitoring',
    access: READ,
    handle: async (context) => {
      const monitoring = monitoringOf(context.services);
      const projectId = projectOf(context).id;
      return json(200, {
        incidents: (await monitoring.incidents.list(projectId)).map(incidentView),
        figures: await monitoring.incidents.figures(projectId),
      });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/projects/{project}/incidents',
    operationId: 'openIncident',
    summary: 'Open an incident by hand',
    tag: 'monitoring',
    access: WRITE,
    body: obj(
      {
        title: str(200, { minLength: 1 }),
        kind: str(32, { enum: ['attack', 'decay', 'malicious-model', 'other'] }),
        severity: str(16, { enum: ['low', 'medium', 'high', 'critical'] }),
        deployment: NAME,
      },
      ['title', 'kind', 'severity'],
    ),
    response: { status: 201, description: 'Opened' },
    handle: async (context) => {
      const input = context.body as { title: string; kind: string; severity: string; deployment?: string };
      const project = projectOf(context);
      const monitoring = monitoringOf(context.services);
      let deploymentId: string | null = null;
      if (input.deployment !== undefined) {
        const found = await monitoring.byName(project.id, input.deployment);
        if (found === undefined)
          throw new HttpError(404, 'not-found', `No deployment "${input.deployment}".`);
        deploymentId = found.id;
      }
      const incident = await monitoring.incidents.open(
        {
          projectId: project.id,
          deploymentId,
          alertId: null,
          kind: input.kind,
          title: input.title,
          severity: input.severity,
        },
        context.now,
      );
      return json(201, incidentView(incident), undefined, {
        action: 'incident.opened',
        ...incidentObject(context, incident.id),
        details: { kind: input.kind, severity: input.severity },
      });
    },
  },
  {
    method: 'GET',
    path: '/api/v1/projects/{project}/incidents/{incident}',
    operationId: 'getIncident',
    summary: 'An incident and its timeline (its audit events)',
    tag: 'monitoring',
    access: READ,
    handle: async (context) => {
      const incident = await incidentOf(context);
      const timeline = await context.services.audit.query({
        objectType: 'incident',
        objectId: incident.id,
        limit: 1000,
      });
      return json(200, {
        ...incidentView(incident),
        timeline: timeline.map((e) => ({
          seq: e.seq,
          time: iso(e.time),
          action: e.action,
          actor: e.actor.username ?? e.actor.via ?? null,
          details: e.details ?? {},
        })),
      });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/projects/{project}/incidents/{incident}/state',
    operationId: 'moveIncident',
    summary: 'Move an incident on: open → triaged → contained → resolved → closed (with a post-mortem)',
    tag: 'monitoring',
    access: WRITE,
    body: obj(
      {
        state: str(16, { enum: INCIDENT_STATES }),
        owner: str(64, { minLength: 1 }),
        postmortem: str(20_000, { minLength: 1 }),
      },
      ['state'],
    ),
    handle: async (context) => {
      const incident = await incidentOf(context);
      const input = context.body as { state: IncidentState; owner?: string; postmortem?: string };
      const moved = await monitoringOf(context.services).incidents.transition(
        incident,
        input.state,
        {
          ...(input.owner ? { owner: input.owner } : {}),
          ...(input.postmortem ? { postmortem: input.postmortem } : {}),
        },
        context.now,
      );
      return json(200, incidentView(moved), undefined, {
        action: 'incident.state',
        ...incidentObject(context, incident.id),
        details: { from: incident.state, to: moved.state, owner: moved.owner },
      });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/projects/{project}/incidents/{incident}/comments',
    operationId: 'commentIncident',
    summary: 'Add a comment to the timeline of an incident',
    tag: 'monitoring',
    access: WRITE,
    body: obj({ text: str(4000, { minLength: 1 }) }, ['text']),
    response: { status: 201, description: 'Added' },
    handle: async (context) => {
      const incident = await incidentOf(context);
      const { text } = context.body as { text: string };
      return json(201, { incident: incident.id }, undefined, {
        action: 'incident.comment',
        ...incidentObject(context, incident.id),
        details: { text },
      });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/projects/{project}/incidents/{incident}/playbook',
    operationId: 'runIncidentPlaybook',
    summary:
      'Run the "malicious model / attack" playbook: quarantine the version, block its prod alias, contain',
    tag: 'monitoring',
    access: { kind: 'project', permission: 'alias:write' },
    handle: async (context) => {
      const incident = await incidentOf(context);
      const { services, now, principal, ip, request } = context;
      const monitoring = monitoringOf(services);
      const result = await runMaliciousModelPlaybook(services.db, monitoring.incidents, incident, {
        project: projectOf(context).name,
        actor: actorOf(principal, ip, request),
        now,
        record: (event) => monitoring.record(event),
      });
      return json(200, { steps: result.steps, incident: incidentView(result.incident) }, undefined, {
        action: 'incident.playbook.run',
        ...incidentObject(context, incident.id),
        details: { playbook: 'malicious-model' },
      });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/admission/pods',
    operationId: 'admitPod',
    summary:
      'Kubernetes validating admission webhook: a pod runs only a registered, unquarantined, gate-allowed model',
    tag: 'monitoring',
    access: { kind: 'user' },
    handle: async (context) => {
      const { uid, annotations } = readReview(await readJson(context.request, 1024 * 1024));
      const principal = context.principal;
      if (principal === undefined) throw new HttpError(401, 'unauthenticated', 'Send an API token.');
      const verdict = await admitPod(context.services, principal, annotations, context.now);
      return json(
        200,
        {
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: {
            uid,
            allowed: verdict.allowed,
            ...(verdict.allowed ? {} : { status: { code: 403, message: verdict.message } }),
          },
        },
        undefined,
        {
          action: verdict.allowed ? 'admission.allowed' : 'admission.denied',
          details: { model: verdict.model ?? null, allowed: verdict.allowed, reason: verdict.message },
        },
      );
    },
  },
];
