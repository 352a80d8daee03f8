import { readdirSync, statSync } from 'node:fs';

/**
 * The newest modification time among the sources the CLI bundle is built from: the workspace packages'
 * `src/**` TypeScript (tests excluded) and JSON. The bundle is used only when it was built after all of them,
 * so that an edited or pulled source is never shadowed by a stale bundle. Rules and other data files are read
 * at run time from the source tree and need no rebuild. Runs on every start, so it is kept to a few
 * milliseconds: one listing per directory and one stat per source, plain string paths (Node's recursive
 * listing and path.join normalise every entry and cost ten times more). Plain JavaScript: importing TypeScript
 * here would load Node's type stripper on every start.
 *
 * @param {string} root the repository root
 * @returns {number} milliseconds since the epoch
 */
export function newestSource(root) {
  let newest = 0;
  /** @param {string} dir */
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const name = entry.name;
      if (entry.isDirectory()) {
        if (name !== 'fixtures') visit(`${dir}/${name}`);
      } else if ((name.endsWith('.ts') && !name.endsWith('.test.ts')) || name.endsWith('.json')) {
        newest = Math.max(newest, statSync(`${dir}/${name}`).mtimeMs);
      }
    }
  };
  const packages = `${root}/packages`;
  for (const pkg of readdirSync(packages)) {
    try {
      visit(`${packages}/${pkg}/src`);
    } catch (error) {
      // A package without sources (only data or tests) builds nothing.
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ENOENT') throw error;
    }
  }
  return newest;
}
