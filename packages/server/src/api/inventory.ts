import type { ScanReport } from '@palisade/scanner';
import type { Services } from '../app.ts';
import { gateAliasMove } from '../gate/alias-gate.ts';
import { actorOf } from '../http/handler.ts';
import { boundaryOf, readFilePart } from '../http/multipart.ts';
import { HttpError } from '../http/problem.ts';
import { json, type ProjectRef, type RequestContext, type Route } from '../http/route.ts';
import { DIGEST, NAME, obj, str, validate } from '../http/schema.ts';
import type { ArtifactKind, ArtifactRecord, VersionRecord } from '../inventory/artifacts.ts';
import { EVIDENCE_KINDS, type EvidenceKind } from '../inventory/evidence.ts';
import { isQuarantined } from '../monitoring/playbook.ts';
import { iso } from './views.ts';

/** Client reports may be large (a scan of a big repository), but not unbounded, and not deeply nested. */
const MAX_EVIDENCE_BYTES = 8 * 1024 * 1024;
const MAX_EVIDENCE_DEPTH = 64;

/** Nesting depth of a JSON value, computed without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_EVIDENCE_DEPTH) return deepest;
    for (const child of Object.values(item as object)) stack.push([child, depth + 1]);
  }
  return deepest;
}

const ALIAS = str(64, { minLength: 1, pattern: '^[a-z][a-z0-9_-]*$', description: 'prod, staging, canary…' });

function versionView(version: VersionRecord) {
  return {
    digest: version.digest,
    size: version.size,
    filename: version.filename,
    stored: version.stored,
    createdAt: iso(version.createdAt),
  };
}

function artifactView(artifact: ArtifactRecord) {
  return { name: artifact.name, kind: artifact.kind, createdAt: iso(artifact.createdAt) };
}

/** The project resolved and authorised by the pipeline. */
function projectOf(context: RequestContext<Services>): ProjectRef {
  if (context.project === undefined) throw new HttpError(500, 'internal', 'project route without a project');
  return context.project;
}

async function artifactOf(context: RequestContext<Services>, kind: ArtifactKind): Promise<ArtifactRecord> {
  const project = projectOf(context);
  const name = context.params.name ?? '';
  const artifact = await context.services.artifacts.get(project.id, kind, name);
  if (artifact === undefined)
    throw new HttpError(404, 'not-found', `No ${kind} "${name}" in project "${project.name}".`);
  return artifact;
}

async function versionOf(
  context: RequestContext<Services>,
  artifact: ArtifactRecord,
): Promise<VersionRecord> {
  const digest = context.params.digest ?? '';
  const version = await context.services.artifacts.version(artifact.id, digest);
  if (version === undefined)
    throw new HttpError(404, 'not-found', `No version ${digest} of "${artifact.name}".`);
  return version;
}

/** A client's file name, kept for display only: its last path component, printable, at most 255 characters. */
export function displayName(name: string | undefined): string | null {
  if (name === undefined) return null;
  const last = name.split(/[/\\]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
  const clean = last.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255);
  return clean === '' || clean === '.' || clean === '..' ? null : clean;
}

/** A percent-encoded header value, or the raw value when it is not valid percent-encoding. */
function decodedOrRaw(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The upload body: one multipart part named "file", or the raw bytes as application/octet-stream. */
async function uploadSource(context: RequestContext<Services>) {
  const request = context.request;
  const type = request.headers['content-type'];
  const declared = Number(request.headers['content-length'] ?? 0);
  const limit = context.services.limits.maxUploadBytes;
  if (declared > limit + 64 * 1024)
    throw new HttpError(413, 'too-large', `Uploads may have at most ${limit} bytes.`);
  const boundary = boundaryOf(type);
  if (boundary !== undefined) {
    const part = await readFilePart(request, boundary, 'file');
    return { data: part.data, filename: displayName(part.filename) };
  }
  if (type !== undefined && /^application\/octet-stream\s*(;|$)/i.test(type)) {
    const header = request.headers['x-palisade-filename'];
    return {
      data: request,
      filename: displayName(typeof header === 'string' ? decodedOrRaw(header) : undefined),
    };
  }
  throw new HttpError(
    415,
    'unsupported-media-type',
    'Upload as multipart/form-data (part "file") or application/octet-stream.',
  );
}

function kindRoutes(kind: ArtifactKind, plural: string, title: string): Route<Services>[] {
  const base = `/api/v1/projects/{project}/${plural}`;
  const read = { kind: 'project', permission: 'artifact:read' } as const;
  const write = { kind: 'project', permission: 'artifact:write' } as const;
  return [
    {
      method: 'GET',
      path: base,
      operationId: `list${title}s`,
      summary: `The ${kind}s of a project`,
      tag: 'inventory',
      access: read,
      handle: async (context) =>
        json(200, {
          [plural]: (await context.services.artifacts.list(projectOf(context).id, kind)).map(artifactView),
        }),
    },
    {
      method: 'POST',
      path: base,
      operationId: `create${title}`,
      summary: `Register a ${kind} name in a project`,
      tag: 'inventory',
      access: write,
      body: obj({ name: NAME }, ['name']),
      response: { status: 201, description: 'Created' },
      handle: async (context) => {
        const { name } = context.body as { name: string };
        const created = await context.services.artifacts.create(
          projectOf(context).id,
          kind,
          name,
          context.principal?.user.id ?? '',
          context.now,
        );
        if (created === undefined)
          throw new HttpError(409, 'conflict', `A ${kind} "${name}" exists in this project.`);
        return json(201, artifactView(created), undefined, {
          object: { type: kind, id: name, project: projectOf(context).name },
        });
      },
    },
    {
      method: 'GET',
      path: `${base}/{name}`,
      operationId: `get${title}`,
      summary: `A ${kind} with its versions and aliases`,
      tag: 'inventory',
      access: read,
      handle: async (context) => {
        const artifact = await artifactOf(context, kind);
        const { artifacts } = context.services;
        return json(200, {
          ...artifactView(artifact),
          versions: (await artifacts.versions(artifact.id)).map(versionView),
          aliases: (await artifacts.aliases(artifact.id)).map((a) => ({
            name: a.name,
            digest: a.digest,
            updatedAt: iso(a.updatedAt),
          })),
        });
      },
    },
    {
      method: 'POST',
      path: `${base}/{name}/versions`,
      operationId: `upload${title}Version`,
      rateLimit: { bucket: 'upload', perMinute: 1200 },
      summary: `Upload a ${kind} version (streamed; stored by content hash)`,
      tag: 'inventory',
      access: write,
      streamed: { contentType: 'multipart/form-data' },
      response: { status: 201, description: 'Stored; acknowledged only once durable' },
      handle: async (context) => {
        const artifact = await artifactOf(context, kind);
        const { data, filename } = await uploadSource(context);
        const blob = await context.services.blobs.put(data, context.services.limits.maxUploadBytes);
        context.request.resume(); // a multipart epilogue, if any
        const userId = context.principal?.user.id ?? '';
        const { services, now } = context;
        // The version and its scan job commit together: an acknowledged upload always gets scanned.
        const { version, created, job } = await services.db.transaction(async (tx) => {
          const before = await services.artifacts.version(artifact.id, blob.digest, tx);
          await services.artifacts.recordBlob(blob.digest, blob.size, now, tx);
          const added = await services.artifacts.addVersion(
            { artifactId: artifact.id, digest: blob.digest, size: blob.size, filename, stored: true },
            userId,
            now,
            tx,
          );
          const scan =
            before?.stored === true
              ? undefined
              : await services.jobs.enqueue(
                  {
                    kind: 'scan',
                    projectId: artifact.projectId,
                    versionId: added.version.id,
                    createdBy: userId,
                  },
                  now,
                  tx,
                );
          return { ...added, job: scan };
        });
        if (job !== undefined) services.worker.wake();
        return json(
          created ? 201 : 200,
          { ...versionView(version), ...(job ? { scanJob: job } : {}) },
          undefined,
          {
            object: { type: kind, id: artifact.name, project: projectOf(context).name },
            details: { digest: version.digest, size: version.size, scanJob: job ?? null },
          },
        );
      },
    },
    {
      method: 'POST',
      path: `${base}/{name}/versions/register`,
      operationId: `register${title}Version`,
      summary: `Register a ${kind} version by digest, without uploading it`,
      tag: 'inventory',
      access: write,
      body: obj(
        { digest: DIGEST, size: { type: 'integer', minimum: 0, maximum: 2 ** 53 - 1 }, filename: str(255) },
        ['digest'],
      ),
      response: { status: 201, description: 'Registered' },
      handle: async (context) => {
        const artifact = await artifactOf(context, kind);
        const input = context.body as { digest: string; size?: number; filename?: string };
        const stored = await context.services.blobs.has(input.digest);
        const size = stored
          ? ((await context.services.blobs.size(input.digest)) ?? null)
          : (input.size ?? null);
        const { version, created } = await context.services.artifacts.addVersion(
          {
            artifactId: artifact.id,
            digest: input.digest,
            size,
            filename: displayName(input.filename),
            stored,
          },
          context.principal?.user.id ?? '',
          context.now,
        );
        return json(created ? 201 : 200, versionView(version));
      },
    },
    {
      method: 'GET',
      path: `${base}/{name}/versions/{digest}`,
      operationId: `get${title}Version`,
      summary: `One ${kind} version`,
      tag: 'inventory',
      access: read,
      handle: async (context) =>
        json(200, versionView(await versionOf(context, await artifactOf(context, kind)))),
    },
    {
      method: 'GET',
      path: `${base}/{name}/versions/{digest}/content`,
      operationId: `download${title}Version`,
      summary: `Download a stored ${kind} version (as an attachment)`,
      tag: 'inventory',
      access: read,
      handle: async (context) => {
        const version = await versionOf(context, await artifactOf(context, kind));
        if (!version.stored)
          throw new HttpError(
            404,
            'not-found',
            'This version was registered by digest; its bytes are not here.',
          );
        const name = (version.filename ?? version.digest.replace(':', '-')).replace(/["\\]/g, '_');
        return {
          status: 200,
          stream: context.services.blobs.read(version.digest),
          contentType: 'application/octet-stream',
          headers: {
            'content-disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
            ...(version.size !== null ? { 'content-length': String(version.size) } : {}),
            digest: `sha-256=:${Buffer.from(version.digest.slice(7), 'hex').toString('base64')}:`,
          },
        };
      },
    },
    {
      method: 'POST',
      path: `${base}/{name}/versions/{digest}/evidence`,
      operationId: `add${title}Evidence`,
      summary: `Record a client's report (scan, gate, bom) about a ${kind} version; registers the ${kind} and version if new`,
      tag: 'inventory',
      access: write,
      maxBodyBytes: MAX_EVIDENCE_BYTES,
      body: obj({ kind: str(8, { enum: EVIDENCE_KINDS }), report: { type: 'object', properties: {} } }, [
        'kind',
        'report',
      ]),
      response: { status: 201, description: "Recorded (never used by the server's gates)" },
      handle: async (context) => {
        const { services, now } = context;
        const digest = context.params.digest ?? '';
        if (validate(DIGEST, digest).length > 0)
          throw new HttpError(400, 'invalid-request', 'The digest must be sha256:<64 hex>.');
        const input = context.body as { kind: EvidenceKind; report: unknown };
        if (depthOf(input.report) > MAX_EVIDENCE_DEPTH) {
          throw new HttpError(
            400,
            'invalid-request',
            `A report may nest at most ${MAX_EVIDENCE_DEPTH} levels.`,
          );
        }
        const project = projectOf(context);
        const userId = context.principal?.user.id ?? '';
        const name = context.params.name ?? '';
        await services.artifacts.create(project.id, kind, name, userId, now);
        const artifact = await artifactOf(context, kind);
        const { version } = await services.artifacts.addVersion(
          {
            artifactId: artifact.id,
            digest,
            size: null,
            filename: null,
            stored: await services.blobs.has(digest),
          },
          userId,
          now,
        );
        const record = await services.evidence.add(version.id, input.kind, input.report, userId, now);
        return json(
          201,
          { id: record.id, kind: record.kind, sha256: record.sha256, createdAt: iso(now) },
          undefined,
          {
            object: { type: kind, id: name, project: project.name },
            details: { digest, evidence: input.kind, sha256: record.sha256 },
          },
        );
      },
    },
    {
      method: 'GET',
      path: `${base}/{name}/versions/{digest}/evidence`,
      operationId: `list${title}Evidence`,
      summary: `Reports clients recorded about a ${kind} version`,
      tag: 'inventory',
      access: read,
      handle: async (context) => {
        const version = await versionOf(context, await artifactOf(context, kind));
        const records = await context.services.evidence.list(version.id, true);
        return json(200, { evidence: records.map((r) => ({ ...r, createdAt: iso(r.createdAt) })) });
      },
    },
    {
      method: 'PUT',
      path: `${base}/{name}/aliases/{alias}`,
      operationId: `move${title}Alias`,
      summary: `Point an alias (prod, staging…) at a version`,
      tag: 'inventory',
      access: { kind: 'project', permission: 'alias:write' },
      body: obj({ digest: DIGEST }, ['digest']),
      handle: async (context) => {
        const artifact = await artifactOf(context, kind);
        const alias = context.params.alias ?? '';
        const aliasErrors = validate(ALIAS, alias);
        if (aliasErrors.length > 0)
          throw new HttpError(400, 'invalid-request', `alias ${aliasErrors.join('; ')}`);
        const { digest } = context.body as { digest: string };
        const version = await context.services.artifacts.version(artifact.id, digest);
        if (version === undefined)
          throw new HttpError(404, 'not-found', `No version ${digest} of "${artifact.name}".`);
        const { services, now } = context;
        const object = { type: kind, id: artifact.name, project: projectOf(context).name };
        // A version the incident playbook quarantined stays out of every alias until released.
        if (await isQuarantined(services.db, version.id)) {
          await services.audit.record({
            time: now,
            action: 'gate.denied',
            outcome: 'failure',
            actor: actorOf(context.principal, context.ip, context.request),
            object,
            request: { id: context.requestId, method: 'PUT', route: 'alias move', status: 409 },
            reason: 'the version is quarantined',
            details: { alias, digest },
          });
          throw new HttpError(409, 'quarantined', `${digest} is quarantined: it cannot be given an alias.`);
        }
        // The move is gated by policy on the evidence the server holds (the scan made at ingest).
        const report = (await services.jobs.latestResult(version.id, 'scan')) as ScanReport | undefined;
        const decision = gateAliasMove(version, report, alias, now);
        const denied = decision.results.filter((r) => r.effect === 'deny').map((r) => r.rule);
        if (!decision.allowed) {
          await services.audit.record({
            time: now,
            action: 'gate.denied',
            outcome: 'failure',
            actor: actorOf(context.principal, context.ip, context.request),
            object,
            request: { id: context.requestId, method: 'PUT', route: 'alias move', status: 409 },
            reason: `the ${decision.environment} gate denied: ${denied.join(', ')}`,
            details: { alias, digest, decision: decision.decision, rules: denied.join(' ') },
          });
          await services.webhooks.emit('gate.denied', {
            ...object,
            alias,
            digest,
            decision: decision.decision,
            rules: denied,
          });
          throw new HttpError(
            409,
            'gate-denied',
            `The ${decision.environment} gate denies moving "${alias}" to ${digest}: ${denied.join(', ')}.`,
            { extra: { decision } },
          );
        }
        await services.artifacts.setAlias(
          artifact.id,
          alias,
          version.id,
          context.principal?.user.id ?? '',
          now,
        );
        await services.webhooks.emit('alias.moved', {
          ...object,
          alias,
          digest,
          decision: decision.decision,
        });
        return json(200, { name: alias, digest, updatedAt: iso(now), decision }, undefined, {
          object,
          details: { alias, digest, decision: decision.decision },
        });
      },
    },
  ];
}

export const inventoryRoutes: Route<Services>[] = [
  ...kindRoutes('model', 'models', 'Model'),
  ...kindRoutes('dataset', 'datasets', 'Dataset'),
];
