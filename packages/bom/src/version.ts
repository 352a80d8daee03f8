import { readFileSync } from 'node:fs';

/** The version of the bom package, written as the generating tool's version. */
export const BOM_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
