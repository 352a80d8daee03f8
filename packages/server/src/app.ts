import { join } from 'node:path';
import { routes } from './api/routes.ts';
import { openAuditLedger } from './audit/ledger.ts';
import { AuditTrail } from './audit/trail.ts';
import { FileBlobStore } from './blobs/file-blob-store.ts';
import { LocalKeyProvider } from './crypto/key-provider.ts';
import type { Database } from './db/database.ts';
import { createHandler, type Kernel } from './http/handler.ts';
import { Metrics } from './http/metrics.ts';
import type { Route } from './http/route.ts';
import { Router } from './http/router.ts';
import { Authenticator } from './identity/authenticator.ts';
import { type Argon2Params, PasswordHasher } from './identity/password.ts';
import { RecoveryCodes } from './identity/recovery-codes.ts';
import { newOpaqueSecret, secretHash } from './identity/secrets.ts';
import { IdentityStore } from './identity/store.ts';
import { AuthThrottle, RateLimiter } from './identity/throttle.ts';
import { ArtifactStore } from './inventory/artifacts.ts';
import { EvidenceStore } from './inventory/evidence.ts';
import { ProjectStore } from './inventory/projects.ts';
import { bomJobRunner } from './jobs/bom-job.ts';
import { type Job, JobQueue } from './jobs/queue.ts';
import { scanJobRunner } from './jobs/scan-job.ts';
import { JobWorker, type WorkerOptions } from './jobs/worker.ts';
import { SERVER_VERSION } from './version.ts';
import { type DispatcherOptions, Webhooks } from './webhooks/webhooks.ts';

export interface AppOptions {
  readonly db: Database;
  readonly dataDir: string;
  readonly tls?: boolean;
  readonly clock?: () => number;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Authentication requests allowed per client address per minute (burst: the same number). */
  readonly authRequestsPerMinute?: number;
  /** Argon2id parameters; default the OWASP minimum (ARGON2_PARAMS). Only tests lower them. */
  readonly argon2?: Argon2Params;
  /** Largest upload accepted (default 20 GiB). */
  readonly maxUploadBytes?: number;
  readonly jobs?: WorkerOptions;
  readonly webhooks?: DispatcherOptions;
}

export interface Limits {
  readonly maxUploadBytes: number;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 ** 3;

/** Everything a route handler may use. */
export interface Services extends Kernel {
  readonly db: Database;
  readonly dataDir: string;
  readonly identity: IdentityStore;
  readonly projects: ProjectStore;
  readonly artifacts: ArtifactStore;
  readonly blobs: FileBlobStore;
  readonly limits: Limits;
  readonly jobs: JobQueue;
  readonly evidence: EvidenceStore;
  readonly worker: JobWorker;
  readonly webhooks: Webhooks;
  readonly authThrottle: AuthThrottle;
  readonly passwords: PasswordHasher;
  readonly recovery: RecoveryCodes;
  readonly audit: AuditTrail;
  /** The verifier key of the audit ledger's checkpoints (public). */
  readonly auditKey: string;
  readonly version: string;
  readonly router: Router<Route<Services>>;
}

export interface App {
  readonly services: Services;
  readonly handler: ReturnType<typeof createHandler<Services>>;
  /** Printed once at start when the server has no user yet: it creates the first admin. */
  readonly setupToken: string | undefined;
  /** Stops the job worker, waiting for the jobs in hand. */
  close(): Promise<void>;
}

export async function createApp(options: AppOptions): Promise<App> {
  const db = options.db;
  const keys = LocalKeyProvider.open(options.dataDir);
  const identity = new IdentityStore(db, keys);
  const projects = new ProjectStore(db);
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => {});
  const router = new Router<Route<Services>>(routes);
  const authThrottle = new AuthThrottle(identity);
  const passwords = new PasswordHasher(options.argon2);
  const recovery = new RecoveryCodes(db, passwords);
  const artifacts = new ArtifactStore(db);
  const blobs = new FileBlobStore(join(options.dataDir, 'blobs'), keys);
  const jobs = new JobQueue(db);
  const webhooks = new Webhooks(db, keys, { clock, log, ...options.webhooks });
  const ledger = await openAuditLedger(db, options.dataDir);
  const audit = new AuditTrail(db, ledger);
  await audit.reindex();
  const jobDeps = {
    artifacts,
    blobs,
    workDir: join(options.dataDir, 'work'),
    timeoutMs: options.jobs?.timeoutMs ?? 600_000,
  };
  const worker = new JobWorker(
    jobs,
    {
      scan: scanJobRunner(jobDeps),
      bom: bomJobRunner({ ...jobDeps, jobs }),
    },
    {
      clock,
      log,
      ...options.jobs,
      onSettled: (job, outcome) => {
        if (outcome !== 'queued') void recordJob(audit, job, outcome, clock()).catch(() => {});
        if (outcome === 'succeeded' && job.kind === 'scan')
          void announceScan(jobs, webhooks, job.id).catch(() => {});
        options.jobs?.onSettled?.(job, outcome);
      },
    },
  );
  const services: Services = {
    db,
    dataDir: options.dataDir,
    identity,
    projects,
    artifacts,
    blobs,
    jobs,
    worker,
    webhooks,
    evidence: new EvidenceStore(db),
    limits: { maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES },
    authThrottle,
    passwords,
    recovery,
    version: SERVER_VERSION,
    router,
    auth: new Authenticator(identity, authThrottle, passwords, recovery),
    authLimiter: new RateLimiter(options.authRequestsPerMinute ?? 30, options.authRequestsPerMinute ?? 30),
    routeLimiters: new Map(),
    metrics: new Metrics(),
    clock,
    tls: options.tls === true,
    projectByName: (name) => projects.byName(name),
    audit,
    auditKey: ledger.vkey,
    log,
  };
  let setupToken: string | undefined;
  if ((await identity.countUsers()) === 0) {
    setupToken = newOpaqueSecret();
    await identity.addSetupToken(secretHash(setupToken), clock());
  }
  services.metrics.gauge('palisade_jobs', () => jobs.counts());
  worker.start();
  webhooks.start();
  return {
    services,
    handler: createHandler(services, router),
    setupToken,
    close: async () => {
      await worker.stop();
      await webhooks.stop();
      await audit.close();
    },
  };
}

/** A finished scan is an audit event (OCSF Scan Activity), with how many findings it made. */
async function recordJob(
  audit: AuditTrail,
  job: Job,
  outcome: 'succeeded' | 'failed',
  now: number,
): Promise<void> {
  await audit.record({
    time: now,
    action: `job.${outcome}`,
    outcome: outcome === 'succeeded' ? 'success' : 'failure',
    actor: { via: 'system' },
    object: { type: 'job', id: job.id },
    details: { kind: job.kind, attempts: job.attempts, project: job.projectId },
  });
}

/** `scan.completed` webhooks carry the job, the version's digest and the report summary (never the findings). */
async function announceScan(jobs: JobQueue, webhooks: Webhooks, id: string): Promise<void> {
  const job = await jobs.get(id);
  const report = job?.result as { summary?: unknown; files?: { digest?: string }[] } | null | undefined;
  await webhooks.emit('scan.completed', {
    job: id,
    project: job?.projectId ?? null,
    digest: report?.files?.[0]?.digest ?? null,
    summary: report?.summary ?? null,
  });
}
