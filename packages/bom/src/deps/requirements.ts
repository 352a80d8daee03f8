import { normalizePypiName, type PackageFact } from './package-fact.ts';

const MAX_LINES = 10_000;
/** PEP 508 head: name, optional extras, optional version specifiers (markers after `;` are dropped). */
const REQUIREMENT =
  /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(\(?\s*((?:[<>=!~]=?|===)\s*[^;,\s)]+(?:\s*,\s*(?:[<>=!~]=?|===)\s*[^;,\s)]+)*)\s*\)?)?\s*(;.*)?$/;

/** One PEP 508 requirement string, or undefined for URLs, paths and anything not a named requirement. */
export function parseRequirement(text: string, source: string, optional: boolean): PackageFact | undefined {
  const m = REQUIREMENT.exec(text.trim());
  if (!m?.[1]) return undefined;
  const spec = m[4]?.replace(/\s+/g, '');
  const pinned = spec && /^===?[^,*]+$/.test(spec) ? spec.replace(/^===?/, '') : undefined;
  return {
    ecosystem: 'pypi',
    name: normalizePypiName(m[1]),
    ...(pinned ? { version: pinned } : spec ? { constraint: spec } : {}),
    source,
    optional,
  };
}

/** requirements*.txt as pip reads it: comments, continuation lines, options (`-r`, `-e`, `--hash`) skipped. */
export function parseRequirementsTxt(text: string, source: string): PackageFact[] {
  const out: PackageFact[] = [];
  const joined = text.replace(/\\\r?\n/g, ' ');
  for (const raw of joined.split(/\r?\n/).slice(0, MAX_LINES)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '' || line.startsWith('-')) continue;
    const requirement = parseRequirement(line.replace(/\s--hash=\S+/g, ''), source, /dev|test/i.test(source));
    if (requirement) out.push(requirement);
  }
  return out;
}
