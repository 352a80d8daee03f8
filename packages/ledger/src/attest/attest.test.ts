import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { isPalisadeError, PalisadeError } from '@palisade/core';
import { fuzzSeconds, mutateBytes, xorshift32 } from '@palisade/testing';
import {
  dsseSigner,
  dsseVerifier,
  preAuthEncoding,
  readEnvelope,
  signEnvelope,
  verifiedSigners,
} from './dsse.ts';
import { decodeEntry, encodeEntry, signatureReferenceEntry, signStatement } from './entry.ts';
import { canonicalJson, parseJson } from './json.ts';
import {
  bomStatement,
  datasetManifestStatement,
  OMS_SIGNATURE_TYPE,
  policyDecisionStatement,
  readPolicyDecision,
  readSignatureReference,
  scanResultStatement,
} from './predicates.ts';
import { readSlsaProvenance, SLSA_PROVENANCE_TYPE, trainingProvenance } from './slsa.ts';
import { normalizeDigest, readStatement, statementJson } from './statement.ts';

const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const signer = dsseSigner(ed.privateKey);
const hex = (seed: string): string => createHash('sha256').update(seed).digest('hex');
const encoder = new TextEncoder();

const run = {
  model: { name: 'sentiment-v2', sha256: hex('model') },
  datasets: [{ name: 'imdb', sha256: hex('imdb'), uri: 'hf://datasets/imdb' }],
  code: { uri: 'git+https://github.com/acme/train', gitCommit: 'a'.repeat(40), ref: 'refs/heads/main' },
  baseModel: { sha256: hex('base'), name: 'bert-base' },
  builderId: 'https://ci.acme.example/runners/gpu-1',
  invocationId: 'run-42',
  startedOn: '2026-01-02T03:04:05Z',
};

function expectError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => isPalisadeError(error) && pattern.test(error.message));
}

/** Re-signs a statement given as raw JSON, to test the readers behind a valid signature. */
function entryOf(statement: unknown): Uint8Array {
  const payload = encoder.encode(JSON.stringify(statement));
  return encodeEntry(signEnvelope('application/vnd.in-toto+json', payload, signer));
}

describe('JSON', () => {
  test('canonical JSON (RFC 8785): sorted keys, no whitespace, ECMAScript numbers', () => {
    assert.equal(
      canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1e21, y: 0.5 } }),
      '{"a":[true,null,"x"],"b":1,"c":{"y":0.5,"z":1e+21}}',
    );
    assert.equal(canonicalJson({ '\u00e9': 1, z: 2, Z: 3 }), '{"Z":3,"z":2,"é":1}');
    assert.throws(() => canonicalJson({ n: Number.NaN }), PalisadeError);
  });

  test('parseJson bounds size and depth', () => {
    expectError(() => parseJson('[1]', 'x', 2), /larger than/);
    expectError(() => parseJson(`${'['.repeat(40)}${']'.repeat(40)}`, 'x', 1000), /deeper/);
    expectError(() => parseJson('{', 'x', 1000), /not valid JSON/);
  });
});

describe('DSSE', () => {
  test('PAE matches the DSSE spec example', () => {
    assert.equal(
      Buffer.from(preAuthEncoding('http://example.com/HelloWorld', encoder.encode('hello world'))).toString(),
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  for (const [name, pair] of [
    ['Ed25519', ed],
    ['ECDSA P-384', ec],
  ] as const) {
    test(`${name}: sign, verify, and reject a changed payload or another key`, () => {
      const envelope = signEnvelope('text/plain', encoder.encode('hi'), dsseSigner(pair.privateKey));
      const verifier = dsseVerifier(pair.publicKey);
      assert.deepEqual(verifiedSigners(envelope, [verifier]), [verifier.keyid]);
      const changed = { ...envelope, payload: encoder.encode('ho') };
      assert.deepEqual(verifiedSigners(changed, [verifier]), []);
      const other = dsseVerifier(generateKeyPairSync('ed25519').publicKey);
      assert.deepEqual(verifiedSigners(envelope, [other]), []);
      const retyped = { ...envelope, payloadType: 'text/other' };
      assert.deepEqual(verifiedSigners(retyped, [verifier]), []);
    });
  }

  test('RSA keys are refused', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expectError(() => dsseSigner(rsa.privateKey), /Ed25519 or ECDSA/);
  });

  test('the envelope reader is strict', () => {
    expectError(() => readEnvelope({ payloadType: 't', payload: 'aGk=', signatures: [] }), /no signatures/);
    expectError(
      () => readEnvelope({ payloadType: 't', payload: 'aGk', signatures: [{ sig: 'AA==' }] }),
      /base64/,
    );
    expectError(
      () => readEnvelope({ payloadType: 't', payload: 'aGk=', signatures: [{ sig: 'AA==' }], x: 1 }),
      /unknown field "x"/,
    );
  });
});

describe('statements and predicates', () => {
  test('training provenance: subject = model, inputs with their roles', () => {
    const statement = trainingProvenance(run);
    const entry = decodeEntry(signStatement(statement, signer));
    assert.equal(entry.kind, 'provenance');
    assert.equal(entry.statement.predicateType, SLSA_PROVENANCE_TYPE);
    assert.deepEqual(entry.subjects, [`sha256:${hex('model')}`]);
    assert.deepEqual(
      entry.dependencies.map((d) => [d.role, d.digest]),
      [
        ['dataset', `sha256:${hex('imdb')}`],
        ['code', `gitCommit:${'a'.repeat(40)}`],
        ['base-model', `sha256:${hex('base')}`],
      ],
    );
    const provenance = readSlsaProvenance(entry.statement.predicate);
    assert.equal(provenance.builder.id, run.builderId);
    assert.equal(provenance.metadata?.invocationId, 'run-42');
    assert.equal(
      provenance.resolvedDependencies[1]?.uri,
      'git+https://github.com/acme/train@refs/heads/main',
    );
    assert.match(entry.digest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(verifiedSigners(entry.envelope, [dsseVerifier(ed.publicKey)]).length, 1);
  });

  test('entry bytes are canonical: the same statement signs to the same entry (Ed25519 is deterministic)', () => {
    const a = signStatement(trainingProvenance(run), signer);
    const b = signStatement(trainingProvenance({ ...run }), signer);
    assert.deepEqual(a, b);
  });

  test('builders refuse what the readers would refuse', () => {
    expectError(() => trainingProvenance({ ...run, model: { name: 'm', sha256: 'XYZ' } }), /model digest/);
    expectError(() => trainingProvenance({ ...run, code: { uri: 'u', gitCommit: '123' } }), /git commit/);
    expectError(() => trainingProvenance({ ...run, startedOn: 'yesterday' }), /RFC 3339/);
  });

  test('every Palisade predicate round-trips through signing and decoding', () => {
    const subject = { name: 'sentiment-v2', digest: { sha256: hex('model') } };
    const statements = [
      datasetManifestStatement('imdb', {
        resources: [
          { name: 'train.csv', sha256: hex('a') },
          { name: 'test.csv', sha256: hex('b') },
        ],
        license: 'CC-BY-4.0',
      }),
      scanResultStatement(subject, {
        scanner: { name: 'palisade', version: '0.1.0' },
        findings: { critical: 0, high: 1, medium: 0, low: 2, info: 0 },
        maxSeverity: 'high',
        scannedOn: '2026-01-02T03:04:05Z',
      }),
      bomStatement(subject, {
        format: 'CycloneDX',
        specVersion: '1.6',
        bom: { digest: { sha256: hex('bom') } },
      }),
      policyDecisionStatement(subject, {
        decision: 'deny',
        policy: { name: 'production', digest: { sha256: hex('policy') } },
        rules: [{ id: 'no-critical', effect: 'enforce', passed: false, message: '1 high finding' }],
        decidedOn: '2026-01-02T03:04:05Z',
      }),
    ];
    assert.deepEqual(
      statements.map((s) => decodeEntry(signStatement(s, signer)).kind),
      ['dataset-manifest', 'scan-result', 'bom', 'policy-decision'],
    );
    assert.equal(readPolicyDecision(statements[3] as never).rules[0]?.passed, false);
  });

  test('an OMS model-signature entry must list resources whose root digest is the subject', () => {
    const resources = [{ name: 'w.bin', algorithm: 'sha256', digest: hex('w') }];
    const root = createHash('sha256')
      .update(Buffer.from(hex('w'), 'hex'))
      .digest('hex');
    const oms = (sha256: string) => ({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'm', digest: { sha256 } }],
      predicateType: OMS_SIGNATURE_TYPE,
      predicate: {
        serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false },
        resources,
      },
    });
    assert.equal(decodeEntry(entryOf(oms(root))).kind, 'model-signature');
    expectError(() => decodeEntry(entryOf(oms(hex('other')))), /root digest/);
  });

  test('the readers reject malformed statements with the field named', () => {
    const base = statementJson(trainingProvenance(run)) as Record<string, unknown>;
    const cases: [unknown, RegExp][] = [
      [{ ...base, _type: 'https://in-toto.io/Statement/v0.1' }, /_type/],
      [{ ...base, subject: [] }, /no subject/],
      [{ ...base, subject: [{ name: 'm', digest: { sha256: 'ABC' } }] }, /subject\[0\]\.digest\.sha256/],
      [{ ...base, subject: [{ name: 'm' }] }, /digest must be an object/],
      [{ ...base, predicate: { buildDefinition: {} } }, /runDetails/],
      [{ ...base, predicate: { ...(base.predicate as object), runDetails: { builder: {} } } }, /builder\.id/],
    ];
    for (const [statement, pattern] of cases) expectError(() => decodeEntry(entryOf(statement)), pattern);
    const decision = statementJson(
      policyDecisionStatement(
        { digest: { sha256: hex('m') } },
        { decision: 'allow', policy: { name: 'p' }, rules: [], decidedOn: '2026-01-02T03:04:05Z' },
      ),
    ) as Record<string, unknown>;
    expectError(
      () => decodeEntry(entryOf({ ...decision, predicate: { ...(decision.predicate as object), extra: 1 } })),
      /unknown field "extra"/,
    );
    expectError(
      () =>
        decodeEntry(
          entryOf({ ...decision, predicate: { ...(decision.predicate as object), decision: 'maybe' } }),
        ),
      /allow or deny/,
    );
  });

  test('entries that are not in-toto DSSE envelopes are refused', () => {
    expectError(() => decodeEntry(encoder.encode('not json')), /not valid JSON/);
    expectError(() => decodeEntry(new Uint8Array([0xff, 0xfe])), /UTF-8/);
    const other = encodeEntry(signEnvelope('text/plain', encoder.encode('{}'), signer));
    expectError(() => decodeEntry(other), /payloadType/);
    expectError(() => decodeEntry(new Uint8Array(70_000)), /at most/);
  });

  test('digests typed by users are normalised', () => {
    assert.equal(normalizeDigest(`SHA256:${hex('x')}`.replace('SHA256', 'sha256')), `sha256:${hex('x')}`);
    assert.equal(normalizeDigest(hex('x').toUpperCase()), `sha256:${hex('x')}`);
    assert.equal(normalizeDigest('b'.repeat(40)), `gitCommit:${'b'.repeat(40)}`);
    expectError(() => normalizeDigest('model.bin'), /not a digest/);
  });

  test('readStatement keeps unknown in-toto fields out of the way but checks known ones', () => {
    const statement = readStatement({
      ...(statementJson(trainingProvenance(run)) as object),
      future: 1,
    } as never);
    assert.equal(statement.subject.length, 1);
  });
});

test(`fuzz: decodeEntry only fails with PalisadeError`, () => {
  const random = xorshift32(0x5eed_1234);
  const seeds = [
    signStatement(trainingProvenance(run), signer),
    signStatement(
      scanResultStatement(
        { digest: { sha256: hex('m') } },
        {
          scanner: { name: 'p', version: '1' },
          findings: { critical: 1, high: 0, medium: 0, low: 0, info: 0 },
          scannedOn: '2026-01-02T03:04:05Z',
        },
      ),
      signer,
    ),
  ];
  // Mutate the statement inside the envelope too, where the predicate readers run.
  const payloads = seeds.map((s) => Buffer.from(JSON.parse(Buffer.from(s).toString()).payload, 'base64'));
  const deadline = Date.now() + fuzzSeconds(1) * 1000;
  let runs = 0;
  while (Date.now() < deadline || runs < 1) {
    const pick = Math.floor(random() * seeds.length);
    const tokens = [0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x2c, 0x30, 0x61];
    const inputs = [
      mutateBytes(seeds[pick] as Uint8Array, random, { tokens, pool: seeds, maxRounds: 4 }),
      encodeEntry(
        signEnvelope(
          'application/vnd.in-toto+json',
          mutateBytes(payloads[pick] as Uint8Array, random, { tokens, pool: payloads, maxRounds: 4 }),
          signer,
        ),
      ),
    ];
    for (const input of inputs) {
      runs++;
      try {
        decodeEntry(input);
      } catch (error) {
        if (!isPalisadeError(error)) assert.fail(`non-Palisade error ${String(error)}`);
      }
    }
  }
  assert.ok(runs > 0);
});

test('an envelope over 64 KiB is logged by reference: digests and signatures, signed by the ledger', () => {
  const resources = Array.from({ length: 600 }, (_, i) => ({
    name: `shard-${i}.bin`,
    algorithm: 'sha256',
    digest: hex(`s${i}`),
  }));
  const hash = createHash('sha256');
  for (const r of resources) hash.update(Buffer.from(r.digest, 'hex'));
  const root = hash.digest('hex');
  const oms = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'big', digest: { sha256: root } }],
    predicateType: OMS_SIGNATURE_TYPE,
    predicate: { serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false }, resources },
  };
  const user = dsseSigner(ec.privateKey);
  const envelope = signEnvelope('application/vnd.in-toto+json', encoder.encode(JSON.stringify(oms)), user);
  expectError(() => encodeEntry(envelope), /at most 65535/);
  const entry = decodeEntry(signatureReferenceEntry(envelope, signer));
  assert.equal(entry.kind, 'model-signature');
  assert.deepEqual(entry.subjects, [`sha256:${root}`]);
  const reference = readSignatureReference(entry.statement);
  assert.equal(reference.payloadSha256, createHash('sha256').update(envelope.payload).digest('hex'));
  assert.equal(reference.resources, 600);
  assert.equal(reference.predicateType, OMS_SIGNATURE_TYPE);
  // The original signature travels with it and still verifies against the payload the bundle holder has.
  const original = {
    ...envelope,
    signatures: reference.signatures.map((s) => ({ keyid: s.keyid, sig: Buffer.from(s.sig, 'base64') })),
  };
  assert.deepEqual(verifiedSigners(original, [dsseVerifier(ec.publicKey)]), [user.keyid]);
  // The ledger's own signature is what verifies the entry.
  assert.deepEqual(verifiedSigners(entry.envelope, [dsseVerifier(ed.publicKey)]).length, 1);
  const predicate = { ...(entry.statement.predicate as object), extra: true };
  expectError(
    () => decodeEntry(entryOf({ ...(statementJson(entry.statement) as object), predicate })),
    /unknown field "extra"/,
  );
});
