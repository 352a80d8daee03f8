import type { Migration } from '../db/migrations.ts';

/**
 * Monitoring tables (issue 13): deployments and their ingestion tokens, the events with per-minute roll-ups,
 * the detector outputs per window, alerts, silences, incidents and quarantined versions. Scores are DOUBLE
 * PRECISION (REAL affinity on SQLite); everything else is the common TEXT/BIGINT subset.
 */
export const MONITORING_MIGRATION: Migration = {
  id: 8,
  name: 'monitoring',
  statements: [
    `CREATE TABLE deployments (
      id TEXT PRIMARY KEY,
      project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      model TEXT NOT NULL,
      version_id TEXT NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
      environment TEXT NOT NULL,
      window_ms BIGINT NOT NULL,
      settings TEXT NOT NULL,
      reference TEXT NOT NULL,
      token_hash TEXT NOT NULL UNIQUE,
      created_at BIGINT NOT NULL,
      created_by TEXT NOT NULL,
      UNIQUE (project_id, name)
    )`,
    `CREATE TABLE monitor_batches (
      deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
      batch_id TEXT NOT NULL,
      events BIGINT NOT NULL,
      received_at BIGINT NOT NULL,
      PRIMARY KEY (deployment_id, batch_id)
    )`,
    `CREATE TABLE monitor_events (
      deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
      time BIGINT NOT NULL,
      caller TEXT NOT NULL,
      batch_id TEXT NOT NULL,
      event TEXT NOT NULL
    )`,
    'CREATE INDEX monitor_events_time ON monitor_events (deployment_id, time)',
    `CREATE TABLE monitor_rollups (
      deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
      minute BIGINT NOT NULL,
      events BIGINT NOT NULL,
      errors BIGINT NOT NULL,
      PRIMARY KEY (deployment_id, minute)
    )`,
    `CREATE TABLE monitor_windows (
      deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
      window_start BIGINT NOT NULL,
      detector TEXT NOT NULL,
      score DOUBLE PRECISION NOT NULL,
      fired BIGINT NOT NULL,
      output TEXT NOT NULL,
      PRIMARY KEY (deployment_id, window_start, detector)
    )`,
    `CREATE TABLE monitor_alerts (
      id TEXT PRIMARY KEY,
      deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
      rule TEXT NOT NULL,
      subject TEXT NOT NULL,
      severity TEXT NOT NULL,
      state TEXT NOT NULL,
      first_window BIGINT NOT NULL,
      last_window BIGINT NOT NULL,
      fired_at BIGINT NOT NULL,
      resolved_at BIGINT,
      details TEXT NOT NULL
    )`,
    'CREATE INDEX monitor_alerts_open ON monitor_alerts (deployment_id, rule, subject, state)',
    `CREATE TABLE monitor_silences (
      id TEXT PRIMARY KEY,
      deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
      rule TEXT NOT NULL,
      until_time BIGINT NOT NULL,
      created_at BIGINT NOT NULL,
      created_by TEXT NOT NULL
    )`,
    `CREATE TABLE incidents (
      id TEXT PRIMARY KEY,
      project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      deployment_id TEXT REFERENCES deployments(id) ON DELETE SET NULL,
      alert_id TEXT,
      kind TEXT NOT NULL,
      title TEXT NOT NULL,
      severity TEXT NOT NULL,
      state TEXT NOT NULL,
      owner TEXT,
      postmortem TEXT,
      opened_at BIGINT NOT NULL,
      acknowledged_at BIGINT,
      resolved_at BIGINT,
      updated_at BIGINT NOT NULL
    )`,
    'CREATE INDEX incidents_project ON incidents (project_id, opened_at)',
    `CREATE TABLE quarantined_versions (
      version_id TEXT PRIMARY KEY REFERENCES versions(id) ON DELETE CASCADE,
      incident_id TEXT,
      reason TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`,
  ],
};
