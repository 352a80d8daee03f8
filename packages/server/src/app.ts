import { routes } from './api/routes.ts';
import type { Database } from './db/database.ts';
import { createHandler, type DeniedRequest, type Kernel } from './http/handler.ts';
import { Metrics } from './http/metrics.ts';
import type { Route } from './http/route.ts';
import { Router } from './http/router.ts';
import { Authenticator } from './identity/authenticator.ts';
import { newOpaqueSecret, secretHash } from './identity/secrets.ts';
import { IdentityStore } from './identity/store.ts';
import { AuthThrottle, RateLimiter } from './identity/throttle.ts';
import { ProjectStore } from './inventory/projects.ts';
import { SERVER_VERSION } from './version.ts';

export interface AppOptions {
  readonly db: Database;
  readonly dataDir: string;
  readonly tls?: boolean;
  readonly clock?: () => number;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Authentication requests allowed per client address per minute (burst: the same number). */
  readonly authRequestsPerMinute?: number;
}

/** Everything a route handler may use. */
export interface Services extends Kernel {
  readonly db: Database;
  readonly dataDir: string;
  readonly identity: IdentityStore;
  readonly projects: ProjectStore;
  readonly authThrottle: AuthThrottle;
  readonly version: string;
  readonly router: Router<Route<Services>>;
}

export interface App {
  readonly services: Services;
  readonly handler: ReturnType<typeof createHandler<Services>>;
  /** Printed once at start when the server has no user yet: it creates the first admin. */
  readonly setupToken: string | undefined;
}

export async function createApp(options: AppOptions): Promise<App> {
  const db = options.db;
  const identity = new IdentityStore(db);
  const projects = new ProjectStore(db);
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => {});
  const router = new Router<Route<Services>>(routes);
  const authThrottle = new AuthThrottle(identity);
  const services: Services = {
    db,
    dataDir: options.dataDir,
    identity,
    projects,
    authThrottle,
    version: SERVER_VERSION,
    router,
    auth: new Authenticator(identity, authThrottle),
    authLimiter: new RateLimiter(options.authRequestsPerMinute ?? 30, options.authRequestsPerMinute ?? 30),
    metrics: new Metrics(),
    clock,
    tls: options.tls === true,
    projectByName: (name) => projects.byName(name),
    denied: async (event: DeniedRequest) => {
      log({ level: 'warn', event: 'denied', ...summary(event) });
    },
    log,
  };
  let setupToken: string | undefined;
  if ((await identity.countUsers()) === 0) {
    setupToken = newOpaqueSecret();
    await identity.addSetupToken(secretHash(setupToken), clock());
  }
  return { services, handler: createHandler(services, router), setupToken };
}

function summary(event: DeniedRequest): Record<string, unknown> {
  return {
    requestId: event.requestId,
    ip: event.ip,
    method: event.method,
    route: event.route,
    status: event.status,
    reason: event.reason,
    user: event.principal?.user.username,
  };
}
