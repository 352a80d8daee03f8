import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { SeededRandom } from '../random.ts';
import { ROBUSTNESS_VECTORS, readFloat32, readInt32 } from '../robustness/fixture.ts';
import { type ClientVerdict, calibrateDelta, ExtractionMonitor } from './extraction.ts';
import { shapiroWilk } from './shapiro-wilk.ts';

const skip = existsSync(ROBUSTNESS_VECTORS) ? false : `vectors not found at ${ROBUSTNESS_VECTORS}`;

test('Shapiro–Wilk W equals SciPy on known samples', () => {
  // scipy.stats.shapiro(...).statistic
  assert.ok(
    Math.abs(shapiroWilk([2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8, 4.1, 3.9, 3.0, 2.5, 3.7]) - 0.97208714) < 1e-6,
  );
  assert.ok(Math.abs(shapiroWilk([1, 1, 1, 1, 2, 2, 3, 10, 20, 50]) - 0.60876691) < 1e-6);
  assert.ok(Math.abs(shapiroWilk([1, 2, 4]) - 0.96428573) < 1e-6);
  assert.ok(Math.abs(shapiroWilk([1, 2, 3, 4, 7]) - 0.94272953) < 1e-6);
  assert.ok(Number.isNaN(shapiroWilk([5, 5, 5, 5])));
});

test('PRADA: natural clients pass and synthetic-query extraction clients are flagged, δ calibrated on other rows', {
  skip,
}, () => {
  const x = readFloat32('Xte.f32');
  const y = readInt32('yte.i32');
  const calibration = new SeededRandom(3);
  // δ from honest clients simulated on the first half; the clients below use the other half.
  const delta = calibrateDelta(x.subarray(0, 270 * 64), y.subarray(0, 270), {
    random: () => calibration.next(),
    queries: 200,
  });
  assert.ok(delta > 0.5 && delta < 1, `δ ${delta}`);
  for (const seed of [1, 2, 11]) {
    const rng = new SeededRandom(seed);
    const monitor = new ExtractionMonitor({ delta });
    const order = [...Array(270).keys()].sort(() => rng.next() - 0.5).slice(0, 250);
    let honest: ClientVerdict | undefined;
    for (const k of order) {
      const i = 270 + k;
      honest = monitor.observe('honest', x.subarray(i * 64, (i + 1) * 64), y[i] as number);
    }
    assert.equal(honest?.flagged, false, `seed ${seed}: honest W ${honest?.w} < δ ${delta}`);

    // The attacker grows its set from 10 seeds by Jacobian-style ±λ steps (Papernot's augmentation).
    let attacker: ClientVerdict | undefined;
    let pool: Float32Array[] = [...Array(10).keys()].map((k) => x.slice((300 + k) * 64, (301 + k) * 64));
    for (let round = 0; round < 6 && !attacker?.flagged; round++) {
      const next: Float32Array[] = [];
      for (const [k, s] of pool.entries()) {
        const child = s.map((v) => Math.min(1, Math.max(0, v + 0.1 * rng.sign())));
        attacker = monitor.observe('attacker', child, k % 10);
        next.push(s, child);
      }
      pool = next;
    }
    assert.ok(
      attacker?.flagged,
      `seed ${seed}: attacker W ${attacker?.w} after ${attacker?.queries} queries`,
    );
    assert.ok((attacker?.queries ?? 0) <= 630);
  }
});

test('the monitor forgets the least recently seen client beyond its bound', () => {
  const monitor = new ExtractionMonitor({ maxClients: 2 });
  monitor.observe('a', [0, 1], 0);
  monitor.observe('b', [0, 1], 0);
  monitor.observe('a', [1, 1], 0);
  monitor.observe('c', [0, 0], 0);
  assert.equal(monitor.verdict('b'), undefined);
  assert.ok(monitor.verdict('a'));
  assert.ok(monitor.verdict('c'));
});
