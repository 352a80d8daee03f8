import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DASHBOARD_CSP, WEB_ASSETS, webAssetsDir } from '@palisade/web';
import type { Services } from '../app.ts';
import { HttpError } from './problem.ts';
import type { Reply, RequestContext, Route } from './route.ts';

interface Asset {
  readonly body: string;
  readonly etag: string;
  readonly contentType: string;
}

/**
 * The dashboard's static files (`@palisade/web`), read once from its build folder. A file is looked up by a name
 * from the fixed allowlist WEB_ASSETS only: no path is ever built from the request.
 */
const cache = new Map<string, Asset>();

async function load(name: string): Promise<Asset> {
  const found = cache.get(name);
  if (found !== undefined) return found;
  const contentType = WEB_ASSETS[name];
  if (contentType === undefined || !Object.hasOwn(WEB_ASSETS, name))
    throw new HttpError(404, 'not-found', 'No such resource.');
  let body: string;
  try {
    body = await readFile(join(webAssetsDir(), name), 'utf8');
  } catch {
    throw new HttpError(
      503,
      'dashboard-not-built',
      'The web dashboard has not been built: run `npm run build` in the Palisade checkout.',
    );
  }
  const asset = { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
  cache.set(name, asset);
  return asset;
}

/** Served with the dashboard's own CSP, revalidated by ETag on every use (the names carry no content hash). */
async function serve(name: string, context: RequestContext<Services>): Promise<Reply> {
  const asset = await load(name);
  const headers = {
    'content-security-policy': DASHBOARD_CSP,
    'cache-control': 'no-cache',
    etag: asset.etag,
  };
  if (context.request.headers['if-none-match'] === asset.etag) return { status: 304, headers };
  return { status: 200, text: asset.body, contentType: asset.contentType, headers };
}

const PUBLIC = { kind: 'public' } as const;

/** `/` is the dashboard's page (it routes by URL fragment); its script, style sheet and icon live under /assets. */
export const webRoutes: Route<Services>[] = [
  {
    method: 'GET',
    path: '/',
    operationId: 'dashboard',
    summary: 'The web dashboard (HTML)',
    tag: 'dashboard',
    access: PUBLIC,
    handle: (context) => serve('index.html', context),
  },
  {
    method: 'GET',
    path: '/assets/{file}',
    operationId: 'dashboardAsset',
    summary: 'A static file of the web dashboard (script, style sheet, icon)',
    tag: 'dashboard',
    access: PUBLIC,
    handle: (context) => {
      const file = context.params.file ?? '';
      if (file === 'index.html') throw new HttpError(404, 'not-found', 'No such resource.');
      return serve(file, context);
    },
  },
];
