export type { BuiltinPackName } from './builtin.ts';
export { BUILTIN_PACKS, builtinPack, builtinPackSource, isBuiltinPack } from './builtin.ts';
export type { CompiledExpression } from './cel.ts';
export { compileExpression, MAX_EXPRESSION_LENGTH } from './cel.ts';
export type { ComplianceReport, ControlEvidence, ControlReport, ControlStatus } from './compliance.ts';
export { COMPLIANCE_SCHEMA, complianceReport } from './compliance.ts';
export type {
  AppliedException,
  Decision,
  Effect,
  EvaluateOptions,
  Outcome,
  RuleResult,
} from './evaluate.ts';
export { DECISION_SCHEMA, evaluate } from './evaluate.ts';
export type { PolicyException } from './exceptions.ts';
export { exceptionMatches, parseExceptions } from './exceptions.ts';
export type {
  ArtifactFacts,
  BomFacts,
  Environment,
  EvaluationFacts,
  Facts,
  FindingFact,
  LicenseFact,
  PrivacyFacts,
  ProvenanceFacts,
  ScanFacts,
  SeverityName,
  SignatureFacts,
  Unknown,
} from './facts.ts';
export {
  ENVIRONMENTS,
  emptyFacts,
  FACT_SECTIONS,
  FACTS_SCHEMA,
  isEnvironment,
  MAX_FINDING_FACTS,
  unknown,
  unknownReason,
  valueAt,
} from './facts.ts';
export type { Framework, FrameworkControl, FrameworkId } from './frameworks.ts';
export { FRAMEWORK_IDS, findControl, getFramework, isFrameworkId } from './frameworks.ts';
export type {
  ExpectedOutcome,
  FrameworkRefs,
  Pack,
  PackExample,
  Rule,
  RuleMode,
  RuleSeverity,
} from './pack.ts';
export { effectiveMode, PACK_API_VERSION, parsePack } from './pack.ts';
export type { ExampleResult, PackTestResult } from './pack-test.ts';
export { exampleFacts, testPack } from './pack-test.ts';
export { complianceToHtml } from './render/compliance-html.ts';
export { complianceToMarkdown } from './render/compliance-markdown.ts';
export { decisionToSarif } from './render/decision-sarif.ts';
export { decisionToText } from './render/decision-text.ts';

/** Path of the facts JSON schema shipped with the package. */
export const FACTS_SCHEMA_URL = new URL('../schema/facts-v1.schema.json', import.meta.url);
export type { ScanEvidence } from './scan-facts.ts';
export { scanFacts } from './scan-facts.ts';
