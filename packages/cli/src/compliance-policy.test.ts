import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { runMain } from '@palisade/testing';
import { main } from './main.ts';

const MALICIOUS_PICKLE = resolve(
  import.meta.dirname,
  '../../../../shared/corpus/peers/picklescan/tests/data/malicious0.pkl',
);

const run = (args: string[]) => runMain(main, args);

test('compliance maps the gate evidence onto EU AI Act controls, in Markdown, HTML and JSON', async () => {
  const md = await run(['compliance', MALICIOUS_PICKLE, '--framework', 'eu-ai-act']);
  assert.equal(md.code, 0, md.err);
  assert.match(md.out, /^# EU Artificial Intelligence Act/);
  assert.match(
    md.out,
    /\| Art\. 15\(5\) \| .* \| Not met \| .*baseline\/no-critical-or-high-findings: fail.*PICKLE-/,
  );
  assert.match(md.out, /\| Art\. 27 \| .* \| Not assessed \|/);
  const html = await run(['compliance', MALICIOUS_PICKLE, '--framework', 'iso-42001', '--format', 'html']);
  assert.equal(html.code, 0);
  assert.match(html.out, /^<!doctype html>/);
  assert.doesNotMatch(html.out, /<script|<link|src=/);
  const json = await run([
    'compliance',
    MALICIOUS_PICKLE,
    '--framework',
    'atlas',
    '--framework',
    'nist-ai-rmf',
    '--format',
    'json',
  ]);
  assert.equal(json.code, 0);
  const reports = JSON.parse(json.out);
  assert.deepEqual(
    reports.map((r: { framework: { id: string } }) => r.framework.id),
    ['atlas', 'nist-ai-rmf'],
  );
  const m0016 = reports[0].controls.find((c: { id: string }) => c.id === 'AML.M0016');
  assert.equal(m0016.status, 'not-met');
});

test('compliance usage errors exit 2', async () => {
  const none = await run(['compliance', MALICIOUS_PICKLE]);
  assert.equal(none.code, 2);
  assert.match(none.err, /needs --framework/);
  const bad = await run(['compliance', MALICIOUS_PICKLE, '--framework', 'sox']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /Unknown framework "sox"/);
  const two = await run(['compliance', MALICIOUS_PICKLE, '--framework', 'atlas', '--framework', 'eu-ai-act']);
  assert.equal(two.code, 2);
});

test('policy test runs the examples of the built-in packs and of a user pack', async (t) => {
  const builtin = await run(['policy', 'test', 'baseline', 'eu-ai-act-high-risk', 'owasp-ml-top10', 'atlas']);
  assert.equal(builtin.code, 0, builtin.out);
  assert.match(builtin.out, /PASS baseline: (\d+)\/\1 examples/);
  const dir = mkdtempSync(join(tmpdir(), 'palisade-policy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pack = (expect: string) =>
    [
      'apiVersion: palisade.dev/policy/v1',
      'kind: PolicyPack',
      'id: deploy',
      'title: Deploy gate',
      'description: Only safetensors in production',
      'rules:',
      '  - id: safetensors-only',
      '    title: Weights are safetensors',
      '    description: No other weight format is deployed',
      '    severity: high',
      '    expression: artifact.formats.all(f, f == "safetensors")',
      'examples:',
      '  - name: a pickle is refused',
      `    expect: ${expect}`,
      '    facts: { artifact: { formats: [pickle] } }',
      '',
    ].join('\n');
  writeFileSync(join(dir, 'good.yaml'), pack('deny'));
  writeFileSync(join(dir, 'wrong.yaml'), pack('allow'));
  writeFileSync(join(dir, 'broken.yaml'), pack('deny').replace('f == "safetensors"', 'f = "safetensors"'));
  assert.equal((await run(['policy', 'test', join(dir, 'good.yaml')])).code, 0);
  const wrong = await run(['policy', 'test', join(dir, 'wrong.yaml')]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.out, /expected allow, got deny: deploy\/safetensors-only fail/);
  const broken = await run(['policy', 'test', join(dir, 'broken.yaml')]);
  assert.equal(broken.code, 2);
  assert.match(broken.err, /safetensors-only\.expression: invalid CEL/);
});

test('policy list shows every rule with its mode', async () => {
  const list = await run(['policy', 'list']);
  assert.equal(list.code, 0);
  assert.match(list.out, /baseline\/signature-trusted \[high, enforce in staging, prod, else warn\]/);
  const json = JSON.parse((await run(['policy', 'list', 'atlas', '--format', 'json'])).out);
  assert.equal(json[0].id, 'atlas');
  assert.ok(json[0].rules.every((r: { reads: string[] }) => r.reads.length > 0));
});

test('policy show prints a built-in pack that, renamed, tests as a pack of ones own', async (t) => {
  const shown = await run(['policy', 'show', 'baseline']);
  assert.equal(shown.code, 0);
  const dir = mkdtempSync(join(tmpdir(), 'palisade-policy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const mine = join(dir, 'mine.yaml');
  writeFileSync(mine, shown.out.replace('id: baseline', 'id: my-baseline'));
  const tested = await run(['policy', 'test', mine]);
  assert.equal(tested.code, 0, tested.out);
  assert.match(tested.out, /PASS my-baseline/);
  assert.equal((await run(['policy', 'show', 'nope'])).code, 2);
});
