// Child process for the crash test: a server on the data folder in argv[2] (cheap Argon2 and short job leases),
// printing its URL and setup token, then serving until it is killed.
import { writeSync } from 'node:fs';
import { startServer } from './server.ts';
import { TEST_ARGON2 } from './test-harness.ts';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: crash-child.ts DATA_DIR');
const server = await startServer({
  dataDir,
  port: 0,
  argon2: TEST_ARGON2,
  jobs: { leaseMs: 1000, pollMs: 50 },
});
writeSync(1, `${JSON.stringify({ url: server.url, setupToken: server.setupToken ?? null })}\n`);
