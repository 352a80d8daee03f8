import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testPack } from '@palisade/policy';
import { aliasGatePack, environmentOf } from './alias-gate.ts';

test('the alias gate pack passes its own examples', () => {
  const result = testPack(aliasGatePack());
  assert.equal(result.passed, true, JSON.stringify(result.examples.filter((e) => !e.passed)));
  assert.equal(result.examples.length, 4);
});

test('alias names map to gate environments', () => {
  assert.deepEqual(['prod', 'production', 'staging', 'stage', 'canary'].map(environmentOf), [
    'prod',
    'prod',
    'staging',
    'staging',
    'dev',
  ]);
});
