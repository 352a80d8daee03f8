/**
 * numpy.histogram_bin_edges(data, bins='sturges') over the union of two samples given as their minima, maxima
 * and total size: ceil(range / (range / (log2 n + 1))) equal bins, edges by numpy.linspace.
 */
export function sturgesEdges(min: number, max: number, n: number): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = (max - min) / (Math.log2(n) + 1);
  const bins = width === 0 ? 1 : Math.ceil((last - first) / width);
  const edges = new Float64Array(bins + 1);
  const step = (last - first) / bins;
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/** numpy.histogram(values, edges) for explicit edges: [e_k, e_{k+1}) bins, the last one closed. */
export function histogram(values: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  const first = edges[0] as number;
  const last = edges[bins] as number;
  for (const v of values) {
    if (!(v >= first && v <= last)) continue;
    let lo = 0;
    let hi = bins;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (v >= (edges[mid] as number)) lo = mid;
      else hi = mid;
    }
    counts[lo] = (counts[lo] as number) + 1;
  }
  return counts;
}

/**
 * Evidently's empty-bin fill for PSI: a zero share becomes 1e-4, or min(non-zero share)/1e6 when that minimum
 * is at most 1e-4, so that the logarithm stays finite.
 */
export function fillEmptyShares(shares: Float64Array): Float64Array {
  let min = Infinity;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  const fill = min <= 1e-4 ? min / 1e6 : 1e-4;
  return shares.map((s) => (s === 0 ? fill : s));
}

/** numpy.histogram(values, edges) for ascending values: one merge walk instead of a search per value. */
export function sortedHistogram(sorted: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  const last = edges[bins] as number;
  let i = 0;
  while (i < sorted.length && (sorted[i] as number) < (edges[0] as number)) i++;
  for (let b = 0; b < bins; b++) {
    const upper = edges[b + 1] as number;
    const start = i;
    if (b === bins - 1) while (i < sorted.length && (sorted[i] as number) <= last) i++;
    else while (i < sorted.length && (sorted[i] as number) < upper) i++;
    counts[b] = i - start;
  }
  return counts;
}
