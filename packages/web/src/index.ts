import { fileURLToPath } from 'node:url';

/**
 * The built dashboard: a fixed list of static files, the only ones the server will ever serve from
 * {@link webAssetsDir}. The names are fixed (no content hash), so the server revalidates them by ETag.
 */
export const WEB_ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** Where `npm run build` (and the web tests) write the dashboard's files. */
export function webAssetsDir(): string {
  return fileURLToPath(new URL('../dist/', import.meta.url));
}

/**
 * The Content-Security-Policy of the dashboard's pages: scripts, styles and requests from this origin only, no
 * inline script or style, no plugins, no framing, and DOM sinks that take strings (innerHTML…) refused outright.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');
