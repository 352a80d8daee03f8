import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Detector, ENTITY_TYPES } from './detector.ts';
import { maskForReport } from './mask.ts';

const detector = new Detector();
const entities = (text: string, hint?: string) => detector.detect(text, hint).map((d) => d.entity);

test('a checksum-valid card is reported with score 1; the same digits with a wrong check digit are not', () => {
  const [hit] = detector.detect('paid with 4111 1111 1111 1111 yesterday');
  assert.equal(hit?.entity, 'CREDIT_CARD');
  assert.equal(hit?.score, 1);
  assert.equal(hit && 'paid with 4111 1111 1111 1111'.slice(hit.start, hit.end), '4111 1111 1111 1111');
  assert.deepEqual(entities('paid with 4111 1111 1111 1112 yesterday'), []);
});

test('context words decide between numbers that share a shape', () => {
  assert.deepEqual(entities('NHS number 943 476 5919'), ['UK_NHS']);
  assert.deepEqual(entities('call 943 476 5919'), ['PHONE_NUMBER']);
  assert.deepEqual(entities('943 476 5919', 'nhs_number'), ['UK_NHS'], 'a column name counts as context');
  assert.deepEqual(entities('routing number 021000021'), ['ABA_ROUTING_NUMBER']);
  assert.deepEqual(entities('order 021000021'), [], 'a routing number is only one by label');
});

test('the threshold and entity filter apply', () => {
  const strict = new Detector({ threshold: 0.9 });
  assert.deepEqual(
    strict.detect('call 415-555-0132 or mail a@example.com').map((d) => d.entity),
    ['EMAIL_ADDRESS'],
  );
  const onlyEmail = new Detector({ entities: ['EMAIL_ADDRESS'] });
  assert.deepEqual(
    onlyEmail.detect('4111111111111111 a@example.com').map((d) => d.entity),
    ['EMAIL_ADDRESS'],
  );
  assert.throws(() => new Detector({ entities: ['NOPE'] }), /Unknown entity/);
  assert.throws(() => new Detector({ threshold: 2 }), /threshold/);
  assert.ok(ENTITY_TYPES.length >= 45);
});

test('secrets: provider shapes with entropy; documentation placeholders are not reported', () => {
  assert.deepEqual(entities('token ghp_Zq8v2LmN4pR7sT1uW3xY5aB6cD9eF0gH2jK4'), ['GITHUB_TOKEN']);
  assert.deepEqual(entities('aws_access_key_id = AKIAIOSFODNN7EXAMPLE'), []);
  assert.deepEqual(entities('key: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'), []);
  const pem = `-----BEGIN PRIVATE KEY-----\n${'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj'.repeat(1)}\nMkJ+4c9yF2pQ8sZ3vN0wX7bR5tY1uI6oP4aS2dF8gH3jK9lL0zC5xV7bN1mQ4wE6r\n-----END PRIVATE KEY-----`;
  assert.deepEqual(entities(pem), ['PRIVATE_KEY']);
  assert.deepEqual(
    entities(
      '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----',
    ),
    [],
  );
});

test('masking never shows more than four characters', () => {
  assert.equal(maskForReport('4111111111111111', 'pii'), '************1111');
  assert.equal(maskForReport('ghp_Zq8v2LmN4pR7sT1uW3xY5aB6cD9eF0gH2jK4', 'secret'), 'ghp_************');
  assert.equal(maskForReport('a@b.io', 'pii'), '******');
});

test('hostile inputs (long runs built to make patterns backtrack) are scanned in linear time', {
  timeout: 20_000,
}, () => {
  const hostile = [
    'a_'.repeat(100_000),
    `${'AB12'.repeat(20)} `.repeat(5_000),
    `-----BEGIN PRIVATE KEY-----${' '.repeat(100_000)}x`,
    `${'-----BEGIN PRIVATE KEY-----\n'.repeat(5_000)}`,
    '1 '.repeat(100_000),
    `${'a.'.repeat(50_000)}@${'b.'.repeat(50_000)}`,
    'eyJ'.repeat(60_000),
    'password='.repeat(20_000),
  ];
  for (const text of hostile) assert.ok(Array.isArray(detector.detect(text)));
});
