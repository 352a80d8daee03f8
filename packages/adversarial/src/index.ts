export type { GradientAttackOptions, Norm } from './attacks/gradient-attacks.ts';
export { gradientAttack } from './attacks/gradient-attacks.ts';
export type { LossName } from './attacks/loss.ts';
export { argmaxRows, crossEntropyCotangent, marginCotangent, margins } from './attacks/loss.ts';
export type { SquareOptions } from './attacks/square.ts';
export { squareAttack } from './attacks/square.ts';
export type { LoadedData } from './data/load.ts';
export { loadDataset, MAX_DATA_BYTES } from './data/load.ts';
export type { GradientModel, Unsupported } from './gradients/vjp.ts';
export { buildGradientModel, DIFFERENTIABLE_OPS } from './gradients/vjp.ts';
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
