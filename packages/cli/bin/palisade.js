#!/usr/bin/env node
// Plain JavaScript so that an old Node.js gets a clear message instead of a syntax error.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `palisade needs Node.js 24 or newer; this is ${process.version}. Install Node.js 24 and try again.\n`,
  );
  process.exit(2);
}
// Cache compiled (and type-stripped) modules between runs: start-up dominates scans of small files.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import(await entryPoint());
process.exitCode = await main(process.argv.slice(2));

/**
 * The single-module bundle that `npm ci` builds (`npm run build`) when it is newer than every source, else the
 * TypeScript sources themselves. PALISADE_FROM_SOURCE=1 forces the sources.
 */
async function entryPoint() {
  const sources = new URL('../src/main.ts', import.meta.url).href;
  if (process.env.PALISADE_FROM_SOURCE) return sources;
  try {
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const { newestSource } = await import('./sources.js');
    const built = JSON.parse(readFileSync(new URL('../dist/sources.json', import.meta.url), 'utf8'));
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    if (newestSource(root) > built.newestSource) return sources;
    // Scan workers then start from the same build (see packages/scanner/src/pool.ts).
    process.env.PALISADE_WORKER_BUNDLE = new URL('../dist/worker.mjs', import.meta.url).href;
    process.env.PALISADE_HASH_WORKER_BUNDLE = new URL('../dist/hash-worker.mjs', import.meta.url).href;
    return new URL('../dist/palisade.mjs', import.meta.url).href;
  } catch {
    return sources;
  }
}
