import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { issueTestChain } from '@palisade/testing';
import { signModel } from './sign.ts';

/**
 * Bundles Palisade writes are checked against the OMS JSON schemas of the vectors. The schemas use a small part
 * of draft 2020-12; this test-only checker implements exactly that part and fails on any keyword it does not know,
 * so that a schema update cannot silently pass.
 */
const SCHEMAS = resolve(import.meta.dirname, '../../../../../shared/vectors/oms/schemas/v1.0');
const VECTORS = resolve(SCHEMAS, '../..');
const SKIP = existsSync(SCHEMAS) ? false : `OMS schemas not found at ${SCHEMAS}`;
const work = mkdtempSync(join(tmpdir(), 'palisade-oms-schema-'));
after(() => rmSync(work, { recursive: true, force: true }));

type Schema = Record<string, unknown>;
const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs']);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function makeChecker(schemas: readonly Schema[]): (schema: Schema, value: unknown) => string[] {
  const byId = new Map(schemas.map((s) => [s.$id as string, s]));
  const check = (schema: Schema, value: unknown, root: Schema, at: string): string[] => {
    const errors: string[] = [];
    const object = typeOf(value) === 'object' ? (value as Record<string, unknown>) : undefined;
    for (const [keyword, arg] of Object.entries(schema)) {
      if (ANNOTATIONS.has(keyword)) continue;
      switch (keyword) {
        case '$ref': {
          const ref = arg as string;
          const [base, fragment] = ref.split('#');
          const target = base ? byId.get(base) : root;
          assert.ok(target, `unknown $ref ${ref}`);
          const sub = fragment
            ? (fragment
                .split('/')
                .slice(1)
                .reduce<unknown>(
                  (s, part) => (s as Record<string, unknown> | undefined)?.[part],
                  target,
                ) as Schema)
            : target;
          assert.ok(sub, `unresolved $ref ${ref}`);
          errors.push(...check(sub, value, target, at));
          break;
        }
        case 'type': {
          const types = Array.isArray(arg) ? arg : [arg];
          const actual = typeOf(value);
          if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
            errors.push(`${at}: ${actual} is not ${types.join('|')}`);
          }
          break;
        }
        case 'const':
          if (value !== arg) errors.push(`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(arg)}`);
          break;
        case 'enum':
          if (!(arg as unknown[]).includes(value)) errors.push(`${at}: ${JSON.stringify(value)} not in enum`);
          break;
        case 'pattern':
          if (typeof value === 'string' && !new RegExp(arg as string, 'u').test(value))
            errors.push(`${at}: pattern`);
          break;
        case 'minLength':
          if (typeof value === 'string' && [...value].length < (arg as number))
            errors.push(`${at}: too short`);
          break;
        case 'exclusiveMinimum':
          if (typeof value === 'number' && !(value > (arg as number))) errors.push(`${at}: not > ${arg}`);
          break;
        case 'minItems':
          if (Array.isArray(value) && value.length < (arg as number)) errors.push(`${at}: too few items`);
          break;
        case 'maxItems':
          if (Array.isArray(value) && value.length > (arg as number)) errors.push(`${at}: too many items`);
          break;
        case 'items':
          if (Array.isArray(value)) {
            value.forEach((item, i) => {
              errors.push(...check(arg as Schema, item, root, `${at}[${i}]`));
            });
          }
          break;
        case 'required':
          for (const name of arg as string[])
            if (object && !(name in object)) errors.push(`${at}: missing ${name}`);
          break;
        case 'minProperties':
          if (object && Object.keys(object).length < (arg as number))
            errors.push(`${at}: too few properties`);
          break;
        case 'properties':
          for (const [name, sub] of Object.entries(arg as Record<string, Schema>)) {
            if (object && name in object) errors.push(...check(sub, object[name], root, `${at}.${name}`));
          }
          break;
        case 'additionalProperties': {
          if (!object) break;
          const known = new Set(Object.keys((schema.properties as Schema | undefined) ?? {}));
          for (const [name, item] of Object.entries(object)) {
            if (known.has(name)) continue;
            if (arg === false) errors.push(`${at}: unexpected ${name}`);
            else if (typeof arg === 'object')
              errors.push(...check(arg as Schema, item, root, `${at}.${name}`));
          }
          break;
        }
        case 'anyOf': {
          const results = (arg as Schema[]).map((sub) => check(sub, value, root, at));
          if (!results.some((r) => r.length === 0))
            errors.push(`${at}: no anyOf branch matches (${results.flat().join('; ')})`);
          break;
        }
        case 'if':
          if (check(arg as Schema, value, root, at).length === 0 && schema.then) {
            errors.push(...check(schema.then as Schema, value, root, at));
          }
          break;
        case 'then':
          break;
        default:
          assert.fail(`schema keyword ${keyword} is not implemented by this checker`);
      }
    }
    return errors;
  };
  return (schema, value) => check(schema, value, schema, '$');
}

function load(): { bundle: Schema; statement: Schema; check: (schema: Schema, value: unknown) => string[] } {
  const schemas = readdirSync(SCHEMAS).map(
    (name) => JSON.parse(readFileSync(join(SCHEMAS, name), 'utf8')) as Schema,
  );
  const find = (id: string): Schema => schemas.find((s) => s.$id === id) as Schema;
  return {
    bundle: find('https://model_signing/bundle/v1.0/schema'),
    statement: find('https://model_signing/statement/v1.0/schema'),
    check: makeChecker(schemas),
  };
}

function validate(bundleText: string): string[] {
  const { bundle, statement, check } = load();
  const json = JSON.parse(bundleText);
  const payload = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64').toString('utf8'));
  return [...check(bundle, json), ...check(statement, payload).map((e) => `payload ${e}`)];
}

test('the checker accepts the OMS valid key vector and rejects the wrong-predicate one', {
  skip: SKIP,
}, () => {
  assert.deepEqual(
    validate(readFileSync(join(VECTORS, 'test-vectors/v1.0/valid/key.bundle.json'), 'utf8')),
    [],
  );
  assert.deepEqual(
    validate(readFileSync(join(VECTORS, 'signed-models/v1.1.0-elliptic-key/model.sig'), 'utf8')),
    [],
  );
  const wrong = validate(
    readFileSync(join(VECTORS, 'test-vectors/v1.0/invalid-payload/wrong-predicate.bundle.json'), 'utf8'),
  );
  assert.ok(
    wrong.some((e) => e.includes('predicateType')),
    wrong.join('\n'),
  );
});

for (const curve of ['prime256v1', 'secp384r1', 'secp521r1']) {
  test(`a bundle Palisade signs with ${curve} validates against the OMS schemas`, {
    skip: SKIP,
  }, async () => {
    const root = join(work, curve);
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'w.bin'), 'weights');
    writeFileSync(join(root, 'sub', 'config.json'), '{}');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
    const { bundle } = await signModel(root, { privateKey, ignorePaths: ['cache'] });
    assert.deepEqual(validate(bundle), []);
  });
}

test('sharded bundles carry the reference algorithm "sha256-sharded-N", which the OMS schema does not allow', {
  skip: SKIP,
}, async () => {
  // Deliberate (spec §10): the Python verifier compares the algorithm string, so interop needs the reference form.
  const root = join(work, 'sharded');
  mkdirSync(root);
  writeFileSync(join(root, 'w.bin'), 'weights');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const { bundle } = await signModel(root, { privateKey, method: 'shards', shardSize: 4 });
  const errors = validate(bundle);
  assert.ok(
    errors.length > 0 && errors.every((e) => e.includes('algorithm') || e.includes('enum')),
    errors.join('\n'),
  );
});

test('a certificate bundle and an ML-DSA-65 bundle Palisade signs validate against the OMS schemas', {
  skip: SKIP,
}, async () => {
  const root = join(work, 'certificate-and-ml-dsa');
  mkdirSync(root);
  writeFileSync(join(root, 'w.bin'), 'weights');
  const chain = issueTestChain();
  const certificate = await signModel(root, {
    privateKey: chain.leafKey,
    certificateChain: [chain.leaf, chain.intermediate],
  });
  assert.deepEqual(validate(certificate.bundle), []);
  const { privateKey } = generateKeyPairSync('ml-dsa-65');
  const mlDsa = await signModel(root, { privateKey, algorithm: 'ml-dsa-65' });
  assert.deepEqual(validate(mlDsa.bundle), []);
});
