import { readFileSync } from 'node:fs';
import { PalisadeError } from '@palisade/core';
import { type Pack, parsePack } from './pack.ts';

/** Packs that ship with Palisade (`packs/<name>.yaml`). */
export const BUILTIN_PACKS = ['baseline', 'eu-ai-act-high-risk', 'owasp-ml-top10', 'atlas'] as const;
export type BuiltinPackName = (typeof BUILTIN_PACKS)[number];

const cache = new Map<string, Pack>();

export function isBuiltinPack(name: string): name is BuiltinPackName {
  return (BUILTIN_PACKS as readonly string[]).includes(name);
}

/** The YAML source of a built-in pack: the starting point of a pack of one's own. */
export function builtinPackSource(name: string): string {
  if (!isBuiltinPack(name)) {
    throw new PalisadeError(
      'USAGE',
      `No built-in policy pack "${name}"; built-in packs: ${BUILTIN_PACKS.join(', ')}.`,
    );
  }
  return readFileSync(new URL(`../packs/${name}.yaml`, import.meta.url), 'utf8');
}

/** Loads (once) a built-in pack by name. */
export function builtinPack(name: string): Pack {
  if (!isBuiltinPack(name)) {
    throw new PalisadeError(
      'USAGE',
      `No built-in policy pack "${name}"; built-in packs: ${BUILTIN_PACKS.join(', ')} (or give a pack file).`,
    );
  }
  let pack = cache.get(name);
  if (!pack) {
    pack = parsePack(builtinPackSource(name), `built-in pack ${name}`);
    cache.set(name, pack);
  }
  return pack;
}
