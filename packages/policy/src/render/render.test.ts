import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { builtinPack } from '../builtin.ts';
import { evaluate } from '../evaluate.ts';
import { parseExceptions } from '../exceptions.ts';
import { exampleFacts } from '../pack-test.ts';
import { decisionToSarif } from './decision-sarif.ts';
import { decisionToText } from './decision-text.ts';

const facts = exampleFacts({
  environment: 'prod',
  facts: { signature: { status: 'absent', trusted: false } },
});
const exceptions = parseExceptions(
  'exceptions:\n  - {rule: baseline/signature-trusted, name: "*.safetensors", justification: vendor, approver: ciso, expires: 2999-01-01}\n',
  'e.yaml',
);
const decision = evaluate(facts, [builtinPack('baseline')], { exceptions });

test('text: the verdict first, then each rule that did not pass with its reasons, fix and frameworks', () => {
  const text = decisionToText(decision);
  assert.match(text, /^DENIED: model\.safetensors \(sha256:0+\) in prod\n/);
  assert.match(
    text,
    /DENY {3}baseline\/no-critical-or-high-findings \(critical, enforce\): .* — unknown\n {6}unknown scan: not scanned/,
  );
  assert.match(
    text,
    /WAIVED baseline\/signature-trusted .*\n {6}no signature found\n {6}exception until 2999-01-01, approved by ciso: vendor/,
  );
  assert.doesNotMatch(text, /provenance-for-in-house-models/);
  assert.match(decisionToText(decision, { verbose: true }), /ok {5}baseline\/provenance-for-in-house-models/);
});

test("SARIF: Microsoft's SARIF Multitool validates the decision with no errors; waived rules are suppressed", async (t) => {
  const sarif = JSON.parse(decisionToSarif(decision, '0.1.0'));
  const results = sarif.runs[0].results;
  assert.equal(
    results.find((r: { ruleId: string }) => r.ruleId === 'baseline/signature-trusted').suppressions[0].status,
    'accepted',
  );
  assert.equal(
    results.find((r: { ruleId: string }) => r.ruleId === 'baseline/no-critical-or-high-findings').level,
    'error',
  );
  const dir = mkdtempSync(join(tmpdir(), 'palisade-sarif-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'gate.sarif');
  writeFileSync(path, JSON.stringify(sarif));
  const multitool = createRequire(import.meta.url)('@microsoft/sarif-multitool-linux') as string;
  await promisify(execFile)(multitool, ['validate', path, '--output', `${path}.validation`], {
    maxBuffer: 1 << 24,
  });
  const validation = JSON.parse(readFileSync(`${path}.validation`, 'utf8'));
  const errors = validation.runs[0].results.filter((r: { level?: string }) => r.level === 'error');
  assert.deepEqual(
    errors.map((e: { message: { text: string } }) => e.message.text),
    [],
  );
});
