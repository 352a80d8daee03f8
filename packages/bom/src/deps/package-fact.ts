import { PackageURL } from 'packageurl-js';

/** A software package the model needs, from a manifest or lockfile. */
export interface PackageFact {
  readonly ecosystem: 'pypi' | 'conda';
  readonly name: string;
  /** Exact version when pinned (`==`, lockfiles), else undefined. */
  readonly version?: string;
  /** The version constraint as written, when not pinned (`>=2.1,<3`). */
  readonly constraint?: string;
  /** Manifest or lockfile the package was read from, relative to the model root. */
  readonly source: string;
  /** Development or optional dependency. */
  readonly optional: boolean;
  readonly channel?: string;
}

/** PEP 503 normalised name, which is also what the purl spec wants for pypi. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function packagePurl(pkg: PackageFact): string {
  const qualifiers = pkg.channel ? { channel: pkg.channel } : undefined;
  return new PackageURL(pkg.ecosystem, undefined, pkg.name, pkg.version, qualifiers, undefined).toString();
}

/** Keeps one entry per package: a pinned version (lockfile) wins over a range (manifest). */
export function mergePackages(packages: readonly PackageFact[]): PackageFact[] {
  const byKey = new Map<string, PackageFact>();
  for (const pkg of packages) {
    const key = `${pkg.ecosystem}/${pkg.name}`;
    const seen = byKey.get(key);
    if (!seen || (seen.version === undefined && pkg.version !== undefined)) byKey.set(key, pkg);
  }
  return [...byKey.values()].sort(
    (a, b) => a.ecosystem.localeCompare(b.ecosystem) || a.name.localeCompare(b.name),
  );
}
