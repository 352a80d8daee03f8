import { type ASTNode, Environment, type ParseResult } from '@marcbachmann/cel-js';
import { PalisadeError } from '@palisade/core';
import { FACT_SECTIONS } from './facts.ts';

/** Longest expression accepted: rules are predicates an auditor reads, not programs. */
export const MAX_EXPRESSION_LENGTH = 4096;
const MAX_CACHED = 4096;

// Every fact section is a declared variable, so that a misspelt name fails when the pack loads, not at a gate.
const environment = (() => {
  let env = new Environment({
    unlistedVariablesAreDyn: false,
    homogeneousAggregateLiterals: false,
    limits: {
      maxAstNodes: 2000,
      maxDepth: 64,
      maxListElements: 500,
      maxMapEntries: 200,
      maxCallArguments: 16,
    },
  });
  for (const name of [...FACT_SECTIONS, 'params']) env = env.registerVariable(name, 'dyn');
  return env;
})();

export interface CompiledExpression {
  readonly source: string;
  readonly evaluate: ParseResult;
  /** Dotted fact paths the expression reads (`signature.status`, `scan.findings`…), sorted. */
  readonly reads: readonly string[];
}

const cache = new Map<string, CompiledExpression>();

/** Parses and type-checks a CEL expression once; later calls with the same text return the cached result. */
export function compileExpression(source: string, where: string): CompiledExpression {
  const cached = cache.get(source);
  if (cached) return cached;
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `${where}: the expression is ${source.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}.`,
    );
  }
  let parsed: ParseResult;
  try {
    parsed = environment.parse(source);
  } catch (error) {
    throw new PalisadeError('INPUT_INVALID', `${where}: invalid CEL: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const checked = parsed.check();
  if (!checked.valid) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `${where}: ${checked.error?.message ?? 'the expression does not type-check'}. Rules may read ${[...FACT_SECTIONS, 'params'].join(', ')}.`,
    );
  }
  const compiled = { source, evaluate: parsed, reads: factPaths(parsed.ast) };
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}

/** The member-access chains rooted at a fact variable, e.g. `scan.counts.high`; macro variables are not facts. */
function factPaths(ast: ASTNode): string[] {
  const roots = new Set<string>([...FACT_SECTIONS, 'params']);
  const found = new Set<string>();
  const visit = (node: ASTNode): void => {
    const chain = accessChain(node);
    if (chain && roots.has(chain[0] as string)) {
      if (chain[0] !== 'params') found.add(chain.join('.'));
      return;
    }
    for (const child of children(node)) visit(child);
  };
  visit(ast);
  return [...found].sort();
}

function accessChain(node: ASTNode): string[] | undefined {
  if (node.op === 'id') return [node.args];
  if (node.op === '.' || node.op === '.?') {
    const inner = accessChain(node.args[0]);
    return inner ? [...inner, node.args[1]] : undefined;
  }
  return undefined;
}

function children(node: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) collect(v);
    else if (value !== null && typeof value === 'object' && 'op' in value) out.push(value as ASTNode);
  };
  collect(node.args);
  return out;
}
