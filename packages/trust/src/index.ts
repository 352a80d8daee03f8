export type { Cell } from './data/column-builder.ts';
export type { ReadLimits } from './data/limits.ts';
export { DEFAULT_READ_LIMITS } from './data/limits.ts';
export type { DataFormat, ReadTableOptions } from './data/read-table.ts';
export { DATA_FORMATS, kindOverrides, readTable } from './data/read-table.ts';
export { sharedFloat64, sharedInt32, toShared } from './data/shared.ts';
export { columnRows, tableRows } from './data/subset.ts';
export type {
  CategoricalColumn,
  Column,
  ColumnKind,
  NumericColumn,
  SkippedColumn,
  Table,
} from './data/table.ts';
export { cellText, findColumn } from './data/table.ts';
export type { ColumnDrift, ColumnDriftOptions, Distribution } from './drift/column-drift.ts';
export { columnDrift } from './drift/column-drift.ts';
export type { Correction } from './drift/correction.ts';
export { adjustPValues, CORRECTIONS } from './drift/correction.ts';
export type { ColumnDriftEntry, DriftOptions, DriftReport, DriftTask } from './drift/dataset-drift.ts';
export { assembleDrift, driftReport, planDrift } from './drift/dataset-drift.ts';
export { driftReportParallel } from './drift/parallel.ts';
export type { DriftTest } from './drift/tests.ts';
export { DRIFT_TESTS, defaultTest, TEST_RULES } from './drift/tests.ts';
export type {
  ColumnThreshold,
  DriftWindow,
  WindowColumn,
  WindowedDrift,
  WindowOptions,
} from './drift/windows.ts';
export { driftWindows } from './drift/windows.ts';
export { endpointModel } from './explain/endpoint-model.ts';
export type { ExplainOptions, ExplainReport, RowExplanation } from './explain/explain.ts';
export { explainModel } from './explain/explain.ts';
export type { PredictModel } from './explain/model.ts';
export { functionModel } from './explain/model.ts';
export { loadOnnxModel } from './explain/onnx-model.ts';
export type { PermutationImportance, PermutationOptions, Scoring } from './explain/permutation-importance.ts';
export { permutationImportance, SCORINGS } from './explain/permutation-importance.ts';
export type { PermutationShapOptions } from './explain/permutation-shap.ts';
export { permutationShap } from './explain/permutation-shap.ts';
export type { Explanation, KernelOptions, ShapleyInput } from './explain/shapley.ts';
export { exactShapley, kernelShap, MAX_EXACT_FEATURES } from './explain/shapley.ts';
export type {
  FairnessOptions,
  FairnessReport,
  FeatureReport,
  GroupReport,
  Interval,
} from './fairness/audit.ts';
export { fairnessAudit } from './fairness/audit.ts';
export type { Disparity } from './fairness/disparity.ts';
export { disparity } from './fairness/disparity.ts';
export { benefits, generalizedEntropyIndex, theilIndex } from './fairness/inequality.ts';
export { ADVERSE_IMPACT_RATIO } from './fairness/summary.ts';
export { driftToHtml } from './report/drift-html.ts';
export { driftFacts, driftToJson, driftToText, windowsToText } from './report/drift-output.ts';
export { explainToHtml } from './report/explain-html.ts';
export { explainToJson, explainToText } from './report/explain-output.ts';
export { fairnessToHtml } from './report/fairness-html.ts';
export { fairnessFacts, fairnessToJson, fairnessToText } from './report/fairness-output.ts';
export { escapeHtml } from './report/svg.ts';
export { jensenShannon, psi } from './stats/divergence.ts';
export { chiSquareSf, gammaQ, logGamma, normalTwoSidedP } from './stats/gamma.ts';
export { kolmogorovSf } from './stats/kolmogorov.ts';
export type { KsResult } from './stats/ks.ts';
export { ksExactSf, ksStatistic, ksTwoSample } from './stats/ks.ts';
export { sortFloat64 } from './stats/radix-sort.ts';
export { chiSquareTest, twoProportionZTest } from './stats/tests.ts';
export { populationStd, wasserstein1, wassersteinNormed } from './stats/wasserstein.ts';
