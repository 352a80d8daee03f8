import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_PACKS, builtinPack } from './builtin.ts';
import { testPack } from './pack-test.ts';

for (const name of BUILTIN_PACKS) {
  test(`built-in pack ${name}: every example gives the decision and outcomes it states`, () => {
    const result = testPack(builtinPack(name));
    const failures = result.examples
      .filter((e) => !e.passed)
      .map((e) => `${e.name}: ${e.problems.join('; ')}`);
    assert.deepEqual(failures, []);
    assert.ok(result.examples.length >= 3);
    assert.ok(result.examples.some((e) => e.decision.decision === 'deny' || e.decision.decision === 'warn'));
  });
}

test('a pack test fails when an example expects the wrong decision', () => {
  const pack = builtinPack('baseline');
  const first = pack.examples[0];
  assert.ok(first);
  const wrong = { ...pack, examples: [{ ...first, expect: 'deny' as const }] };
  const result = testPack(wrong);
  assert.equal(result.passed, false);
  assert.match(result.examples[0]?.problems[0] ?? '', /expected deny, got allow/);
});
