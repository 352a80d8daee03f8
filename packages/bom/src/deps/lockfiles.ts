import { PalisadeError } from '@palisade/core';
import { parse as parseYaml } from 'yaml';
import { isRecord, parseJsonObject, str } from '../read-bounded.ts';
import { normalizePypiName, type PackageFact } from './package-fact.ts';
import { parseRequirement } from './requirements.ts';
import { parseToml, type TomlTable, type TomlValue } from './toml.ts';

const MAX_PACKAGES = 20_000;

function tables(value: TomlValue | undefined): TomlTable[] {
  return Array.isArray(value) ? value.filter((v): v is TomlTable => isRecord(v)).slice(0, MAX_PACKAGES) : [];
}

/** poetry.lock and uv.lock: `[[package]]` with name and version; uv's local (editable/virtual) projects skipped. */
export function parseTomlLock(text: string, source: string): PackageFact[] {
  const out: PackageFact[] = [];
  for (const pkg of tables(parseToml(text).package)) {
    const name = str(pkg.name, 256);
    const version = str(pkg.version, 128);
    if (!name || !version) continue;
    const origin = isRecord(pkg.source) ? pkg.source : {};
    if ('editable' in origin || 'virtual' in origin || 'directory' in origin || origin.type === 'directory')
      continue;
    const category = str(pkg.category);
    out.push({
      ecosystem: 'pypi',
      name: normalizePypiName(name),
      version,
      source,
      optional: category === 'dev' || pkg.optional === true,
    });
  }
  return out;
}

/** Pipfile.lock: `default` and `develop` maps of name → `{version: "==x"}`. */
export function parsePipfileLock(text: string, source: string): PackageFact[] {
  const lock = parseJsonObject(text, source);
  const out: PackageFact[] = [];
  for (const section of ['default', 'develop'] as const) {
    const entries = isRecord(lock[section]) ? Object.entries(lock[section]).slice(0, MAX_PACKAGES) : [];
    for (const [name, info] of entries) {
      const version = isRecord(info) ? str(info.version, 128)?.replace(/^===?/, '') : undefined;
      out.push({
        ecosystem: 'pypi',
        name: normalizePypiName(name),
        ...(version ? { version } : {}),
        source,
        optional: section === 'develop',
      });
    }
  }
  return out;
}

function poetryDeps(table: TomlValue | undefined, source: string, optional: boolean): PackageFact[] {
  if (!isRecord(table)) return [];
  const out: PackageFact[] = [];
  for (const [name, spec] of Object.entries(table).slice(0, MAX_PACKAGES)) {
    if (name.toLowerCase() === 'python') continue;
    const constraint = typeof spec === 'string' ? spec : isRecord(spec) ? str(spec.version) : undefined;
    const pinned =
      constraint && /^(==)?\d[^,*<>~^|]*$/.test(constraint) ? constraint.replace(/^==/, '') : undefined;
    out.push({
      ecosystem: 'pypi',
      name: normalizePypiName(name),
      ...(pinned ? { version: pinned } : constraint && constraint !== '*' ? { constraint } : {}),
      source,
      optional,
    });
  }
  return out;
}

/** pyproject.toml: PEP 621 `[project]` dependencies and optional groups, and Poetry's dependency tables. */
export function parsePyproject(text: string, source: string): PackageFact[] {
  const doc = parseToml(text);
  const out: PackageFact[] = [];
  const project = isRecord(doc.project) ? doc.project : {};
  for (const req of Array.isArray(project.dependencies) ? project.dependencies.slice(0, MAX_PACKAGES) : []) {
    const pkg = typeof req === 'string' ? parseRequirement(req, source, false) : undefined;
    if (pkg) out.push(pkg);
  }
  if (isRecord(project['optional-dependencies'])) {
    for (const group of Object.values(project['optional-dependencies'])) {
      for (const req of Array.isArray(group) ? group.slice(0, MAX_PACKAGES) : []) {
        const pkg = typeof req === 'string' ? parseRequirement(req, source, true) : undefined;
        if (pkg) out.push(pkg);
      }
    }
  }
  const tool = isRecord(doc.tool) ? doc.tool : {};
  const poetry = isRecord(tool.poetry) ? tool.poetry : {};
  out.push(...poetryDeps(poetry.dependencies, source, false));
  out.push(...poetryDeps(poetry['dev-dependencies'], source, true));
  if (isRecord(poetry.group)) {
    for (const group of Object.values(poetry.group))
      if (isRecord(group)) out.push(...poetryDeps(group.dependencies, source, true));
  }
  return out;
}

/** conda environment.yml: `name=version[=build]` specs (channel-prefixed or not) and a nested `pip:` list. */
export function parseCondaEnvironment(text: string, source: string): PackageFact[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { schema: 'core', maxAliasCount: 100, logLevel: 'error' });
  } catch (error) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `${source} is not valid YAML (${(error as Error).message.split('\n')[0]})`,
      {
        cause: error,
      },
    );
  }
  if (!isRecord(doc) || !Array.isArray(doc.dependencies)) return [];
  const out: PackageFact[] = [];
  for (const dep of doc.dependencies.slice(0, MAX_PACKAGES)) {
    if (isRecord(dep) && Array.isArray(dep.pip)) {
      for (const req of dep.pip.slice(0, MAX_PACKAGES)) {
        const pkg = typeof req === 'string' ? parseRequirement(req, source, false) : undefined;
        if (pkg) out.push(pkg);
      }
      continue;
    }
    const spec = str(dep, 512);
    const m = spec
      ? /^(?:([\w.-]+)::)?([A-Za-z0-9_.-]+)\s*(?:(==?|>=|<=|>|<|!=)\s*([^\s=]+))?/.exec(spec)
      : null;
    if (!m?.[2] || m[2] === 'pip') continue;
    const exact = m[4] && m[3] === '==' && !m[4].includes('*') ? m[4] : undefined;
    out.push({
      ecosystem: 'conda',
      name: m[2].toLowerCase(),
      ...(exact ? { version: exact } : m[3] && m[4] ? { constraint: `${m[3]}${m[4]}` } : {}),
      source,
      optional: false,
      ...(m[1] ? { channel: m[1] } : {}),
    });
  }
  return out;
}
