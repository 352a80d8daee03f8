import { type Decision, evaluate } from './evaluate.ts';
import { type ArtifactFacts, emptyFacts, type Facts } from './facts.ts';
import type { Pack, PackExample } from './pack.ts';

export interface ExampleResult {
  readonly name: string;
  readonly passed: boolean;
  /** What differed from the example's expectations. */
  readonly problems: readonly string[];
  readonly decision: Decision;
}

export interface PackTestResult {
  readonly pack: string;
  readonly passed: boolean;
  readonly examples: readonly ExampleResult[];
}

const EXAMPLE_ARTIFACT: ArtifactFacts = {
  name: 'model.safetensors',
  path: 'model.safetensors',
  kind: 'file',
  digest: `sha256:${'0'.repeat(64)}`,
  files: 1,
  size: 1024,
  formats: ['safetensors'],
  pickleFamily: false,
  origin: 'unknown',
};

/**
 * The facts of an example: "nothing known" facts, with the example's sections in place. `artifact` and
 * `evaluations` are merged key by key; every other section is replaced whole, as evidence replaces `unknown`.
 */
export function exampleFacts(example: Pick<PackExample, 'facts' | 'environment'>): Facts {
  const base = emptyFacts(EXAMPLE_ARTIFACT, example.environment);
  const given = example.facts as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(given)) {
    const current = merged[key];
    merged[key] =
      (key === 'artifact' || key === 'evaluations') && typeof value === 'object' && value !== null
        ? { ...(current as object), ...value }
        : value;
  }
  return merged as unknown as Facts;
}

function check(pack: Pack, example: PackExample): ExampleResult {
  const decision = evaluate(exampleFacts(example), [pack]);
  const problems: string[] = [];
  if (decision.decision !== example.expect) {
    const why = decision.results
      .filter((r) => r.effect === 'deny' || r.effect === 'warn')
      .map((r) => `${r.rule} ${r.outcome}${r.reasons.length ? ` (${r.reasons.join('; ')})` : ''}`);
    problems.push(
      `expected ${example.expect}, got ${decision.decision}${why.length ? `: ${why.join(', ')}` : ''}`,
    );
  }
  for (const [id, expected] of Object.entries(example.rules)) {
    const result = decision.results.find((r) => r.rule === `${pack.id}/${id}`);
    if (!result) problems.push(`rule ${id} is not in pack ${pack.id}`);
    else if (result.outcome !== expected)
      problems.push(
        `rule ${id}: expected ${expected}, got ${result.outcome}${result.reasons.length ? ` (${result.reasons.join('; ')})` : ''}`,
      );
  }
  return { name: example.name, passed: problems.length === 0, problems, decision };
}

/** Runs a pack's own examples: each states the facts, the decision it expects and, optionally, rule outcomes. */
export function testPack(pack: Pack): PackTestResult {
  const examples = pack.examples.map((e) => check(pack, e));
  return { pack: pack.id, passed: examples.length > 0 && examples.every((e) => e.passed), examples };
}
