import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';
import { HttpError } from '../http/problem.ts';

export const INCIDENT_STATES = ['open', 'triaged', 'contained', 'resolved', 'closed'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export interface Incident {
  readonly id: string;
  readonly projectId: string;
  readonly deploymentId: string | null;
  readonly alertId: string | null;
  readonly kind: string;
  readonly title: string;
  readonly severity: string;
  readonly state: IncidentState;
  readonly owner: string | null;
  readonly postmortem: string | null;
  readonly openedAt: number;
  readonly acknowledgedAt: number | null;
  readonly resolvedAt: number | null;
}

interface IncidentRow {
  id: string;
  project_id: string;
  deployment_id: string | null;
  alert_id: string | null;
  kind: string;
  title: string;
  severity: string;
  state: IncidentState;
  owner: string | null;
  postmortem: string | null;
  opened_at: number;
  acknowledged_at: number | null;
  resolved_at: number | null;
}

const num = (v: number | null) => (v === null ? null : Number(v));

function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    projectId: r.project_id,
    deploymentId: r.deployment_id,
    alertId: r.alert_id,
    kind: r.kind,
    title: r.title,
    severity: r.severity,
    state: r.state,
    owner: r.owner,
    postmortem: r.postmortem,
    openedAt: Number(r.opened_at),
    acknowledgedAt: num(r.acknowledged_at),
    resolvedAt: num(r.resolved_at),
  };
}

/** Forward only, one step at a time; closing needs a post-mortem. */
export function checkTransition(from: IncidentState, to: IncidentState, postmortem: string | null): void {
  const next = INCIDENT_STATES[INCIDENT_STATES.indexOf(from) + 1];
  if (to !== next)
    throw new HttpError(
      409,
      'conflict',
      `An incident in state "${from}" can only move to ${next === undefined ? 'nothing' : `"${next}"`}.`,
    );
  if (to === 'closed' && (postmortem === null || postmortem.trim() === ''))
    throw new HttpError(409, 'conflict', 'Write the post-mortem before closing the incident.');
}

/** Incidents; every change is also an audit event on object `incident/<id>`, which is the timeline. */
export class IncidentStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async open(
    input: {
      projectId: string;
      deploymentId: string | null;
      alertId: string | null;
      kind: string;
      title: string;
      severity: string;
    },
    now: number,
  ): Promise<Incident> {
    const id = randomUUID();
    await this.#db.run(
      `INSERT INTO incidents (id, project_id, deployment_id, alert_id, kind, title, severity, state, opened_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
      [
        id,
        input.projectId,
        input.deploymentId,
        input.alertId,
        input.kind,
        input.title,
        input.severity,
        now,
        now,
      ],
    );
    return (await this.get(input.projectId, id)) as Incident;
  }

  async get(projectId: string, id: string): Promise<Incident | undefined> {
    const row = await this.#db.get<IncidentRow>('SELECT * FROM incidents WHERE project_id = ? AND id = ?', [
      projectId,
      id,
    ]);
    return row === undefined ? undefined : toIncident(row);
  }

  async list(projectId: string): Promise<Incident[]> {
    const rows = await this.#db.all<IncidentRow>(
      'SELECT * FROM incidents WHERE project_id = ? ORDER BY opened_at DESC, id LIMIT 500',
      [projectId],
    );
    return rows.map(toIncident);
  }

  /** Moves an incident one state on (optimistic: fails when someone moved it meanwhile). */
  async transition(
    incident: Incident,
    to: IncidentState,
    change: { owner?: string; postmortem?: string },
    now: number,
  ): Promise<Incident> {
    const postmortem = change.postmortem ?? incident.postmortem;
    checkTransition(incident.state, to, postmortem);
    const changed = await this.#db.run(
      `UPDATE incidents SET state = ?, owner = ?, postmortem = ?, updated_at = ?,
       acknowledged_at = COALESCE(acknowledged_at, ?), resolved_at = ? WHERE id = ? AND state = ?`,
      [
        to,
        change.owner ?? incident.owner,
        postmortem,
        now,
        to === 'triaged' ? now : null,
        to === 'resolved' ? now : incident.resolvedAt,
        incident.id,
        incident.state,
      ],
    );
    if (changed !== 1) throw new HttpError(409, 'conflict', 'The incident changed meanwhile: reload it.');
    return (await this.get(incident.projectId, incident.id)) as Incident;
  }

  /** Mean time to acknowledge (triage) and to resolve, in milliseconds, over a project's incidents. */
  async figures(projectId: string): Promise<{ mttaMs: number | null; mttrMs: number | null; count: number }> {
    const row = await this.#db.get<{ n: number; tta: number | null; ttr: number | null }>(
      `SELECT COUNT(*) AS n, AVG(acknowledged_at - opened_at) AS tta, AVG(resolved_at - opened_at) AS ttr
       FROM incidents WHERE project_id = ?`,
      [projectId],
    );
    return {
      count: Number(row?.n ?? 0),
      mttaMs: row?.tta === null || row?.tta === undefined ? null : Number(row.tta),
      mttrMs: row?.ttr === null || row?.ttr === undefined ? null : Number(row.ttr),
    };
  }
}
