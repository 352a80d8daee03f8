import { randomBytes } from 'node:crypto';
import { hasChromium, launchChromium, startServe, totpCode } from '../../packages/web/src/browser-harness.ts';
import { buildWebAssets } from '../../packages/web/src/build.ts';

/**
 * First load of the dashboard's inventory in Chromium against `palisade serve` (SQLite, loopback) holding 1,000
 * model versions, in two shapes: 10 models × 100 versions and 1,000 models × 1 version. The floor beside it is
 * the same page's shell alone (the set-up page: HTML, script, style sheet, no API call). A third project of 50
 * uploaded and scanned models measures a page whose rows also read their scans.
 * Usage: node bench/web/run.ts [--versions 1000] [--repeats 5]
 */
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const VERSIONS = option('versions', 1000);
const REPEATS = option('repeats', 5);
const PASSWORD = 'a long benchmark passphrase';
const SCANNED = 50;

/** A distinct small safetensors file per model (one F32 tensor). */
function safetensors(seed: number): Buffer {
  const header = Buffer.from('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}');
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(header.length));
  const data = Buffer.alloc(8);
  data.writeFloatLE(seed, 0);
  return Buffer.concat([size, header, data]);
}

if (!hasChromium()) {
  process.stderr.write('bench/web needs Chromium at /usr/bin/chromium\n');
  process.exit(2);
}
await buildWebAssets();
const served = await startServe();
try {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${served.url}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response;
  };
  const setup = (await (
    await call('POST', '/setup', { setupToken: served.setupToken, username: 'bench', password: PASSWORD })
  ).json()) as { totpSecret: string };
  const login = await call('POST', '/auth/login', {
    username: 'bench',
    password: PASSWORD,
    totp: totpCode(setup.totpSecret),
  });
  const cookie = login.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const as = { cookie, 'x-csrf-token': csrfToken };

  const shapes: [string, number, number][] = [
    ['wide', 10, VERSIONS / 10],
    ['flat', VERSIONS, 1],
  ];
  for (const [project] of shapes) await call('POST', '/projects', { name: project }, as);
  const started = performance.now();
  for (const [project, models, versions] of shapes) {
    for (let m = 0; m < models; m += 1) {
      await call('POST', `/projects/${project}/models`, { name: `m${m}` }, as);
      for (let v = 0; v < versions; v += 1) {
        await call(
          'POST',
          `/projects/${project}/models/m${m}/versions/register`,
          { digest: `sha256:${randomBytes(32).toString('hex')}`, size: 1000, filename: `v${v}.safetensors` },
          as,
        );
      }
    }
  }
  // One page of models whose latest version was uploaded and scanned: each row also reads its scan.
  await call('POST', '/projects', { name: 'scanned' }, as);
  const jobs: string[] = [];
  for (let m = 0; m < SCANNED; m += 1) {
    await call('POST', '/projects/scanned/models', { name: `s${m}` }, as);
    const uploaded = await fetch(`${served.url}/api/v1/projects/scanned/models/s${m}/versions`, {
      method: 'POST',
      headers: {
        ...as,
        'content-type': 'application/octet-stream',
        'x-palisade-filename': 'model.safetensors',
      },
      body: safetensors(m),
    });
    jobs.push(((await uploaded.json()) as { scanJob: string }).scanJob);
  }
  for (const id of jobs) {
    for (;;) {
      const state = (
        (await (await call('GET', `/projects/scanned/jobs/${id}`, undefined, as)).json()) as {
          state: string;
        }
      ).state;
      if (state === 'succeeded' || state === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  process.stdout.write(
    `registered ${2 * VERSIONS} versions in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );

  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${served.url}/#/login`);
    await page.getByLabel('User name').fill('bench');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Authenticator code').fill(totpCode(setup.totpSecret, 1));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inventory' }).waitFor();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    const time = async (url: string, ready: () => Promise<unknown>) => {
      const runs: number[] = [];
      for (let i = 0; i < REPEATS; i += 1) {
        await page.goto('about:blank');
        const t0 = performance.now();
        await page.goto(url);
        await ready();
        runs.push(performance.now() - t0);
      }
      return { median: median(runs), best: Math.min(...runs) };
    };
    const shell = await time(`${served.url}/#/setup`, () =>
      page.getByRole('heading', { name: 'Create the first admin' }).waitFor(),
    );
    const loaded = async (shown: number) => {
      await page
        .getByText(`${shown} of ${10 + VERSIONS + SCANNED} models and datasets`)
        .waitFor({ timeout: 60_000 });
      // Every shown row filled in: versions, latest version, findings and aliases.
      await page.waitForFunction(
        () => {
          type Doc = { querySelector(selector: string): { textContent: string | null } | null };
          const body = (globalThis as unknown as { document: Doc }).document.querySelector(
            'table.inventory tbody',
          );
          return body !== null && !(body.textContent ?? '').includes('\u2026');
        },
        undefined,
        { timeout: 60_000 },
      );
    };
    const fmt = (r: { median: number; best: number }) =>
      `median ${r.median.toFixed(0)} ms, best ${r.best.toFixed(0)} ms`;
    process.stdout.write(`shell alone (set-up page, no API call):             ${fmt(shell)}\n`);
    for (const [project, models, versions] of shapes) {
      const result = await time(`${served.url}/#/?project=${project}`, () => loaded(models));
      process.stdout.write(
        `inventory of ${models} models x ${versions} versions (${models * versions} versions): ${fmt(result)}\n`,
      );
    }
    const scanned = await time(`${served.url}/#/?project=scanned`, () => loaded(SCANNED));
    process.stdout.write(
      `inventory of ${SCANNED} scanned models (findings read per row):  ${fmt(scanned)}\n`,
    );
    const everything = await time(`${served.url}/#/`, () => loaded(10 + VERSIONS + SCANNED));
    process.stdout.write(
      `inventory of every project (${2 * VERSIONS + SCANNED} versions):      ${fmt(everything)}\n`,
    );
  } finally {
    await browser.close();
  }
} finally {
  await served.close();
}
