/**
 * Routes by URL fragment (`#/audit`), so the server serves one page at `/` and never maps request paths to files.
 * Patterns use `:name` for one percent-encoded segment.
 */
export type Params = Readonly<Record<string, string>>;
export type Page = (main: HTMLElement, params: Params, query: URLSearchParams) => Promise<void> | void;

interface Entry {
  readonly parts: readonly string[];
  readonly page: Page;
  readonly title: string;
}

const entries: Entry[] = [];

export function route(pattern: string, title: string, page: Page): void {
  entries.push({ parts: pattern.split('/').filter(Boolean), page, title });
}

export function resolve(
  hash: string,
): { page: Page; params: Params; query: URLSearchParams; title: string } | undefined {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const parts = path.split('/').filter(Boolean);
  for (const entry of entries) {
    if (entry.parts.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (const [i, part] of entry.parts.entries()) {
      const actual = parts[i] ?? '';
      if (part.startsWith(':')) {
        try {
          params[part.slice(1)] = decodeURIComponent(actual);
        } catch {
          ok = false;
        }
      } else if (part !== actual) ok = false;
      if (!ok) break;
    }
    if (ok) return { page: entry.page, params, query, title: entry.title };
  }
  return undefined;
}

/** A fragment link to a route; segments are encoded. */
export function href(...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`;
}

export function go(target: string): void {
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}
