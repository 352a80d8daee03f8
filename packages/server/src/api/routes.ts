import type { Services } from '../app.ts';
import type { Route } from '../http/route.ts';
import { webRoutes } from '../http/web-assets.ts';
import { auditRoutes } from './audit.ts';
import { authRoutes } from './auth.ts';
import { inventoryRoutes } from './inventory.ts';
import { jobRoutes } from './jobs.ts';
import { monitoringRoutes } from './monitoring.ts';
import { projectRoutes } from './projects.ts';
import { systemRoutes } from './system.ts';
import { userRoutes } from './users.ts';
import { webhookRoutes } from './webhooks.ts';

/** Every route of the server, in one table: the router, the OpenAPI document and the authorization test read it. */
export const routes: readonly Route<Services>[] = [
  ...systemRoutes,
  ...authRoutes,
  ...userRoutes,
  ...projectRoutes,
  ...inventoryRoutes,
  ...jobRoutes,
  ...auditRoutes,
  ...webhookRoutes,
  ...monitoringRoutes,
  ...webRoutes,
];
