import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { runCli, scratchDir } from './trust-helpers.test.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) =>
  existsSync(p),
);
const STATS = resolve(import.meta.dirname, '../../../../shared/vectors/ml/stats');
const FAIRNESS = resolve(import.meta.dirname, '../../../../shared/vectors/ml/fairness/oracles.json');
const LINEAR = resolve(import.meta.dirname, '../../trust/fixtures/linear.onnx');

/** The three HTML reports written by the CLI, with a column name that tries to inject markup. */
async function reports(dir: string): Promise<string[]> {
  const samples = JSON.parse(readFileSync(join(STATS, 'samples.json'), 'utf8'));
  const evil = '<img src=x onerror=alert(1)>';
  const csv = (values: number[]) =>
    [`x,"${evil}"`, ...values.map((v, i) => `${v},${(i % 5) + (v > 1 ? 1 : 0)}`)].join('\n');
  writeFileSync(join(dir, 'ref.csv'), csv(samples.m1));
  writeFileSync(join(dir, 'cur.csv'), csv(samples.m2));
  const { y_true, y_pred, sensitive_features } = JSON.parse(readFileSync(FAIRNESS, 'utf8'))
    .fairlearn_user_guide_example.inputs;
  writeFileSync(
    join(dir, 'fair.csv'),
    ['y,p,sf', ...y_true.map((y: number, i: number) => `${y},${y_pred[i]},${sensitive_features[i]}`)].join(
      '\n',
    ),
  );
  writeFileSync(
    join(dir, 'rows.csv'),
    ['y,a,b,c,d,e', ...Array.from({ length: 30 }, (_, r) => [r % 3, r, r / 2, -r, 1, r % 7].join(','))].join(
      '\n',
    ),
  );
  const runs = [
    [
      'drift',
      '-r',
      join(dir, 'ref.csv'),
      '-c',
      join(dir, 'cur.csv'),
      '--format',
      'html',
      '-o',
      join(dir, 'drift.html'),
    ],
    [
      'fairness',
      join(dir, 'fair.csv'),
      '-y',
      'y',
      '-p',
      'p',
      '-s',
      'sf',
      '--bootstrap',
      '50',
      '--format',
      'html',
      '-o',
      join(dir, 'fairness.html'),
    ],
    [
      'explain',
      LINEAR,
      '--data',
      join(dir, 'rows.csv'),
      '--label',
      'y',
      '--rows',
      '3',
      '--format',
      'html',
      '-o',
      join(dir, 'explain.html'),
    ],
  ];
  for (const args of runs) {
    const { code, err } = await runCli(args);
    assert.equal(code, 0, err);
  }
  return ['drift.html', 'fairness.html', 'explain.html'].map((f) => join(dir, f));
}

test('HTML reports are self-contained: no script, no external reference, markup from the data escaped', async (t) => {
  for (const file of await reports(scratchDir(t))) {
    const html = readFileSync(file, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.doesNotMatch(html, /<script|<link|<img|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i, file);
  }
});

/** A minimal Chrome DevTools Protocol client over the browser's WebSocket. */
class Cdp {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, (result: Record<string, unknown>) => void>();
  readonly events: { method: string; params: Record<string, unknown> }[] = [];
  #id = 0;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (message) => {
      const data = JSON.parse(String(message.data));
      if (data.id !== undefined) this.#pending.get(data.id)?.(data.result ?? { error: data.error });
      else this.events.push({ method: data.method, params: data.params });
    });
  }

  static async connect(url: string): Promise<Cdp> {
    const socket = new WebSocket(url);
    await new Promise((ok, fail) => {
      socket.addEventListener('open', ok);
      socket.addEventListener('error', fail);
    });
    return new Cdp(socket);
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = ++this.#id;
    this.#socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((ok) => this.#pending.set(id, ok));
  }

  async until(method: string, timeoutMs: number): Promise<void> {
    const start = Date.now();
    while (!this.events.some((e) => e.method === method)) {
      if (Date.now() - start > timeoutMs) throw new Error(`no ${method} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.#socket.close();
  }
}

async function launch(dir: string): Promise<{ browser: ChildProcess; url: string }> {
  const browser = spawn(
    CHROMIUM as string,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--remote-debugging-port=0',
      `--user-data-dir=${join(dir, 'profile')}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`Chromium did not start: ${stderr}`)), 30_000);
    browser.stderr?.on('data', (chunk) => {
      stderr += chunk;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        ok(match[1] as string);
      }
    });
  });
  return { browser, url };
}

test('headless Chromium renders each report with no console error and no network request, and screenshots it', {
  skip: CHROMIUM ? false : 'Chromium is not installed (apt-get install -y chromium)',
  timeout: 120_000,
}, async (t) => {
  const dir = scratchDir(t);
  const files = await reports(dir);
  const { browser, url } = await launch(dir);
  t.after(() => browser.kill());
  const cdp = await Cdp.connect(url);
  t.after(() => cdp.close());
  for (const file of files) {
    const { targetId } = (await cdp.send('Target.createTarget', { url: 'about:blank' })) as {
      targetId: string;
    };
    const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    for (const domain of ['Page', 'Runtime', 'Log', 'Network'])
      await cdp.send(`${domain}.enable`, {}, sessionId);
    cdp.events.length = 0;
    const page = pathToFileURL(file).href;
    await cdp.send('Page.navigate', { url: page }, sessionId);
    await cdp.until('Page.loadEventFired', 30_000);
    const errors = cdp.events.filter(
      (e) =>
        e.method === 'Runtime.exceptionThrown' ||
        (e.method === 'Runtime.consoleAPICalled' && e.params.type === 'error') ||
        (e.method === 'Log.entryAdded' && (e.params.entry as { level: string }).level === 'error'),
    );
    assert.deepEqual(errors, [], `${file}: console errors`);
    const requests = cdp.events
      .filter((e) => e.method === 'Network.requestWillBeSent')
      .map((e) => (e.params.request as { url: string }).url)
      .filter((u) => u !== page);
    assert.deepEqual(requests, [], `${file}: network requests`);
    const { data } = (await cdp.send('Page.captureScreenshot', { format: 'png' }, sessionId)) as {
      data: string;
    };
    const png = Buffer.from(data, 'base64');
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(
      png.length > 10_000,
      `${file}: a ${png.length}-byte screenshot is too small to hold the charts`,
    );
    writeFileSync(file.replace(/\.html$/, '.png'), png);
    await cdp.send('Target.closeTarget', { targetId });
  }
});
