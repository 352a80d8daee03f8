import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_PACKS, builtinPack } from './builtin.ts';
import { complianceReport } from './compliance.ts';
import { evaluate } from './evaluate.ts';
import { exampleFacts } from './pack-test.ts';
import { complianceToHtml } from './render/compliance-html.ts';
import { complianceToMarkdown } from './render/compliance-markdown.ts';

const packs = BUILTIN_PACKS.map((name) => builtinPack(name));
const facts = exampleFacts({
  environment: 'prod',
  facts: {
    scan: {
      status: 'complete',
      highest: 'critical',
      counts: { critical: 1, high: 0, medium: 0, low: 0, info: 0 },
      findings: [
        {
          ruleId: 'PICKLE-EXEC-CALL',
          severity: 'critical',
          title: 'os.system <script>',
          path: 'm.pkl',
          atlas: [],
          owasp: [],
        },
      ],
      incompleteFiles: 0,
    },
    signature: { status: 'verified', trusted: true },
  },
});
const decision = evaluate(facts, packs, { now: new Date('2026-06-01T00:00:00Z') });

test('EU AI Act: each control has a status, its evidence and what is missing', () => {
  const report = complianceReport(decision, 'eu-ai-act');
  const art155 = report.controls.find((c) => c.id === 'Art. 15(5)');
  assert.equal(art155?.status, 'not-met');
  assert.ok(
    art155?.evidence.some((e) => e.rule === 'baseline/no-critical-or-high-findings' && e.outcome === 'fail'),
  );
  assert.ok(art155?.missing.some((m) => m.includes('PICKLE-EXEC-CALL')));
  assert.equal(report.controls.find((c) => c.id === 'Art. 11')?.status, 'unknown');
  assert.equal(report.controls.find((c) => c.id === 'Art. 27')?.status, 'not-assessed');
  const total = Object.values(report.summary).reduce((a, b) => a + b, 0);
  assert.equal(total, report.controls.length);
});

test('ATLAS: mitigations are the controls, the techniques addressed are listed apart', () => {
  const report = complianceReport(decision, 'atlas');
  assert.ok(report.controls.every((c) => c.kind === 'control'));
  assert.equal(report.controls.find((c) => c.id === 'AML.M0013')?.status, 'met');
  assert.ok(report.threats.some((t) => t.id === 'AML.T0011.000'));
});

test('Markdown and HTML reports name every control; HTML escapes and loads nothing external', () => {
  const report = complianceReport(decision, 'iso-42001');
  const md = complianceToMarkdown(report);
  const html = complianceToHtml(report);
  for (const c of report.controls) {
    assert.ok(md.includes(`| ${c.id} |`), c.id);
    assert.ok(html.includes(`<td>${c.id}</td>`), c.id);
  }
  assert.ok(!html.includes('<script'));
  assert.ok(html.includes('os.system &lt;script&gt;'));
  assert.doesNotMatch(html, /(src|href)=["']?https?:/);
});
