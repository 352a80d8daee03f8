import { randomUUID } from 'node:crypto';
import type { Services } from '../app.ts';
import type { AuditEvent } from '../audit/event.ts';
import { HttpError } from '../http/problem.ts';
import { newOpaqueSecret, secretHash } from '../identity/secrets.ts';
import { DeploymentDetectors, type DetectorOutput, type DetectorSettings } from './detectors.ts';
import type { Batch } from './events.ts';
import { IncidentStore } from './incidents.ts';
import { DEFAULT_INGESTION_POLICY, type IngestionPolicy, sampled, storedForm } from './ingestion-policy.ts';
import { buildReference, type Reference } from './reference.ts';
import { DEFAULT_RULES, RuleEvaluator, type RuleTransition } from './rules.ts';

export interface Deployment {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly model: string;
  readonly versionId: string;
  readonly digest: string;
  readonly environment: string;
  readonly windowMs: number;
  readonly ingestion: IngestionPolicy;
  readonly createdAt: number;
}

export interface MonitoringOptions {
  /** Ingestion requests processed at once; more get 429 with Retry-After. */
  readonly maxInFlight: number;
  readonly detectors?: Partial<DetectorSettings>;
  /** Close a deployment's open window after this long without events (default: its window length). */
  readonly quietMs?: number;
}

interface Live {
  readonly deployment: Deployment;
  readonly detectors: DeploymentDetectors;
  readonly rules: RuleEvaluator;
  /** Ingestion of one deployment is serialised: windows close in order. */
  chain: Promise<unknown>;
  /** Closes the open window when the deployment falls silent (one-shot, re-armed by every batch). */
  quiet: NodeJS.Timeout | undefined;
}

const system = { via: 'system' } as const;

/**
 * Continuous monitoring: deployments, event ingestion with roll-ups, detectors over windows, alerts (dedup,
 * silences, webhooks) and incidents opened from them. Detector state lives in memory, one bounded set per
 * deployment, rebuilt from the stored reference after a restart.
 */
export class Monitoring {
  readonly #services: Services;
  readonly #live = new Map<string, Live>();
  readonly incidents: IncidentStore;
  options: MonitoringOptions;
  #inFlight = 0;

  constructor(services: Services, options: MonitoringOptions) {
    this.#services = services;
    this.options = options;
    this.incidents = new IncidentStore(services.db);
  }

  get #db() {
    return this.#services.db;
  }

  async create(
    input: {
      projectId: string;
      name: string;
      model: string;
      versionId: string;
      environment: string;
      windowMs: number;
      ingestion: IngestionPolicy;
      reference: { rows: unknown; prediction?: string; label?: string };
    },
    userId: string,
    now: number,
  ): Promise<{ deployment: Deployment; token: string }> {
    buildReference(input.reference.rows, input.reference.prediction, input.reference.label); // validates first
    const id = randomUUID();
    const token = `pdi_${newOpaqueSecret()}`;
    const changed = await this.#db.run(
      `INSERT INTO deployments (id, project_id, name, model, version_id, environment, window_ms, settings, reference,
       token_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [
        id,
        input.projectId,
        input.name,
        input.model,
        input.versionId,
        input.environment,
        input.windowMs,
        JSON.stringify({ ingestion: input.ingestion }),
        JSON.stringify(input.reference),
        secretHash(token),
        now,
        userId,
      ],
    );
    if (changed !== 1) throw new HttpError(409, 'conflict', `Deployment "${input.name}" exists.`);
    return { deployment: (await this.byName(input.projectId, input.name)) as Deployment, token };
  }

  async list(projectId: string): Promise<Deployment[]> {
    return (await this.#db.all<Row>(`${SELECT} WHERE d.project_id = ? ORDER BY d.name`, [projectId])).map(
      toDeployment,
    );
  }

  async byName(projectId: string, name: string): Promise<Deployment | undefined> {
    const row = await this.#db.get<Row>(`${SELECT} WHERE d.project_id = ? AND d.name = ?`, [projectId, name]);
    return row === undefined ? undefined : toDeployment(row);
  }

  async #byToken(token: string): Promise<Deployment | undefined> {
    const row = await this.#db.get<Row>(`${SELECT} WHERE d.token_hash = ?`, [secretHash(token)]);
    return row === undefined ? undefined : toDeployment(row);
  }

  async #liveOf(deployment: Deployment): Promise<Live> {
    let live = this.#live.get(deployment.id);
    if (live === undefined) {
      const row = await this.#db.get<{ reference: string }>(
        'SELECT reference FROM deployments WHERE id = ?',
        [deployment.id],
      );
      const stored = JSON.parse(row?.reference ?? '{}') as {
        rows: unknown;
        prediction?: string;
        label?: string;
      };
      const reference: Reference = buildReference(stored.rows, stored.prediction, stored.label);
      live = {
        deployment,
        detectors: new DeploymentDetectors(reference, deployment.windowMs, this.options.detectors),
        rules: new RuleEvaluator(DEFAULT_RULES),
        chain: Promise.resolve(),
        quiet: undefined,
      };
      this.#live.set(deployment.id, live);
    }
    return live;
  }

  /** The deployment an ingestion token belongs to, or 401. */
  async authenticate(authorization: string | undefined): Promise<Deployment> {
    const token = /^Bearer (pdi_[A-Za-z0-9_-]{16,128})$/.exec(authorization ?? '')?.[1];
    const deployment = token === undefined ? undefined : await this.#byToken(token);
    if (deployment === undefined)
      throw new HttpError(
        401,
        'unauthenticated',
        'Send "Authorization: Bearer <deployment ingestion token>".',
        {
          headers: { 'www-authenticate': 'Bearer realm="palisade-ingest"' },
        },
      );
    return deployment;
  }

  /** Back-pressure: a slot for one ingestion request, or 429 with Retry-After. */
  admit(): () => void {
    if (this.#inFlight >= this.options.maxInFlight)
      throw new HttpError(429, 'too-many-requests', 'Ingestion is saturated: retry after the given delay.', {
        headers: { 'retry-after': '1' },
      });
    this.#inFlight++;
    let released = false;
    return () => {
      if (!released) this.#inFlight--;
      released = true;
    };
  }

  /** Stores a batch (once per batch id) with its roll-ups and runs the detectors over it. */
  async ingest(
    deployment: Deployment,
    batch: Batch,
    now: number,
  ): Promise<{ duplicate: boolean; kept: number }> {
    const live = await this.#liveOf(deployment);
    const policy = deployment.ingestion;
    // Every event counts in the roll-ups; only sampled callers' events are stored and analysed.
    const kept = batch.events.filter((e) => sampled(policy, deployment.id, e.caller));
    const run = live.chain.then(async () => {
      const fresh = await this.#db.transaction(async (tx) => {
        const inserted = await tx.run(
          `INSERT INTO monitor_batches (deployment_id, batch_id, events, received_at) VALUES (?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
          [deployment.id, batch.batchId, batch.events.length, now],
        );
        if (inserted === 0) return false;
        const minutes = new Map<number, { events: number; errors: number }>();
        for (const event of kept) {
          await tx.run(
            'INSERT INTO monitor_events (deployment_id, time, caller, batch_id, event) VALUES (?, ?, ?, ?, ?)',
            [
              deployment.id,
              event.time,
              event.caller,
              batch.batchId,
              JSON.stringify(storedForm(policy, event)),
            ],
          );
        }
        for (const event of batch.events) {
          const minute = Math.floor(event.time / 60_000) * 60_000;
          const m = minutes.get(minute) ?? { events: 0, errors: 0 };
          m.events++;
          if (event.error) m.errors++;
          minutes.set(minute, m);
        }
        for (const [minute, m] of minutes) {
          await tx.run(
            `INSERT INTO monitor_rollups (deployment_id, minute, events, errors) VALUES (?, ?, ?, ?)
             ON CONFLICT (deployment_id, minute) DO UPDATE SET events = monitor_rollups.events + excluded.events,
             errors = monitor_rollups.errors + excluded.errors`,
            [deployment.id, minute, m.events, m.errors],
          );
        }
        return true;
      });
      if (!fresh) return false;
      for (const event of kept) await this.#settle(live, live.detectors.observe(event), now);
      return true;
    });
    live.chain = run.catch(() => {});
    const fresh = await run;
    if (fresh) this.#armQuiet(live);
    return { duplicate: !fresh, kept: kept.length };
  }

  /** A window must not wait forever for the next event: an attack may be the last traffic a model sees. */
  #armQuiet(live: Live): void {
    clearTimeout(live.quiet);
    live.quiet = setTimeout(() => {
      live.quiet = undefined;
      this.flush(live.deployment, this.#services.clock()).catch((error: unknown) =>
        this.#services.log({ level: 'error', event: 'monitoring-quiet-flush', error: String(error) }),
      );
    }, this.options.quietMs ?? live.deployment.windowMs);
    live.quiet.unref();
  }

  /** Closes the open window of a deployment (end of a replay; a quiet deployment). */
  async flush(deployment: Deployment, now: number): Promise<void> {
    const live = await this.#liveOf(deployment);
    const run = live.chain.then(() => this.#settle(live, live.detectors.flush(), now));
    live.chain = run.catch(() => {});
    await run;
  }

  async #settle(live: Live, outputs: DetectorOutput[], now: number): Promise<void> {
    if (outputs.length === 0) return;
    const id = live.deployment.id;
    for (const o of outputs) {
      await this.#db.run(
        `INSERT INTO monitor_windows (deployment_id, window_start, detector, score, fired, output) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (deployment_id, window_start, detector) DO UPDATE SET score = excluded.score,
         fired = excluded.fired, output = excluded.output`,
        [id, o.windowStart, o.detector, o.score, o.fired ? 1 : 0, JSON.stringify(o.output)],
      );
    }
    const { fire, clear } = live.rules.evaluate(outputs);
    for (const t of fire) await this.#fire(live.deployment, t, now);
    for (const t of clear) {
      await this.#db.run(
        `UPDATE monitor_alerts SET state = 'resolved', resolved_at = ? WHERE deployment_id = ? AND rule = ?
         AND subject = ? AND state IN ('firing', 'silenced')`,
        [now, id, t.rule.name, t.subject],
      );
    }
  }

  /** One alert per (rule, subject) while it fires: later windows extend it (deduplication). */
  async #fire(deployment: Deployment, t: RuleTransition, now: number): Promise<void> {
    const window = t.output.windowStart;
    const extended = await this.#db.run(
      `UPDATE monitor_alerts SET last_window = ? WHERE deployment_id = ? AND rule = ? AND subject = ?
       AND state IN ('firing', 'silenced')`,
      [window, deployment.id, t.rule.name, t.subject],
    );
    if (extended > 0) return;
    const silenced = await this.#db.get(
      `SELECT id FROM monitor_silences WHERE deployment_id = ? AND (rule = ? OR rule = '*') AND until_time > ?`,
      [deployment.id, t.rule.name, now],
    );
    const alertId = randomUUID();
    const details = { detector: t.rule.detector, score: t.output.score, window, ...t.output.output };
    await this.#db.run(
      `INSERT INTO monitor_alerts (id, deployment_id, rule, subject, severity, state, first_window, last_window,
       fired_at, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        alertId,
        deployment.id,
        t.rule.name,
        t.subject,
        t.rule.severity,
        silenced ? 'silenced' : 'firing',
        window,
        window,
        now,
        JSON.stringify(details),
      ],
    );
    const project = await this.#projectName(deployment.projectId);
    await this.record({
      time: now,
      action: silenced ? 'monitor.alert.silenced' : 'monitor.alert.fired',
      outcome: 'success',
      actor: system,
      object: { type: 'deployment', id: deployment.name, project },
      details: {
        alert: alertId,
        rule: t.rule.name,
        subject: t.subject,
        severity: t.rule.severity,
        window: new Date(window).toISOString(),
      },
    });
    if (silenced) return;
    const payload = {
      alert: alertId,
      project,
      deployment: deployment.name,
      digest: deployment.digest,
      rule: t.rule.name,
      subject: t.subject,
      severity: t.rule.severity,
      window: new Date(window).toISOString(),
      score: t.output.score,
    };
    await this.#services.webhooks.emit('alert.fired', payload);
    if (t.rule.incident) {
      const incident = await this.incidents.open(
        {
          projectId: deployment.projectId,
          deploymentId: deployment.id,
          alertId,
          kind: t.rule.detector === 'extraction' ? 'attack' : 'decay',
          title: `${t.rule.name} on ${deployment.name} (${t.subject})`,
          severity: t.rule.severity,
        },
        now,
      );
      await this.record({
        time: now,
        action: 'incident.opened',
        outcome: 'success',
        actor: system,
        object: { type: 'incident', id: incident.id, project },
        details: { alert: alertId, rule: t.rule.name, deployment: deployment.name },
      });
      await this.#services.webhooks.emit('incident.opened', { ...payload, incident: incident.id });
    }
  }

  async #projectName(projectId: string): Promise<string> {
    const row = await this.#db.get<{ name: string }>('SELECT name FROM projects WHERE id = ?', [projectId]);
    return row?.name ?? projectId;
  }

  record(event: AuditEvent): Promise<number> {
    return this.#services.audit.record(event);
  }

  async alerts(deploymentId: string) {
    const rows = await this.#db.all<{
      id: string;
      rule: string;
      subject: string;
      severity: string;
      state: string;
      first_window: number;
      last_window: number;
      fired_at: number;
      resolved_at: number | null;
      details: string;
    }>(
      'SELECT * FROM monitor_alerts WHERE deployment_id = ? ORDER BY fired_at, first_window, id LIMIT 1000',
      [deploymentId],
    );
    return rows.map((r) => ({
      id: r.id,
      rule: r.rule,
      subject: r.subject,
      severity: r.severity,
      state: r.state,
      firstWindow: Number(r.first_window),
      lastWindow: Number(r.last_window),
      firedAt: Number(r.fired_at),
      resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
      details: JSON.parse(r.details) as unknown,
    }));
  }

  async windows(deploymentId: string, since: number, limit: number) {
    const rows = await this.#db.all<{
      window_start: number;
      detector: string;
      score: number;
      fired: number;
      output: string;
    }>(
      `SELECT window_start, detector, score, fired, output FROM monitor_windows WHERE deployment_id = ?
       AND window_start >= ? ORDER BY window_start, detector LIMIT ?`,
      [deploymentId, since, limit],
    );
    return rows.map((r) => ({
      windowStart: Number(r.window_start),
      detector: r.detector,
      score: Number(r.score),
      fired: Number(r.fired) === 1,
      output: JSON.parse(r.output) as unknown,
    }));
  }

  async silence(deploymentId: string, rule: string, until: number, userId: string, now: number) {
    const id = randomUUID();
    await this.#db.run(
      'INSERT INTO monitor_silences (id, deployment_id, rule, until_time, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
      [id, deploymentId, rule, until, now, userId],
    );
    return id;
  }
}

type Row = {
  id: string;
  project_id: string;
  name: string;
  model: string;
  version_id: string;
  digest: string;
  environment: string;
  window_ms: number;
  settings: string;
  created_at: number;
};

const SELECT = `SELECT d.id, d.project_id, d.name, d.model, d.version_id, v.digest, d.environment, d.window_ms,
  d.settings, d.created_at FROM deployments d JOIN versions v ON v.id = d.version_id`;

function toDeployment(r: Row): Deployment {
  return {
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    model: r.model,
    versionId: r.version_id,
    digest: r.digest,
    environment: r.environment,
    windowMs: Number(r.window_ms),
    ingestion: {
      ...DEFAULT_INGESTION_POLICY,
      ...(JSON.parse(r.settings) as { ingestion?: IngestionPolicy }).ingestion,
    },
    createdAt: Number(r.created_at),
  };
}

const instances = new WeakMap<Services, Monitoring>();

/** The monitoring service of a running server (created on first use, so the app needs no change). */
export function monitoringOf(services: Services): Monitoring {
  let monitoring = instances.get(services);
  if (monitoring === undefined) {
    monitoring = new Monitoring(services, { maxInFlight: 8 });
    instances.set(services, monitoring);
  }
  return monitoring;
}
