const BUCKETS = 1 << 16;

/**
 * Sorts finite doubles ascending, several times faster than Float64Array.prototype.sort on a million values: an
 * LSD radix sort on the IEEE-754 bit patterns, flipped so that unsigned order is numeric order (negative numbers:
 * every bit; others: the sign bit). Four passes of 16 bits over (high word, low word) pairs, their histograms
 * counted in one read; a pass whose digit is the same for every value is skipped.
 */
export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < 1024) return values.slice().sort();
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1] as number;
    const l = words[2 * i] as number;
    if (h & 0x80000000) {
      lo[i] = ~l;
      hi[i] = ~h;
    } else {
      lo[i] = l;
      hi[i] = h | 0x80000000;
    }
  }
  let loTmp = new Uint32Array(n);
  let hiTmp = new Uint32Array(n);
  // All four digit histograms in one read of the keys.
  const counts = new Uint32Array(4 * BUCKETS);
  for (let i = 0; i < n; i++) {
    const l = lo[i] as number;
    const h = hi[i] as number;
    counts[l & 0xffff] = (counts[l & 0xffff] as number) + 1;
    counts[BUCKETS + (l >>> 16)] = (counts[BUCKETS + (l >>> 16)] as number) + 1;
    counts[2 * BUCKETS + (h & 0xffff)] = (counts[2 * BUCKETS + (h & 0xffff)] as number) + 1;
    counts[3 * BUCKETS + (h >>> 16)] = (counts[3 * BUCKETS + (h >>> 16)] as number) + 1;
  }
  for (let pass = 0; pass < 4; pass++) {
    const keys = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    const base = pass * BUCKETS;
    if (counts[base + (((keys[0] as number) >>> shift) & 0xffff)] === n) continue;
    let total = 0;
    for (let b = base; b < base + BUCKETS; b++) {
      const c = counts[b] as number;
      counts[b] = total;
      total += c;
    }
    for (let i = 0; i < n; i++) {
      const d = base + (((keys[i] as number) >>> shift) & 0xffff);
      const at = counts[d] as number;
      counts[d] = at + 1;
      loTmp[at] = lo[i] as number;
      hiTmp[at] = hi[i] as number;
    }
    [lo, loTmp] = [loTmp, lo];
    [hi, hiTmp] = [hiTmp, hi];
  }
  const out = new Float64Array(n);
  const outWords = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const h = hi[i] as number;
    if (h & 0x80000000) {
      outWords[2 * i] = lo[i] as number;
      outWords[2 * i + 1] = h & 0x7fffffff;
    } else {
      outWords[2 * i] = ~(lo[i] as number);
      outWords[2 * i + 1] = ~h;
    }
  }
  return out;
}
