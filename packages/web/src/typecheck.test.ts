import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The browser code (app/) needs the DOM library, which the workspace's Node tsconfig leaves out; this test runs
 * the type checker on it with packages/web/tsconfig.json, so that `npm test` covers it too.
 */
test('the browser code type-checks with the DOM library', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));
  const run = spawnSync(process.execPath, [tsc, '-p', 'packages/web/tsconfig.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});
