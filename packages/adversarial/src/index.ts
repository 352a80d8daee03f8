export type { GradientAttackOptions, Norm } from './attacks/gradient-attacks.ts';
export { gradientAttack } from './attacks/gradient-attacks.ts';
export type { LossName } from './attacks/loss.ts';
export { argmaxRows, crossEntropyCotangent, marginCotangent, margins } from './attacks/loss.ts';
export type { SquareOptions } from './attacks/square.ts';
export { squareAttack } from './attacks/square.ts';
export type { LoadedData } from './data/load.ts';
export { loadDataset, MAX_DATA_BYTES } from './data/load.ts';
export type { ClientVerdict, ExtractionOptions } from './detectors/extraction.ts';
export { calibrateDelta, DEFAULT_EXTRACTION_OPTIONS, ExtractionMonitor } from './detectors/extraction.ts';
export type { SqueezingOptions } from './detectors/feature-squeezing.ts';
export {
  DEFAULT_SQUEEZING,
  FeatureSqueezingDetector,
  medianFilter,
  reduceDepth,
  rocAuc,
} from './detectors/feature-squeezing.ts';
export { normalQuantile, shapiroWilk } from './detectors/shapiro-wilk.ts';
export type { GradientModel, Unsupported } from './gradients/vjp.ts';
export { buildGradientModel, DIFFERENTIABLE_OPS } from './gradients/vjp.ts';
export type { GuardModel, LabelledText } from './guard/classifier.ts';
export { score as promptInjectionScore, train as trainPromptGuard } from './guard/classifier.ts';
export type { PromptVerdict } from './guard/guard.ts';
export { scanPrompt, shippedGuardModel } from './guard/guard.ts';
export type { Leak } from './guard/output.ts';
export { scanOutput } from './guard/output.ts';
export type { Signal } from './guard/signals.ts';
export { SIGNALS, signalsIn } from './guard/signals.ts';
export type { Batch, ClassifierOptions } from './model/onnx-classifier.ts';
export { OnnxClassifier } from './model/onnx-classifier.ts';
export type { GraphNode, OnnxGraph } from './onnx/graph.ts';
export { readOnnxGraph } from './onnx/graph.ts';
export { SeededRandom } from './random.ts';
export type { Detection } from './redteam/detectors.ts';
export { complied, containsAny, isRefusal } from './redteam/detectors.ts';
export type { Attempt, ProbeFamily, Secrets } from './redteam/probes.ts';
export { buildAttempts, newSecrets, PROBE_FAMILIES } from './redteam/probes.ts';
export type { FailedAttempt, FamilyResult, RedTeamOptions, RedTeamReport } from './redteam/run.ts';
export { runRedTeam } from './redteam/run.ts';
export type { ChatMessage, ChatTarget, HttpOptions } from './redteam/target.ts';
export { openAiTarget, readPath, templateTarget } from './redteam/target.ts';
export type {
  AttackName,
  AttackResult,
  Dataset,
  RobustnessOptions,
  RobustnessReport,
} from './robustness/evaluate.ts';
export { ATTACKS, DEFAULT_ROBUSTNESS_OPTIONS, evaluateRobustness } from './robustness/evaluate.ts';
export { robustnessHtml } from './robustness/html.ts';
