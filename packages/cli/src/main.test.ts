import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { captureIo } from '@palisade/testing';
import { loadCommands, main } from './main.ts';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/palisade.js');
const MALICIOUS = Buffer.from("cos\nsystem\n(S'touch /tmp/palisade-never'\ntR.", 'latin1');
const BENIGN = Buffer.from('\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94K\x01s.', 'latin1');

function fixtures(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'evil.pkl'), MALICIOUS);
  writeFileSync(join(dir, 'config.pkl'), BENIGN);
  return dir;
}

test('--help and every command --help exit 0 with usage and examples', async () => {
  const top = captureIo();
  assert.equal(await main(['--help'], top.io), 0);
  const commands = await loadCommands();
  for (const command of commands) assert.match(top.out(), new RegExp(`\\b${command.name}\\b`));
  for (const command of commands) {
    const run = captureIo();
    assert.equal(await main([command.name, '--help'], run.io), 0);
    assert.match(run.out(), /^Usage: palisade /);
    assert.match(run.out(), /Examples:/);
    const viaHelp = captureIo();
    assert.equal(await main(['help', command.name], viaHelp.io), 0);
    assert.equal(viaHelp.out(), run.out());
  }
});

test('--version prints the version', async () => {
  const run = captureIo();
  assert.equal(await main(['--version'], run.io), 0);
  assert.match(run.out(), /^\d+\.\d+\.\d+\n$/);
});

test('no command, an unknown command, an unknown flag and a bad value are usage errors (exit 2)', async () => {
  assert.equal(await main([], captureIo().io), 2);
  const unknown = captureIo();
  assert.equal(await main(['scna', 'x'], unknown.io), 2);
  assert.match(unknown.err(), /Unknown command "scna"/);
  const flag = captureIo();
  assert.equal(await main(['scan', '--no-such-flag', 'x'], flag.io), 2);
  assert.match(flag.err(), /palisade scan --help/);
  const value = captureIo();
  assert.equal(await main(['scan', '--fail-on', 'severe', 'x'], value.io), 2);
  assert.match(value.err(), /--fail-on takes/);
  const format = captureIo();
  assert.equal(await main(['scan', '--format', 'xml', 'x'], format.io), 2);
});

test('a path that does not exist is an input error (exit 2)', async () => {
  const run = captureIo();
  assert.equal(await main(['scan', '/nonexistent/model.pt'], run.io), 2);
  assert.match(run.err(), /No such file or directory/);
});

test('scan exits 1 on a malicious file, 0 on a benign one, and --fail-on moves the threshold', async (t) => {
  const dir = fixtures(t);
  assert.equal(await main(['scan', '-q', join(dir, 'evil.pkl')], captureIo().io), 1);
  assert.equal(await main(['scan', '-q', join(dir, 'config.pkl')], captureIo().io), 0);
  assert.equal(await main(['scan', '-q', '--fail-on', 'none', join(dir, 'evil.pkl')], captureIo().io), 0);
});

test('--format json is a parseable report with status and findings per file', async (t) => {
  const dir = fixtures(t);
  const run = captureIo();
  assert.equal(await main(['scan', '--format', 'json', '--jobs', '1', dir], run.io), 1);
  const report = JSON.parse(run.out());
  assert.equal(report.schema, 'https://palisade.dev/schemas/scan-report/v1');
  assert.equal(report.files.length, 2);
  const evil = report.files.find((f: { path: string }) => f.path.endsWith('evil.pkl'));
  assert.equal(evil.status, 'complete');
  assert.equal(evil.format, 'pickle');
  assert.equal(evil.findings[0].severity, 'critical');
  assert.equal(evil.findings[0].evidence.global, 'os.system');
  assert.equal(run.err(), '');
});

test('--output writes the report to a file and nothing to stdout', async (t) => {
  const dir = fixtures(t);
  const run = captureIo();
  const out = join(dir, 'report.sarif');
  assert.equal(await main(['scan', '--format', 'sarif', '-o', out, join(dir, 'evil.pkl')], run.io), 1);
  assert.equal(run.out(), '');
  const sarif = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(sarif.version, '2.1.0');
  assert.ok(sarif.runs[0].results.length > 0);
});

test('text output names the file, the rule and the severity, without colour when NO_COLOR is set', async (t) => {
  const dir = fixtures(t);
  const run = captureIo({ NO_COLOR: '1', FORCE_COLOR: '1' });
  await main(['scan', join(dir, 'evil.pkl')], run.io);
  assert.match(run.out(), /evil\.pkl/);
  assert.match(run.out(), /CRITICAL/);
  assert.ok(!run.out().includes('\u001b['), 'no ANSI escape codes');
});

test('the installed bin honours the exit-code contract', async (t) => {
  const dir = fixtures(t);
  const exec = promisify(execFile);
  const ok = await exec(process.execPath, [BIN, 'scan', join(dir, 'config.pkl')]);
  assert.match(ok.stdout, /no findings/);
  await assert.rejects(
    exec(process.execPath, [BIN, 'scan', join(dir, 'evil.pkl')]),
    (e: { code: number }) => e.code === 1,
  );
  await assert.rejects(exec(process.execPath, [BIN, 'bogus']), (e: { code: number }) => e.code === 2);
});

test('--allow and --rules extend the rules; a bad rules file is a usage error', async (t) => {
  const dir = fixtures(t);
  const custom = join(dir, 'custom.pkl');
  writeFileSync(custom, Buffer.from('cmylib.models\nNet\n)R.', 'latin1'));
  assert.equal(await main(['scan', '-q', custom], captureIo().io), 1);
  assert.equal(await main(['scan', '-q', '--allow', 'mylib.models.Net', custom], captureIo().io), 0);
  assert.equal(await main(['scan', '-q', '--allow', 'mylib.*', custom], captureIo().io), 0);
  const rules = join(dir, 'rules.json');
  writeFileSync(
    rules,
    JSON.stringify({
      allow: ['mylib.models.Net'],
      deny: [
        {
          id: 'ORG-NO-CONFIG-LOADERS',
          severity: 'critical',
          title: 'Internal config loader',
          rationale: 'Our loader reads files named in the pickle.',
          remediation: 'Use the safe loader.',
          patterns: ['mylib.config.*'],
        },
      ],
    }),
  );
  assert.equal(await main(['scan', '-q', '--rules', rules, custom], captureIo().io), 0);
  const denied = join(dir, 'denied.pkl');
  writeFileSync(denied, Buffer.from("cmylib.config\nload\n(S'x'\ntR.", 'latin1'));
  const run = captureIo();
  assert.equal(await main(['scan', '--format', 'json', '--rules', rules, denied], run.io), 1);
  assert.equal(JSON.parse(run.out()).files[0].findings[0].ruleId, 'ORG-NO-CONFIG-LOADERS');
  writeFileSync(rules, '{"deny": [{"id": "bad"}]}');
  const bad = captureIo();
  assert.equal(await main(['scan', '--rules', rules, custom], bad.io), 2);
  assert.match(bad.err(), /Invalid rules file/);
});
