export const CORRECTIONS = ['none', 'bonferroni', 'fdr'] as const;
export type Correction = (typeof CORRECTIONS)[number];

/**
 * Adjusted p-values for testing many columns at once: Bonferroni (p·k) controls the family-wise error rate,
 * Benjamini–Hochberg (`fdr`, step-up min over j ≥ i of p_(j)·k/j) the false discovery rate.
 */
export function adjustPValues(pValues: readonly number[], correction: Correction): number[] {
  const k = pValues.length;
  if (correction === 'none') return [...pValues];
  if (correction === 'bonferroni') return pValues.map((p) => Math.min(1, p * k));
  const order = pValues.map((_, i) => i).sort((a, b) => (pValues[a] as number) - (pValues[b] as number));
  const adjusted = new Array<number>(k);
  let running = 1;
  for (let rank = k; rank >= 1; rank--) {
    const i = order[rank - 1] as number;
    running = Math.min(running, ((pValues[i] as number) * k) / rank);
    adjusted[i] = running;
  }
  return adjusted;
}
