/**
 * Model licences as Hugging Face names them (`license:` in the card), normalised to an SPDX id where the SPDX
 * list has one, else to a `LicenseRef-` id with the licence's canonical name and URL. Data, versioned with the
 * package: spec ml-bom.md §5.2, checked against the SPDX list 3.28.0 enum of the CycloneDX schema.
 */

export type LicenseRisk = 'permissive' | 'copyleft' | 'non-commercial' | 'use-restricted' | 'unknown';

export interface LicenseEntry {
  /** SPDX list id, when there is one. */
  readonly spdx?: string;
  /** `LicenseRef-…` id for licences the SPDX list lacks. */
  readonly ref?: string;
  readonly name: string;
  readonly url?: string;
  readonly risk: LicenseRisk;
  readonly obligations: readonly string[];
}

const ATTRIBUTION = 'attribution';
const RAIL = [
  'use restrictions (Attachment A) apply',
  'pass the use restrictions on in every downstream licence',
] as const;
const LLAMA = [
  'a separate licence from Meta above 700 million monthly active users',
  'Acceptable Use Policy',
  '"Built with Llama" attribution; derivative model names start with "Llama"',
] as const;

function rail(hfId: string, name: string, url: string): readonly [string, LicenseEntry] {
  return [hfId, { ref: `LicenseRef-${hfId}`, name, url, risk: 'use-restricted', obligations: RAIL }];
}

function llama(hfId: string, version: string, url: string): readonly [string, LicenseEntry] {
  return [
    hfId,
    {
      ref: `LicenseRef-${hfId}`,
      name: `Llama ${version} Community License Agreement`,
      url,
      risk: 'use-restricted',
      obligations: LLAMA,
    },
  ];
}

function spdx(hfId: string, id: string, risk: LicenseRisk, obligations: readonly string[] = []) {
  return [hfId, { spdx: id, name: id, risk, obligations }] as const;
}

export const HF_LICENSES: ReadonlyMap<string, LicenseEntry> = new Map<string, LicenseEntry>([
  spdx('apache-2.0', 'Apache-2.0', 'permissive', [ATTRIBUTION, 'keep the NOTICE file']),
  spdx('mit', 'MIT', 'permissive', [ATTRIBUTION]),
  spdx('bsd', 'BSD-4-Clause', 'permissive', [ATTRIBUTION]),
  spdx('bsd-2-clause', 'BSD-2-Clause', 'permissive', [ATTRIBUTION]),
  spdx('bsd-3-clause', 'BSD-3-Clause', 'permissive', [ATTRIBUTION]),
  spdx('bsd-3-clause-clear', 'BSD-3-Clause-Clear', 'permissive', [ATTRIBUTION]),
  spdx('bsl-1.0', 'BSL-1.0', 'permissive'),
  spdx('isc', 'ISC', 'permissive', [ATTRIBUTION]),
  spdx('zlib', 'Zlib', 'permissive'),
  spdx('unlicense', 'Unlicense', 'permissive'),
  spdx('cc0-1.0', 'CC0-1.0', 'permissive'),
  spdx('cc-by-2.0', 'CC-BY-2.0', 'permissive', [ATTRIBUTION]),
  spdx('cc-by-2.5', 'CC-BY-2.5', 'permissive', [ATTRIBUTION]),
  spdx('cc-by-3.0', 'CC-BY-3.0', 'permissive', [ATTRIBUTION]),
  spdx('cc-by-4.0', 'CC-BY-4.0', 'permissive', [ATTRIBUTION]),
  spdx('cc-by-sa-3.0', 'CC-BY-SA-3.0', 'copyleft', [ATTRIBUTION, 'share alike']),
  spdx('cc-by-sa-4.0', 'CC-BY-SA-4.0', 'copyleft', [ATTRIBUTION, 'share alike']),
  spdx('cc-by-nc-2.0', 'CC-BY-NC-2.0', 'non-commercial', [ATTRIBUTION, 'no commercial use']),
  spdx('cc-by-nc-3.0', 'CC-BY-NC-3.0', 'non-commercial', [ATTRIBUTION, 'no commercial use']),
  spdx('cc-by-nc-4.0', 'CC-BY-NC-4.0', 'non-commercial', [ATTRIBUTION, 'no commercial use']),
  spdx('cc-by-nc-sa-2.0', 'CC-BY-NC-SA-2.0', 'non-commercial', [
    ATTRIBUTION,
    'no commercial use',
    'share alike',
  ]),
  spdx('cc-by-nc-sa-3.0', 'CC-BY-NC-SA-3.0', 'non-commercial', [
    ATTRIBUTION,
    'no commercial use',
    'share alike',
  ]),
  spdx('cc-by-nc-sa-4.0', 'CC-BY-NC-SA-4.0', 'non-commercial', [
    ATTRIBUTION,
    'no commercial use',
    'share alike',
  ]),
  spdx('cc-by-nc-nd-3.0', 'CC-BY-NC-ND-3.0', 'non-commercial', [
    ATTRIBUTION,
    'no commercial use',
    'no derivatives (no fine-tunes)',
  ]),
  spdx('cc-by-nc-nd-4.0', 'CC-BY-NC-ND-4.0', 'non-commercial', [
    ATTRIBUTION,
    'no commercial use',
    'no derivatives (no fine-tunes)',
  ]),
  spdx('cc-by-nd-4.0', 'CC-BY-ND-4.0', 'copyleft', [ATTRIBUTION, 'no derivatives (no fine-tunes)']),
  spdx('gpl', 'GPL-3.0-or-later', 'copyleft', ['share source under the same licence']),
  spdx('gpl-2.0', 'GPL-2.0-only', 'copyleft', ['share source under the same licence']),
  spdx('gpl-3.0', 'GPL-3.0-only', 'copyleft', ['share source under the same licence']),
  spdx('lgpl', 'LGPL-3.0-or-later', 'copyleft', ['share changes to the library']),
  spdx('lgpl-2.1', 'LGPL-2.1-only', 'copyleft', ['share changes to the library']),
  spdx('lgpl-3.0', 'LGPL-3.0-only', 'copyleft', ['share changes to the library']),
  spdx('agpl-3.0', 'AGPL-3.0-only', 'copyleft', ['share source, also with network users']),
  spdx('mpl-2.0', 'MPL-2.0', 'copyleft', ['share changes to covered files']),
  spdx('epl-2.0', 'EPL-2.0', 'copyleft', ['share changes to covered files']),
  spdx('eupl-1.1', 'EUPL-1.1', 'copyleft', ['share source under the same licence']),
  spdx('afl-3.0', 'AFL-3.0', 'permissive', [ATTRIBUTION]),
  spdx('ecl-2.0', 'ECL-2.0', 'permissive', [ATTRIBUTION]),
  spdx('artistic-2.0', 'Artistic-2.0', 'permissive', [ATTRIBUTION]),
  spdx('wtfpl', 'WTFPL', 'permissive'),
  spdx('postgresql', 'PostgreSQL', 'permissive'),
  spdx('ofl-1.1', 'OFL-1.1', 'copyleft'),
  spdx('openmdw-1.0', 'OpenMDW-1.0', 'permissive', [ATTRIBUTION]),
  spdx('cdla-permissive-1.0', 'CDLA-Permissive-1.0', 'permissive'),
  spdx('cdla-permissive-2.0', 'CDLA-Permissive-2.0', 'permissive'),
  spdx('cdla-sharing-1.0', 'CDLA-Sharing-1.0', 'copyleft', ['share alike']),
  spdx('odbl', 'ODbL-1.0', 'copyleft', [ATTRIBUTION, 'share alike']),
  spdx('odc-by', 'ODC-By-1.0', 'permissive', [ATTRIBUTION]),
  spdx('pddl', 'PDDL-1.0', 'permissive'),
  spdx('c-uda', 'C-UDA-1.0', 'use-restricted', ['computational use of data only']),
  spdx('etalab-2.0', 'etalab-2.0', 'permissive', [ATTRIBUTION]),
  rail('openrail', 'Open RAIL License', 'https://huggingface.co/blog/open_rail'),
  rail(
    'openrail++',
    'Open RAIL++-M License',
    'https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0/blob/main/LICENSE.md',
  ),
  rail(
    'bigscience-openrail-m',
    'BigScience Open RAIL-M License',
    'https://www.licenses.ai/blog/2022/8/26/bigscience-open-rail-m-license',
  ),
  rail(
    'creativeml-openrail-m',
    'CreativeML Open RAIL-M License',
    'https://huggingface.co/spaces/CompVis/stable-diffusion-license',
  ),
  rail(
    'bigcode-openrail-m',
    'BigCode Open RAIL-M License',
    'https://huggingface.co/spaces/bigcode/bigcode-model-license-agreement',
  ),
  rail(
    'bigscience-bloom-rail-1.0',
    'BigScience BLOOM RAIL License 1.0',
    'https://huggingface.co/spaces/bigscience/license',
  ),
  llama('llama2', '2', 'https://ai.meta.com/llama/license/'),
  llama('llama3', '3', 'https://www.llama.com/llama3/license/'),
  llama('llama3.1', '3.1', 'https://www.llama.com/llama3_1/license/'),
  llama('llama3.2', '3.2', 'https://www.llama.com/llama3_2/license/'),
  llama('llama3.3', '3.3', 'https://www.llama.com/llama3_3/license/'),
  llama('llama4', '4', 'https://www.llama.com/llama4/license/'),
  [
    'gemma',
    {
      ref: 'LicenseRef-gemma',
      name: 'Gemma Terms of Use',
      url: 'https://ai.google.dev/gemma/terms',
      risk: 'use-restricted',
      obligations: [
        'Prohibited Use Policy flows down to derivatives',
        'Google may restrict use for violations',
      ],
    },
  ],
  [
    'deepfloyd-if-license',
    {
      ref: 'LicenseRef-deepfloyd-if-license',
      name: 'DeepFloyd IF License Agreement',
      url: 'https://huggingface.co/spaces/DeepFloyd/deepfloyd-if-license',
      risk: 'non-commercial',
      obligations: ['research use only'],
    },
  ],
  [
    'lgpl-lr',
    {
      ref: 'LicenseRef-lgpl-lr',
      name: 'Lesser General Public License For Linguistic Resources',
      url: 'https://huggingface.co/datasets/HuggingFaceH4/lgpl-lr',
      risk: 'copyleft',
      obligations: ['share changes to the resource'],
    },
  ],
]);

/**
 * Licence families of well-known base-model publishers, used only to inherit a licence from a base model whose
 * card is not at hand (low confidence; the caller's `baseModelLicenses` wins). Matched on the lower-cased repo id.
 */
export const BASE_MODEL_FAMILIES: readonly (readonly [RegExp, string])[] = [
  [/^meta-llama\/llama-2-/, 'llama2'],
  [/^meta-llama\/(meta-)?llama-3\.1-/, 'llama3.1'],
  [/^meta-llama\/llama-3\.2-/, 'llama3.2'],
  [/^meta-llama\/llama-3\.3-/, 'llama3.3'],
  [/^meta-llama\/llama-4-/, 'llama4'],
  [/^meta-llama\/(meta-)?llama-3-/, 'llama3'],
  [/^google\/(code)?gemma-/, 'gemma'],
  [/^bigscience\/bloom/, 'bigscience-bloom-rail-1.0'],
  [/^bigcode\/starcoder/, 'bigcode-openrail-m'],
];
