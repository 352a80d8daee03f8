import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/**
 * The official schemas, vendored byte-identical (gzip-compressed) in `packages/bom/schemas/`; see the README
 * there for sources and licences. Loaded on first use and kept.
 */
const DIR = new URL('../schemas/', import.meta.url);
const cache = new Map<string, Record<string, unknown>>();

export function loadSchema(file: string): Record<string, unknown> {
  let schema = cache.get(file);
  if (!schema) {
    schema = JSON.parse(gunzipSync(readFileSync(new URL(`${file}.gz`, DIR))).toString('utf8')) as Record<
      string,
      unknown
    >;
    cache.set(file, schema);
  }
  return schema;
}

let spdxIds: Map<string, string> | undefined;

/** SPDX licence-list ids (the enum CycloneDX accepts in `license.id`), keyed by their lower-case form. */
export function spdxLicenseIds(): ReadonlyMap<string, string> {
  if (!spdxIds) {
    const ids = loadSchema('spdx.schema.json').enum as string[];
    spdxIds = new Map(ids.map((id) => [id.toLowerCase(), id]));
  }
  return spdxIds;
}
