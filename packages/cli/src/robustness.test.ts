import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { captureIo } from '@palisade/testing';
import { main } from './main.ts';

const VECTORS = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'vectors', 'ml', 'robustness');
const skip = existsSync(VECTORS) ? false : `vectors not found at ${VECTORS}`;

/** Little-endian typed values of a vector file. */
function vector<T>(name: string, make: (b: ArrayBuffer) => T): T {
  const b = readFileSync(join(VECTORS, name));
  return make(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
}

/** A CSV of the first digits rows with their labels, written from the shared vectors. */
function digitsCsv(dir: string, rows: number): string {
  const x = vector('Xte.f32', (b) => new Float32Array(b));
  const y = vector('yte.i32', (b) => new Int32Array(b));
  const lines = [[...Array.from({ length: 64 }, (_, i) => `p${i}`), 'digit'].join(',')];
  for (let r = 0; r < rows; r++) lines.push([...x.subarray(r * 64, (r + 1) * 64), y[r]].join(','));
  const path = join(dir, 'digits.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

test('palisade robustness reports clean and robust accuracy as JSON', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-robustness-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = digitsCsv(dir, 60);
  const run = captureIo();
  const code = await main(
    [
      'robustness',
      '--model',
      join(VECTORS, 'digits_cnn.onnx'),
      '--data',
      data,
      '--label',
      'digit',
      '--epsilon',
      '0.2',
      '-f',
      'json',
      '-q',
    ],
    run.io,
  );
  assert.equal(code, 0, run.err());
  const report = JSON.parse(run.out());
  assert.equal(report.samples, 60);
  assert.ok(report.cleanAccuracy > 0.9);
  assert.deepEqual(
    report.results.map((r: { attack: string }) => r.attack),
    ['fgsm', 'pgd', 'square'],
  );
  const pgd = report.results.find((r: { attack: string }) => r.attack === 'pgd');
  assert.ok(pgd.robustAccuracy < 0.1, 'PGD at ε 0.2 breaks the digits CNN');
  assert.equal(report.worstCase[0].epsilon, 0.2);
});

test('palisade robustness refuses bad flags and bad data with exit 2 and a reason', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-robustness-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const model = join(VECTORS, 'digits_mlp.onnx');
  const data = digitsCsv(dir, 5);
  const cases: [string[], RegExp][] = [
    [['robustness', '--data', data], /needs --model/],
    [
      ['robustness', '--model', model, '--data', data, '--label', 'digit', '--attack', 'cw'],
      /choose from fgsm, pgd, square/,
    ],
    [['robustness', '--model', model, '--data', data, '--label', 'digit', '--epsilon', 'x'], /--epsilon x/],
    [['robustness', '--model', model, '--data', data], /no column "label"/],
    [
      ['robustness', '--model', data, '--data', data, '--label', 'digit'],
      /ONNX model is malformed|no ONNX graph/,
    ],
  ];
  for (const [args, message] of cases) {
    const run = captureIo();
    assert.equal(await main(args, run.io), 2, args.join(' '));
    assert.match(run.err(), message);
  }
});

test('palisade robustness writes a self-contained HTML report, gate facts, and fails under --min-robust-accuracy', {
  skip,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-robustness-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = digitsCsv(dir, 30);
  const base = [
    'robustness',
    '--model',
    join(VECTORS, 'digits_mlp.onnx'),
    '--data',
    data,
    '--label',
    'digit',
    '--attack',
    'pgd',
    '-q',
  ];
  const html = captureIo();
  assert.equal(await main([...base, '-f', 'html'], html.io), 0, html.err());
  assert.match(html.out(), /^<!doctype html>/);
  assert.match(html.out(), /<svg[^>]*aria-label="robust accuracy against epsilon"/);
  assert.doesNotMatch(html.out(), /<script|src="http|href="http/);

  const strict = captureIo();
  assert.equal(await main([...base, '-f', 'json', '--min-robust-accuracy', '0.99'], strict.io), 1);
  const report = JSON.parse(strict.out());
  assert.equal(report.facts.robustness.status, 'failed');
  assert.equal(report.facts.robustness.metrics.cleanAccuracy, report.cleanAccuracy);
  assert.ok(Array.isArray(report.results[0].examples[0].original), 'examples are plain arrays');
});
