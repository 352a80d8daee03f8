import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { webAssetsDir } from './index.ts';

const APP = fileURLToPath(new URL('../app/', import.meta.url));

/**
 * Bundles the browser code (app/main.ts) into app.js and copies the page, the style sheet and the icon next to
 * it. Writes into a fresh folder and renames it into place, so a server reading the old build never sees half a
 * new one. Run by the root `prepare`/`build` scripts and by the browser tests.
 */
export async function buildWebAssets(outDir: string = webAssetsDir()): Promise<string> {
  const target = outDir.replace(/\/$/, '');
  const staging = `${target}.${process.pid}.tmp`;
  const old = `${target}.${process.pid}.old`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await build({
    entryPoints: [join(APP, 'main.ts')],
    outfile: join(staging, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'app.css', 'favicon.svg'])
    copyFileSync(join(APP, file), join(staging, file));
  // Another process (a test, `npm run build`) may swap its own build in at the same time: retry the swap.
  for (let attempt = 1; ; attempt += 1) {
    rmSync(old, { recursive: true, force: true });
    try {
      renameSync(target, old);
    } catch {
      // no previous build
    }
    try {
      renameSync(staging, target);
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  rmSync(old, { recursive: true, force: true });
  return target;
}
