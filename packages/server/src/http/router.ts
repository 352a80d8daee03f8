import { HttpError } from './problem.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Compiled<R> {
  readonly route: R;
  readonly method: Method;
  readonly regex: RegExp;
  readonly names: readonly string[];
}

/** A path segment value: printable, no separators; anything else cannot name one of our objects. */
const SEGMENT = /^[A-Za-z0-9._~:@-]{1,128}$/;

/**
 * Splits a request target into path and query, refusing targets that a proxy, a browser and this router could
 * read differently: dot segments, empty segments, backslashes and encoded separators (the MLflow artifact CVEs
 * were all such readings).
 */
export function splitTarget(target: string): { path: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (
    !path.startsWith('/') ||
    path.length > 2048 ||
    /\/\/|\\|%2f|%5c|%2e|%00/i.test(path) ||
    /(^|\/)\.\.?(\/|$)/.test(path)
  ) {
    throw new HttpError(400, 'invalid-path', 'The request path is not in canonical form.');
  }
  return {
    path: path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path,
    query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)),
  };
}

/** Routes `{name}` placeholders; finds a route or says why not (404, or 405 with the allowed methods). */
export class Router<R extends { readonly method: Method; readonly path: string }> {
  readonly #routes: Compiled<R>[] = [];

  constructor(routes: readonly R[]) {
    for (const route of routes) {
      const names: string[] = [];
      const source = route.path
        .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
        .replace(/\{(\w+)\}/g, (_, name: string) => {
          names.push(name);
          return '([^/]+)';
        });
      this.#routes.push({ route, method: route.method, regex: new RegExp(`^${source}$`), names });
    }
  }

  get routes(): readonly R[] {
    return this.#routes.map((c) => c.route);
  }

  match(method: string, path: string): { route: R; params: Record<string, string> } {
    const allowed: string[] = [];
    for (const compiled of this.#routes) {
      const found = compiled.regex.exec(path);
      if (found === null) continue;
      if (compiled.method !== method) {
        allowed.push(compiled.method);
        continue;
      }
      const params: Record<string, string> = {};
      for (const [i, name] of compiled.names.entries()) {
        let value: string;
        try {
          value = decodeURIComponent(found[i + 1] ?? '');
        } catch {
          throw new HttpError(400, 'invalid-path', 'The request path has a bad percent-encoding.');
        }
        if (!SEGMENT.test(value)) throw new HttpError(404, 'not-found', 'No such resource.');
        params[name] = value;
      }
      return { route: compiled.route, params };
    }
    if (allowed.length > 0) {
      throw new HttpError(405, 'method-not-allowed', `Use ${allowed.join(' or ')} on this path.`, {
        headers: { allow: allowed.join(', ') },
      });
    }
    throw new HttpError(404, 'not-found', 'No such resource.');
  }
}
