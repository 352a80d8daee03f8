import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
// Tests only: ajv is in the workspace for @palisade/bom; the policy package never validates facts at run time.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { BUILTIN_PACKS, builtinPack } from './builtin.ts';
import { DECISION_SCHEMA, evaluate } from './evaluate.ts';
import { emptyFacts, FACTS_SCHEMA } from './facts.ts';
import { exampleFacts } from './pack-test.ts';

const schema = JSON.parse(readFileSync(new URL('../schema/facts-v1.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);
const decisionSchema = JSON.parse(
  readFileSync(new URL('../schema/decision-v1.schema.json', import.meta.url), 'utf8'),
);
ajv.addFormat('date-time', (v: string) => !Number.isNaN(Date.parse(v)));
const validateDecision = ajv.compile(decisionSchema);

test('the facts schema has the id the facts carry', () => {
  assert.equal(schema.$id, FACTS_SCHEMA);
});

test('"nothing known" facts and the facts of every built-in example follow the schema', () => {
  const empty = emptyFacts(
    {
      name: 'm',
      path: 'm',
      kind: 'file',
      digest: 'unknown',
      files: 0,
      size: 0,
      formats: [],
      pickleFamily: false,
      origin: 'unknown',
    },
    'dev',
  );
  assert.ok(validate(empty), JSON.stringify(validate.errors));
  for (const name of BUILTIN_PACKS) {
    for (const example of builtinPack(name).examples) {
      assert.ok(
        validate(exampleFacts(example)),
        `${name} / ${example.name}: ${JSON.stringify(validate.errors)}`,
      );
    }
  }
});

test('the schema refuses a silent false where evidence is missing', () => {
  const facts = exampleFacts({ environment: 'dev', facts: {} }) as unknown as Record<string, unknown>;
  assert.equal(validate({ ...facts, signature: false }), false);
  assert.equal(validate({ ...facts, scan: { status: 'unknown' } }), false);
});

test('decisions follow the decision schema, with exceptions applied or expired', () => {
  assert.equal(decisionSchema.$id, DECISION_SCHEMA);
  const packs = BUILTIN_PACKS.map((name) => builtinPack(name));
  for (const pack of packs) {
    for (const example of pack.examples) {
      const decision = evaluate(exampleFacts(example), packs, {
        now: new Date('2026-06-01T00:00:00Z'),
        exceptions: [
          {
            rule: 'baseline/signature-trusted',
            name: '*',
            justification: 'j',
            approver: 'a',
            expires: '2026-01-01',
            expiresAt: Date.parse('2026-01-01T23:59:59.999Z'),
          },
        ],
      });
      assert.ok(validateDecision(decision), `${example.name}: ${JSON.stringify(validateDecision.errors)}`);
    }
  }
});
