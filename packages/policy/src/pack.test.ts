import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileExpression } from './cel.ts';
import { effectiveMode, parsePack } from './pack.ts';

const head =
  'apiVersion: palisade.dev/policy/v1\nkind: PolicyPack\nid: mine\ntitle: Mine\ndescription: My rules\n';

function pack(rules: string): string {
  return `${head}rules:\n${rules}`;
}

const rule = (expression: string, extra = '') =>
  `  - id: r1\n    title: R\n    description: D\n    severity: high\n    expression: '${expression}'\n${extra}`;

test('a pack parses, rule ids are qualified by the pack and facts read are listed', () => {
  const parsed = parsePack(
    pack(rule('signature.status == "verified" && scan.counts.high == 0', '    enforceIn: [prod]\n')),
    'mine.yaml',
  );
  const r = parsed.rules[0];
  assert.ok(r);
  assert.equal(r.id, 'mine/r1');
  assert.equal(r.mode, 'enforce');
  assert.deepEqual(r.expression.reads, ['scan.counts.high', 'signature.status']);
  assert.equal(effectiveMode(r, 'prod'), 'enforce');
  assert.equal(effectiveMode(r, 'dev'), 'warn');
});

test('macro variables are not facts; params are not listed as facts read', () => {
  const c = compileExpression('bom.licenses.all(l, !(l.id in params.deniedLicenses))', 't');
  assert.deepEqual(c.reads, ['bom.licenses']);
});

test('an expression is compiled once and cached', () => {
  const a = compileExpression('artifact.pickleFamily == false', 'a');
  const b = compileExpression('artifact.pickleFamily == false', 'b');
  assert.equal(a, b);
});

test('bad packs are refused with the place and the fix', () => {
  const cases: [string, RegExp][] = [
    [pack(rule('signatur.status == "verified"')), /signatur.*Rules may read/s],
    [pack(rule('scan.counts.high == ')), /invalid CEL/],
    [pack(rule('true', '    mode: block\n')), /mode must be enforce or warn/],
    [pack(rule('true', '    enforceIn: [production]\n')), /enforceIn lists environments/],
    [pack(`${rule('true')}${rule('false')}`), /defined twice/],
    [`${head}rules: []\n`, /1 to 500 rules/],
    [pack(rule('true')).replace('policy/v1', 'policy/v2'), /apiVersion/],
    [pack(rule('x'.repeat(5000))), /limit is 4096/],
    ['[unclosed', /not valid YAML/],
    [pack(rule('true', '    frameworks: { atlas: AML.T0010 }\n')), /must be a list/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parsePack(text, 'mine.yaml'), { code: 'INPUT_INVALID', message }, String(message));
  }
});

test('a pack larger than the limit is refused before parsing', () => {
  assert.throws(() => parsePack(`# ${'x'.repeat(1024 * 1024)}\n`, 'big.yaml'), {
    code: 'INPUT_INVALID',
    message: /at most/,
  });
});
