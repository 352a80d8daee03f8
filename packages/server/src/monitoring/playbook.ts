import type { AuditEvent } from '../audit/event.ts';
import type { Database } from '../db/database.ts';
import { HttpError } from '../http/problem.ts';
import type { Incident, IncidentStore } from './incidents.ts';

/** The aliases a malicious version must leave: production ones. */
const BLOCKED_ALIASES = ['prod', 'production'];

export interface PlaybookStep {
  readonly step: string;
  readonly done: boolean;
  readonly result: string;
}

/**
 * "Malicious model / attack": quarantine the deployed version, take it out of its production aliases, list the
 * deployments that serve it, and mark the incident contained. Every step is an audit event on the incident.
 */
export async function runMaliciousModelPlaybook(
  db: Database,
  incidents: IncidentStore,
  incident: Incident,
  context: {
    project: string;
    actor: AuditEvent['actor'];
    now: number;
    record(e: AuditEvent): Promise<number>;
  },
): Promise<{ steps: PlaybookStep[]; incident: Incident }> {
  if (incident.deploymentId === null)
    throw new HttpError(409, 'conflict', 'This incident names no deployment: run the steps by hand.');
  if (incident.state !== 'open' && incident.state !== 'triaged')
    throw new HttpError(
      409,
      'conflict',
      `The playbook runs on an open or triaged incident, not "${incident.state}".`,
    );
  const deployment = await db.get<{ version_id: string; digest: string }>(
    'SELECT d.version_id, v.digest FROM deployments d JOIN versions v ON v.id = d.version_id WHERE d.id = ?',
    [incident.deploymentId],
  );
  if (deployment === undefined)
    throw new HttpError(409, 'conflict', 'The deployment of this incident is gone.');
  const steps: PlaybookStep[] = [];
  const step = async (name: string, result: string) => {
    steps.push({ step: name, done: true, result });
    await context.record({
      time: context.now,
      action: 'incident.playbook',
      outcome: 'success',
      actor: context.actor,
      object: { type: 'incident', id: incident.id, project: context.project },
      details: { playbook: 'malicious-model', step: name, result, digest: deployment.digest },
    });
  };
  const { blocked } = await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO quarantined_versions (version_id, incident_id, reason, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (version_id) DO NOTHING`,
      [deployment.version_id, incident.id, incident.title, context.now],
    );
    const aliases = await tx.all<{ name: string; artifact: string }>(
      `SELECT a.name, r.name AS artifact FROM aliases a JOIN artifacts r ON r.id = a.artifact_id
       WHERE a.version_id = ? AND a.name IN ('prod', 'production') ORDER BY a.name`,
      [deployment.version_id],
    );
    await tx.run(`DELETE FROM aliases WHERE version_id = ? AND name IN ('prod', 'production')`, [
      deployment.version_id,
    ]);
    return { blocked: aliases.map((a) => `${a.artifact}@${a.name}`) };
  });
  await step('quarantine-version', `quarantined ${deployment.digest}`);
  await step(
    'block-prod-alias',
    blocked.length === 0
      ? `no ${BLOCKED_ALIASES.join('/')} alias pointed at it`
      : `removed ${blocked.join(', ')}`,
  );
  const serving = await db.all<{ name: string; environment: string }>(
    'SELECT name, environment FROM deployments WHERE version_id = ? ORDER BY name',
    [deployment.version_id],
  );
  await step('find-deployments', serving.map((d) => `${d.name} (${d.environment})`).join(', '));
  let current = incident;
  for (const to of ['triaged', 'contained'] as const) {
    if (current.state === 'open' || (current.state === 'triaged' && to === 'contained')) {
      const from = current.state;
      current = await incidents.transition(current, to, {}, context.now);
      await context.record({
        time: context.now,
        action: 'incident.state',
        outcome: 'success',
        actor: context.actor,
        object: { type: 'incident', id: incident.id, project: context.project },
        details: { from, to },
      });
    }
  }
  return { steps, incident: current };
}

/** True when a version was quarantined by an incident. */
export async function isQuarantined(db: Database, versionId: string): Promise<boolean> {
  return (
    (await db.get('SELECT 1 AS q FROM quarantined_versions WHERE version_id = ?', [versionId])) !== undefined
  );
}
