import type { ScanReport } from '@palisade/scanner';
import type { Services } from '../app.ts';
import { gateAliasMove } from '../gate/alias-gate.ts';
import { HttpError } from '../http/problem.ts';
import { can, type Principal } from '../identity/principal.ts';
import { isQuarantined } from './playbook.ts';

/** The pod annotation naming the model a pod serves: `project/model@sha256:<hex>` or `project/model:alias`. */
export const MODEL_ANNOTATION = 'palisade.dev/model';
const REFERENCE =
  /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})(?:@(sha256:[0-9a-f]{64})|:([a-z][a-z0-9_-]{0,63}))$/;

export interface AdmissionVerdict {
  readonly allowed: boolean;
  readonly message: string;
  readonly model?: string;
}

/**
 * Decides whether a pod may run: its model annotation must resolve, for the caller, to a stored version that is
 * not quarantined and that the production gate allows (the scan made at ingest, no critical or high findings).
 * A pod without the annotation serves no registered model and is allowed.
 */
export async function admitPod(
  services: Services,
  principal: Principal,
  annotations: Readonly<Record<string, unknown>>,
  now: number,
): Promise<AdmissionVerdict> {
  const value = annotations[MODEL_ANNOTATION];
  if (value === undefined) return { allowed: true, message: `no ${MODEL_ANNOTATION} annotation` };
  const match = typeof value === 'string' ? REFERENCE.exec(value) : null;
  const deny = (message: string): AdmissionVerdict => ({ allowed: false, message, model: String(value) });
  if (match === null)
    return deny(`${MODEL_ANNOTATION} must be project/model@sha256:<hex> or project/model:alias`);
  const [, projectName, modelName, digest, alias] = match as unknown as [
    string,
    string,
    string,
    string?,
    string?,
  ];
  const project = await services.projects.byName(projectName);
  if (project === undefined || !can(principal, 'artifact:read', project.id))
    return deny(`no project "${projectName}" that this webhook's token can read`);
  const artifact = await services.artifacts.get(project.id, 'model', modelName);
  if (artifact === undefined) return deny(`no model "${modelName}" in "${projectName}"`);
  let version = digest === undefined ? undefined : await services.artifacts.version(artifact.id, digest);
  if (alias !== undefined) {
    const target = (await services.artifacts.aliases(artifact.id)).find((a) => a.name === alias);
    version = target === undefined ? undefined : await services.artifacts.versionById(target.versionId);
  }
  if (version === undefined) return deny(`${value} resolves to no registered version`);
  if (await isQuarantined(services.db, version.id))
    return deny(`${version.digest} is quarantined by an incident`);
  const report = (await services.jobs.latestResult(version.id, 'scan')) as ScanReport | undefined;
  const decision = gateAliasMove(version, report, 'prod', now);
  if (!decision.allowed) {
    const rules = decision.results.filter((r) => r.effect === 'deny').map((r) => r.rule);
    return deny(`the production gate denies ${version.digest}: ${rules.join(', ')}`);
  }
  return { allowed: true, message: `${version.digest} allowed`, model: String(value) };
}

/** The pod's annotations from a Kubernetes AdmissionReview (admission.k8s.io/v1), and its uid. */
export function readReview(body: unknown): { uid: string; annotations: Record<string, unknown> } {
  const request = (body as { request?: { uid?: unknown; object?: { metadata?: { annotations?: unknown } } } })
    ?.request;
  if (typeof request?.uid !== 'string' || request.uid.length > 128)
    throw new HttpError(400, 'invalid-request', 'Send a Kubernetes AdmissionReview (admission.k8s.io/v1).');
  const annotations = request.object?.metadata?.annotations;
  return {
    uid: request.uid,
    annotations:
      typeof annotations === 'object' && annotations !== null ? (annotations as Record<string, unknown>) : {},
  };
}
