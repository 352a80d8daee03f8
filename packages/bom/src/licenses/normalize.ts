import { spdxLicenseIds } from '../schemas.ts';
import { BASE_MODEL_FAMILIES, HF_LICENSES, type LicenseEntry, type LicenseRisk } from './table.ts';

export type LicenseSource =
  | 'card-yaml'
  | 'license-file'
  | 'gguf'
  | 'safetensors-metadata'
  | 'user'
  | 'base-model';

/** A licence as the BOM reports it to callers (and to `palisade gate`). */
export interface LicenseInfo {
  /** SPDX id, or `LicenseRef-…` when the SPDX list has none. */
  readonly id?: string;
  readonly name?: string;
  readonly url?: string;
  readonly risk: LicenseRisk;
  /** `id` is on the SPDX licence list (so it can go into CycloneDX `license.id`). */
  readonly spdx: boolean;
  readonly obligations: readonly string[];
  readonly source: LicenseSource;
  /** As written in the artifact (`cc-by-nc-4.0`, `other`…). */
  readonly declared: string;
  /** For inherited licences: the base model it comes from. */
  readonly inheritedFrom?: string;
}

const PERMISSIVE =
  /^(mit|bsd-|apache-|isc|zlib|cc0|unlicense|cc-by-\d|pddl|odc-by|cdla-permissive|bsl-|psf-|python-|0bsd|x11|ncsa)/i;
const COPYLEFT = /^(a?gpl|lgpl|mpl|epl|eupl|cddl|cc-by-sa|cc-by-nd|odbl|osl|cpal|sspl|cdla-sharing)/i;
const NON_COMMERCIAL = /-nc(-|$)/i;

function riskOfSpdx(id: string): LicenseRisk {
  if (NON_COMMERCIAL.test(id)) return 'non-commercial';
  if (COPYLEFT.test(id)) return 'copyleft';
  if (PERMISSIVE.test(id)) return 'permissive';
  return 'unknown';
}

function fromEntry(entry: LicenseEntry, declared: string, source: LicenseSource): LicenseInfo {
  const id = entry.spdx ?? entry.ref;
  return {
    ...(id ? { id } : {}),
    name: entry.name,
    ...(entry.url ? { url: entry.url } : {}),
    risk: entry.risk,
    spdx: entry.spdx !== undefined,
    obligations: entry.obligations,
    source,
    declared,
  };
}

function slug(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 100) || 'unnamed'
  );
}

/**
 * Normalises a declared licence: HF ids through the table, SPDX ids (any case) as themselves, `other` with a
 * `license_name` through the table or to `LicenseRef-<name>`; anything else becomes a `LicenseRef-` with risk
 * `unknown` so that a policy reviews it. Returns undefined for `unknown`/`other` without a name.
 */
export function normalizeLicense(
  declared: string,
  source: LicenseSource,
  extra: { readonly name?: string; readonly link?: string } = {},
): LicenseInfo | undefined {
  const key = declared.trim().toLowerCase();
  if (key === '' || key === 'unknown' || key === 'noassertion' || key === 'none') return undefined;
  if (key === 'other' || key === 'other-license') {
    if (!extra.name) return undefined;
    const named = normalizeLicense(extra.name, source);
    if (named && named.risk !== 'unknown') return { ...named, declared: `other (${extra.name})` };
    return {
      id: `LicenseRef-${slug(extra.name)}`,
      name: extra.name,
      ...(extra.link && /^https?:\/\//.test(extra.link) ? { url: extra.link } : {}),
      risk: 'unknown',
      spdx: false,
      obligations: [],
      source,
      declared: `other (${extra.name})`,
    };
  }
  const entry = HF_LICENSES.get(key);
  if (entry) return fromEntry(entry, declared, source);
  const spdxId = spdxLicenseIds().get(key);
  if (spdxId)
    return {
      id: spdxId,
      name: spdxId,
      risk: riskOfSpdx(spdxId),
      spdx: true,
      obligations: [],
      source,
      declared,
    };
  return {
    id: `LicenseRef-${slug(declared)}`,
    name: declared.slice(0, 200),
    risk: 'unknown',
    spdx: false,
    obligations: [],
    source,
    declared,
  };
}

/** Most restrictive first: the order inheritance uses to pick the effective class of a derivative. */
const RESTRICTIVENESS: Readonly<Record<LicenseRisk, number>> = {
  unknown: 4,
  'non-commercial': 3,
  'use-restricted': 2,
  copyleft: 1,
  permissive: 0,
};

export function mostRestrictive(risks: readonly LicenseRisk[]): LicenseRisk {
  return risks.reduce<LicenseRisk>(
    (worst, r) => (RESTRICTIVENESS[r] > RESTRICTIVENESS[worst] ? r : worst),
    risks.length === 0 ? 'unknown' : 'permissive',
  );
}

/** The licence of a base model: the caller's statement first, else the publisher family table. */
export function baseModelLicense(baseModel: string, stated: string | undefined): LicenseInfo | undefined {
  if (stated) return normalizeLicense(stated, 'user');
  const id = baseModel.toLowerCase();
  const family = BASE_MODEL_FAMILIES.find(([pattern]) => pattern.test(id));
  return family ? normalizeLicense(family[1], 'base-model') : undefined;
}

/** True when `derived` is less restrictive than what a base model imposes: e.g. apache-2.0 over llama3. */
export function licenseConflict(own: readonly LicenseInfo[], inherited: readonly LicenseInfo[]): boolean {
  if (own.length === 0 || inherited.length === 0) return false;
  const ownRisk = mostRestrictive(own.map((l) => l.risk));
  const baseRisk = mostRestrictive(inherited.map((l) => l.risk));
  return RESTRICTIVENESS[baseRisk] > RESTRICTIVENESS[ownRisk] && baseRisk !== 'unknown';
}
