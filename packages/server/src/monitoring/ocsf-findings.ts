import { OCSF_VERSION } from '../audit/ocsf.ts';
import type { Incident } from './incidents.ts';

/**
 * Alerts as OCSF 1.1 Detection Findings (class 2004) and incidents as Incident Findings (class 2005), one JSON
 * object per line, for a SIEM. `type_uid = class_uid × 100 + activity_id`; findings are category 2.
 */
const DETECTION_FINDING = 2004;
const INCIDENT_FINDING = 2005;
const SEVERITY: Readonly<Record<string, number>> = { low: 2, medium: 3, high: 4, critical: 5 };

export interface AlertRecord {
  readonly id: string;
  readonly rule: string;
  readonly subject: string;
  readonly severity: string;
  readonly state: string;
  readonly firstWindow: number;
  readonly lastWindow: number;
  readonly firedAt: number;
  readonly resolvedAt: number | null;
}

export interface DeploymentRef {
  readonly id: string;
  readonly name: string;
  readonly digest: string;
}

function metadata(productVersion: string) {
  return {
    version: OCSF_VERSION,
    product: { name: 'Palisade', vendor_name: 'Palisade', version: productVersion },
  };
}

export function alertFinding(
  alert: AlertRecord,
  deployment: DeploymentRef,
  project: string,
  productVersion: string,
): Record<string, unknown> {
  // Activity: 1 Create while it fires, 3 Close once resolved. Status: 1 New, 3 Suppressed, 4 Resolved.
  const closed = alert.state === 'resolved';
  const activityId = closed ? 3 : 1;
  return {
    class_uid: DETECTION_FINDING,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: activityId,
    type_uid: DETECTION_FINDING * 100 + activityId,
    time: closed && alert.resolvedAt !== null ? alert.resolvedAt : alert.firedAt,
    severity_id: SEVERITY[alert.severity] ?? 0,
    status_id: closed ? 4 : alert.state === 'silenced' ? 3 : 1,
    finding_info: {
      uid: alert.id,
      title: `${alert.rule} on ${deployment.name}`,
      analytic: { name: alert.rule, type_id: 1, type: 'Rule' },
      first_seen_time: alert.firstWindow,
      last_seen_time: alert.lastWindow,
    },
    resources: [
      { type: 'deployment', uid: deployment.id, name: deployment.name, group: { name: project } },
      { type: 'model version', uid: deployment.digest },
    ],
    ...(alert.subject !== '*' ? { actor: { app_name: alert.subject } } : {}),
    metadata: metadata(productVersion),
  };
}

const INCIDENT_STATUS: Readonly<Record<Incident['state'], number>> = {
  open: 1,
  triaged: 2,
  contained: 2,
  resolved: 4,
  closed: 5,
};

export function incidentFinding(
  incident: Incident,
  project: string,
  productVersion: string,
): Record<string, unknown> {
  const activityId = incident.state === 'closed' ? 3 : incident.state === 'open' ? 1 : 2;
  return {
    class_uid: INCIDENT_FINDING,
    class_name: 'Incident Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: activityId,
    type_uid: INCIDENT_FINDING * 100 + activityId,
    time: incident.resolvedAt ?? incident.acknowledgedAt ?? incident.openedAt,
    severity_id: SEVERITY[incident.severity] ?? 0,
    status_id: INCIDENT_STATUS[incident.state],
    status: incident.state,
    desc: incident.title,
    finding_info_list: [
      {
        uid: incident.id,
        title: incident.title,
        ...(incident.alertId ? { related_events: [{ uid: incident.alertId }] } : {}),
      },
    ],
    ...(incident.owner !== null ? { assignee: { name: incident.owner } } : {}),
    metadata: { ...metadata(productVersion), labels: [`project:${project}`, `kind:${incident.kind}`] },
  };
}
