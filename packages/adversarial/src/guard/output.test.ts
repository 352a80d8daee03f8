import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanOutput } from './output.ts';

test('output guard finds secrets, card numbers that pass Luhn, e-mails and canaries, masked', () => {
  const text = [
    'Sure! The key is AKIAIOSFODNN7EXAMPLE and the token ghp_0123456789abcdefghijABCDEFGHIJ012345.',
    'Card 4539 1488 0343 6467, reach me at jane.doe@example.org.',
    'Reference CANARY-7f3a9c.',
    '-----BEGIN OPENSSH PRIVATE KEY-----',
  ].join('\n');
  const kinds = scanOutput(text, { canaries: ['CANARY-7f3a9c'] }).map((l) => l.kind);
  assert.deepEqual(kinds, [
    'aws-access-key',
    'github-token',
    'payment-card',
    'email',
    'canary',
    'private-key',
  ]);
  for (const leak of scanOutput(text)) assert.ok(!text.includes(leak.masked), leak.masked);
});

test('output guard stays quiet on look-alikes', () => {
  const text =
    'Order 1234 5678 9012 3456 shipped (not a valid card). Version 4.2.1, call 555-0100, see AKIA docs.';
  assert.deepEqual(scanOutput(text), []);
});
