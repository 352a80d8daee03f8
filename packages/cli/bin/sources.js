import { existsSync, readdirSync, statSync } from 'node:fs';

/**
 * The newest modification time among the sources the CLI bundle is built from: the workspace packages'
 * `src/**` TypeScript (tests excluded) and JSON. The bundle is used only when it was built after all of them,
 * so that an edited or pulled source is never shadowed by a stale bundle. Rules and other data files are read
 * at run time from the source tree and need no rebuild. Runs on every start: one native recursive listing per
 * package and one stat per source file, no path normalisation. Plain JavaScript: importing TypeScript here would
 * load Node's type stripper on every start.
 *
 * @param {string} root the repository root
 * @returns {number} milliseconds since the epoch
 */
export function newestSource(root) {
  let newest = 0;
  const packages = `${root}/packages`;
  for (const pkg of readdirSync(packages)) {
    const src = `${packages}/${pkg}/src`;
    if (!existsSync(src)) continue;
    for (const name of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
      if (name.includes('fixtures') || !/\.(ts|json)$/.test(name) || name.endsWith('.test.ts')) continue;
      newest = Math.max(newest, statSync(`${src}/${name}`).mtimeMs);
    }
  }
  return newest;
}
