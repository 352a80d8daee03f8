import type { LicenseInfo } from '../licenses/normalize.ts';
import type { LicenseChoice, Property } from './types.ts';

/**
 * CycloneDX licence entries: SPDX-list ids in `license.id`, everything else by `name` (+ `url`) — never a
 * `LicenseRef-` in `id`, which the schema's SPDX enum rejects. One list of `{license}` objects is valid in
 * both 1.6 and 1.7.
 */
export function licenseChoices(licenses: readonly LicenseInfo[]): LicenseChoice[] {
  return licenses.map((l) => {
    const properties: Property[] = [
      { name: 'palisade:license:source', value: l.source },
      { name: 'palisade:license:risk', value: l.risk },
      ...(l.spdx || !l.id ? [] : [{ name: 'palisade:license:ref', value: l.id }]),
      ...(l.inheritedFrom ? [{ name: 'palisade:license:inheritedFrom', value: l.inheritedFrom }] : []),
      ...l.obligations.map((o) => ({ name: 'palisade:license:obligation', value: o })),
    ];
    const acknowledgement = l.source === 'base-model' ? 'concluded' : 'declared';
    return l.spdx && l.id
      ? { license: { id: l.id, acknowledgement, properties } }
      : {
          license: {
            name: l.name ?? l.id ?? l.declared,
            ...(l.url ? { url: l.url } : {}),
            acknowledgement,
            properties,
          },
        };
  });
}
