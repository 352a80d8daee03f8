import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';

/**
 * Test support for the dashboard: a real `palisade serve` child process (the web package talks to the server
 * over HTTP only, so it runs the CLI rather than importing the server), Debian's Chromium, axe-core, and an
 * RFC 6238 code generator standing in for the user's authenticator app.
 */
export const CHROMIUM = '/usr/bin/chromium';
const CLI = fileURLToPath(new URL('../../cli/bin/palisade.js', import.meta.url));
const AXE = fileURLToPath(new URL('../../../node_modules/axe-core/axe.min.js', import.meta.url));

export interface Served {
  readonly url: string;
  readonly setupToken: string;
  close(): Promise<void>;
}

/** Starts `palisade serve` on a free port over a fresh data directory; close() stops it and removes the data. */
export async function startServe(): Promise<Served> {
  const dataDir = mkdtempSync(join(tmpdir(), 'palisade-web-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'serve', '--data-dir', dataDir, '--port', '0', '--format', 'json'],
    { env: { ...process.env, PALISADE_FROM_SOURCE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const started = await new Promise<{ url: string; setupToken: string }>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`palisade serve exited (${code}): ${stderr}`)));
  });
  return {
    ...started,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/[\s=]/g, '').toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/**
 * The RFC 6238 code (SHA-1, 30 s, 6 digits) for the current step plus `ahead`: a code is accepted once, and
 * the server accepts the next step too, so a second sign-in within 30 s uses ahead = 1.
 */
export function totpCode(secret: string, ahead = 0, now = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 30_000) + ahead));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Screenshots go to PALISADE_WEB_ARTIFACTS (CI uploads it) or a folder under the system temp directory. */
export function artifactDir(): string {
  const dir = process.env.PALISADE_WEB_ARTIFACTS ?? join(tmpdir(), 'palisade-web-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/**
 * Runs axe-core (WCAG 2.x A/AA rules and best practices) on the page as it is, and returns the serious and
 * critical violations. The script is evaluated through the DevTools protocol, not injected as a script tag,
 * so the page's CSP stays as served.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const source = readFileSync(AXE, 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run: (o: unknown) => Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const result = await axe.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
