/**
 * Recognises the licence of a LICENSE/NOTICE file by the phrases each licence text opens with (medium
 * confidence, spec ml-bom.md §5.3): the HF id or SPDX id it stands for, or undefined.
 */
const FINGERPRINTS: readonly (readonly [RegExp, string])[] = [
  [/LLAMA 2 COMMUNITY LICENSE AGREEMENT/i, 'llama2'],
  [/LLAMA 3\.1 COMMUNITY LICENSE AGREEMENT/i, 'llama3.1'],
  [/LLAMA 3\.2 COMMUNITY LICENSE AGREEMENT/i, 'llama3.2'],
  [/LLAMA 3\.3 COMMUNITY LICENSE AGREEMENT/i, 'llama3.3'],
  [/LLAMA 4 COMMUNITY LICENSE AGREEMENT/i, 'llama4'],
  [/META LLAMA 3 COMMUNITY LICENSE AGREEMENT/i, 'llama3'],
  [/Gemma Terms of Use/i, 'gemma'],
  [/BigScience RAIL License/i, 'bigscience-bloom-rail-1.0'],
  [/CreativeML Open RAIL-M/i, 'creativeml-openrail-m'],
  [/BigCode Open RAIL-M/i, 'bigcode-openrail-m'],
  [/Open RAIL\+\+-M/i, 'openrail++'],
  [/Attribution-NonCommercial-ShareAlike 4\.0 International/i, 'cc-by-nc-sa-4.0'],
  [/Attribution-NonCommercial-NoDerivatives 4\.0 International/i, 'cc-by-nc-nd-4.0'],
  [/Attribution-NonCommercial 4\.0 International/i, 'cc-by-nc-4.0'],
  [/Attribution-ShareAlike 4\.0 International/i, 'cc-by-sa-4.0'],
  [/Attribution 4\.0 International/i, 'cc-by-4.0'],
  [/GNU AFFERO GENERAL PUBLIC LICENSE\s+Version 3/i, 'agpl-3.0'],
  [/GNU LESSER GENERAL PUBLIC LICENSE\s+Version 3/i, 'lgpl-3.0'],
  [/GNU GENERAL PUBLIC LICENSE\s+Version 3/i, 'gpl-3.0'],
  [/GNU GENERAL PUBLIC LICENSE\s+Version 2/i, 'gpl-2.0'],
  [/Apache License\s+Version 2\.0/i, 'apache-2.0'],
  [/Mozilla Public License,? (Version|v\.) 2\.0/i, 'mpl-2.0'],
  [/Permission is hereby granted, free of charge, to any person obtaining a copy/i, 'mit'],
];

export function licenseFromText(text: string): string | undefined {
  const head = text.slice(0, 8192);
  return FINGERPRINTS.find(([pattern]) => pattern.test(head))?.[1];
}
