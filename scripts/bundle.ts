import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { newestSource } from '../packages/cli/bin/sources.js';
import { buildWebAssets } from '../packages/web/src/build.ts';

/**
 * Bundles the CLI (packages/cli/dist/palisade.mjs, with a chunk per command under dist/chunks/), which starts
 * in a fraction of the time of hundreds of separately loaded TypeScript modules. Run by `npm ci` (the `prepare` script) and `npm run build`.
 * Each module keeps its own source location for `import.meta.url`, so rules, package.json and worker entry
 * points still resolve in the source tree; workers run from the sources.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = resolve(ROOT, 'packages/cli/dist/palisade.mjs');

const sourceUrls: Plugin = {
  name: 'source-import-meta-url',
  setup(builder) {
    builder.onLoad({ filter: /\/packages\/[^/]+\/src\/.*\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll(
        'import.meta.url',
        JSON.stringify(pathToFileURL(args.path).href),
      ),
      loader: 'ts',
    }));
  },
};

const newest = newestSource(ROOT);
// Chunk names carry content hashes: clear the old ones so that rebuilds do not pile them up.
rmSync(resolve(dirname(OUT), 'chunks'), { recursive: true, force: true });
await build({
  entryPoints: {
    palisade: resolve(ROOT, 'packages/cli/src/main.ts'),
    // Scan workers start from a bundle too: a worker costs as much to start as scanning hundreds of files.
    worker: resolve(ROOT, 'packages/scanner/src/worker.ts'),
    // The signing package's hashing threads (packages/signing/src/serialize/hash-pool.ts).
    'hash-worker': resolve(ROOT, 'packages/signing/src/serialize/hash-worker.ts'),
  },
  outdir: dirname(OUT),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  // Commands are imported on demand (packages/cli/src/main.ts); each lands in its own chunk, so a scan loads
  // the scanner and not the server, the BOM or ONNX Runtime's bindings.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node24',
  packages: 'bundle',
  external: ['h5wasm', 'onnxruntime-node', 'pg', 'pg-native', 'libxmljs2'],
  plugins: [sourceUrls],
  // The userland punycode package, not Node's deprecated built-in of the same name (a warning on every run).
  alias: { punycode: 'punycode/' },
  // CommonJS dependencies (yaml, …) call require() for Node built-ins, which an ES module bundle lacks.
  banner: {
    js: "import { createRequire as __palisadeRequire } from 'node:module'; const require = __palisadeRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
});
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(resolve(dirname(OUT), 'sources.json'), `${JSON.stringify({ newestSource: newest })}\n`);
process.stdout.write(`Bundled the CLI into ${OUT}\n`);
// The web dashboard that `palisade serve` serves at / (packages/web/dist).
process.stdout.write(`Built the web dashboard into ${await buildWebAssets()}\n`);
