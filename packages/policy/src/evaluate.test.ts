import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinPack } from './builtin.ts';
import { evaluate } from './evaluate.ts';
import { parseExceptions } from './exceptions.ts';
import { exampleFacts } from './pack-test.ts';

const clean = {
  status: 'complete',
  highest: 'none',
  counts: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
  findings: [],
  incompleteFiles: 0,
};
const bom = {
  status: 'known',
  completeness: 0.9,
  missing: [],
  licenses: [{ id: 'MIT', risk: 'permissive' }],
  datasets: 1,
  baseModels: [],
  hasModelCard: true,
  licenseConflict: false,
};
const unsigned = exampleFacts({
  environment: 'prod',
  facts: { scan: clean, bom, signature: { status: 'absent', trusted: false } },
});
const NOW = new Date('2026-06-01T00:00:00Z');

function exceptions(
  expires: string,
  extra = 'digest: sha256:0000000000000000000000000000000000000000000000000000000000000000',
) {
  return parseExceptions(
    `exceptions:\n  - rule: baseline/signature-trusted\n    ${extra}\n    justification: vendor signs next release\n    approver: ciso@example.com\n    expires: ${expires}\n`,
    'exceptions.yaml',
  );
}

test('every rule outcome is listed with the facts it read and its framework references', () => {
  const d = evaluate(unsigned, [builtinPack('baseline')], { now: NOW });
  assert.equal(d.decision, 'deny');
  assert.equal(d.allowed, false);
  assert.equal(d.results.length, builtinPack('baseline').rules.length);
  const sig = d.results.find((r) => r.rule === 'baseline/signature-trusted');
  assert.equal(sig?.outcome, 'fail');
  assert.equal(sig?.effect, 'deny');
  assert.deepEqual(sig?.facts['signature.status'], 'absent');
  assert.deepEqual(sig?.reasons, ['no signature found']);
  assert.ok(sig?.frameworks.atlas?.includes('AML.M0013'));
});

test('a live exception waives the rule and the gate allows; an expired one is reported and does not', () => {
  const live = evaluate(unsigned, [builtinPack('baseline')], {
    now: NOW,
    exceptions: exceptions('2026-12-31'),
  });
  const waived = live.results.find((r) => r.rule === 'baseline/signature-trusted');
  assert.equal(waived?.effect, 'waived');
  assert.equal(waived?.exception?.status, 'applied');
  assert.equal(live.decision, 'allow');
  const expired = evaluate(unsigned, [builtinPack('baseline')], {
    now: NOW,
    exceptions: exceptions('2026-01-31'),
  });
  const still = expired.results.find((r) => r.rule === 'baseline/signature-trusted');
  assert.equal(still?.effect, 'deny');
  assert.equal(still?.exception?.status, 'expired');
  assert.equal(expired.decision, 'deny');
});

test('an exception by name pattern matches the path or the base name; another artifact is not covered', () => {
  assert.equal(
    evaluate(unsigned, [builtinPack('baseline')], {
      now: NOW,
      exceptions: exceptions('2026-12-31', "name: '*.safetensors'"),
    }).decision,
    'allow',
  );
  assert.equal(
    evaluate(unsigned, [builtinPack('baseline')], {
      now: NOW,
      exceptions: exceptions('2026-12-31', "name: 'models/**/*.onnx'"),
    }).decision,
    'deny',
  );
});

test('a date-only expiry lasts to the end of that day', () => {
  const d = evaluate(unsigned, [builtinPack('baseline')], {
    now: new Date('2026-06-01T23:00:00Z'),
    exceptions: exceptions('2026-06-01'),
  });
  assert.equal(d.decision, 'allow');
});

test('missing evidence is unknown, not false, and fails closed', () => {
  const facts = exampleFacts({ environment: 'dev', facts: {} });
  const d = evaluate(facts, [builtinPack('baseline')], { now: NOW });
  const scan = d.results.find((r) => r.rule === 'baseline/no-critical-or-high-findings');
  assert.equal(scan?.outcome, 'unknown');
  assert.equal(scan?.effect, 'deny');
  assert.match(scan?.reasons[0] ?? '', /unknown scan: not scanned/);
});

test('bad exception files are refused', () => {
  const cases: [string, RegExp][] = [
    ['exceptions:\n  - rule: signature-trusted\n', /PACK\/RULE/],
    [
      'exceptions:\n  - rule: a/b\n    justification: j\n    approver: a\n    expires: 2026-01-01\n',
      /exactly one of/,
    ],
    ['exceptions:\n  - rule: a/b\n    name: x\n    approver: a\n    expires: 2026-01-01\n', /justification/],
    [
      'exceptions:\n  - rule: a/b\n    name: x\n    justification: j\n    approver: a\n    expires: soon\n',
      /not an ISO 8601 date/,
    ],
    [
      'exceptions:\n  - rule: a/b\n    digest: md5:1\n    justification: j\n    approver: a\n    expires: 2026-01-01\n',
      /sha256/,
    ],
    ['- a\n', /"exceptions" list/],
  ];
  for (const [text, message] of cases)
    assert.throws(() => parseExceptions(text, 'e.yaml'), { code: 'INPUT_INVALID', message });
});
