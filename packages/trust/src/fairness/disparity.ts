/** Fairlearn's MetricFrame aggregates of one metric over groups. */
export interface Disparity {
  readonly overall: number;
  readonly min: number;
  readonly max: number;
  /** max − min over groups (`difference(method='between_groups')`). */
  readonly difference: number;
  /** min / max over groups (`ratio(method='between_groups')`). */
  readonly ratio: number;
  /** max |group − overall| (`difference(method='to_overall')`). */
  readonly differenceToOverall: number;
  /** min over groups of min(group/overall, overall/group) (`ratio(method='to_overall')`). */
  readonly ratioToOverall: number;
}

/** Aggregates a metric's per-group values; undefined (NaN) group values are skipped, as pandas skips them. */
export function disparity(overall: number, groups: readonly number[]): Disparity {
  const values = groups.filter((v) => !Number.isNaN(v));
  if (values.length === 0) {
    return {
      overall,
      min: Number.NaN,
      max: Number.NaN,
      difference: Number.NaN,
      ratio: Number.NaN,
      differenceToOverall: Number.NaN,
      ratioToOverall: Number.NaN,
    };
  }
  const min = Math.min(...values);
  const max = Math.max(...values);
  const ratios = values.map((v) => {
    const r = v / overall;
    return r < 1 ? r : 1 / r;
  });
  return {
    overall,
    min,
    max,
    difference: max - min,
    ratio: max === 0 ? Number.NaN : min / max,
    differenceToOverall: Math.max(...values.map((v) => Math.abs(v - overall))),
    ratioToOverall: Math.min(...ratios.filter((r) => !Number.isNaN(r))),
  };
}
