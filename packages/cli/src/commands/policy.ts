import { PalisadeError } from '@palisade/core';
import {
  BUILTIN_PACKS,
  builtinPack,
  builtinPackSource,
  type Pack,
  type PackTestResult,
  testPack,
} from '@palisade/policy';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { loadPolicies } from '../gate/inputs.ts';
import { writeResult } from '../io.ts';

function testText(results: readonly PackTestResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `${r.passed ? 'PASS' : 'FAIL'} ${r.pack}: ${r.examples.filter((e) => e.passed).length}/${r.examples.length} examples`,
    );
    if (r.examples.length === 0) lines.push('  the pack has no examples: add some under examples:');
    for (const e of r.examples) {
      lines.push(`  ${e.passed ? 'ok  ' : 'FAIL'} ${e.name}`);
      for (const p of e.problems) lines.push(`       ${p}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function listText(packs: readonly Pack[]): string {
  const lines: string[] = [];
  for (const p of packs) {
    lines.push(`${p.id}@${p.version} — ${p.title} (${p.rules.length} rules, ${p.examples.length} examples)`);
    for (const r of p.rules) {
      const mode = r.enforceIn ? `enforce in ${r.enforceIn.join(', ')}, else warn` : r.mode;
      lines.push(`  ${r.id} [${r.severity}, ${mode}] ${r.title}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function packJson(p: Pack) {
  return {
    id: p.id,
    version: p.version,
    title: p.title,
    description: p.description,
    params: p.params,
    rules: p.rules.map((r) => ({
      id: r.id,
      title: r.title,
      severity: r.severity,
      mode: r.mode,
      ...(r.enforceIn ? { enforceIn: r.enforceIn } : {}),
      ...(r.when ? { when: r.when.source } : {}),
      expression: r.expression.source,
      reads: [...new Set([...(r.when?.reads ?? []), ...r.expression.reads])],
      frameworks: r.frameworks,
    })),
  };
}

async function run(context: CommandContext): Promise<ExitCode> {
  const { io, flags, positionals } = context;
  const [action, ...specs] = positionals;
  const json = flags.format === 'json';
  if (action === 'list') {
    const packs = specs.length > 0 ? await loadPolicies(specs) : BUILTIN_PACKS.map((p) => builtinPack(p));
    await writeResult(
      io,
      json ? `${JSON.stringify(packs.map(packJson), null, 2)}\n` : listText(packs),
      flags.output,
    );
    return EXIT.ok;
  }
  if (action === 'show') {
    const [name, ...more] = specs;
    if (name === undefined || more.length > 0)
      throw new PalisadeError(
        'USAGE',
        'policy show takes one built-in pack name, e.g. palisade policy show baseline.',
      );
    await writeResult(io, builtinPackSource(name), flags.output);
    return EXIT.ok;
  }
  if (action === 'test') {
    if (specs.length === 0)
      throw new PalisadeError(
        'USAGE',
        "policy test needs a pack name or file. See 'palisade policy --help'.",
      );
    const results = (await loadPolicies(specs)).map((p) => testPack(p));
    const body = json
      ? `${JSON.stringify(
          results.map((r) => ({
            pack: r.pack,
            passed: r.passed,
            examples: r.examples.map((e) => ({ name: e.name, passed: e.passed, problems: e.problems })),
          })),
          null,
          2,
        )}\n`
      : testText(results);
    await writeResult(io, body, flags.output);
    return results.every((r) => r.passed) ? EXIT.ok : EXIT.findings;
  }
  throw new PalisadeError(
    'USAGE',
    `policy takes "test", "list" or "show", not ${action === undefined ? 'nothing' : `"${action}"`}.`,
  );
}

export const policyCommand: Command = {
  name: 'policy',
  summary: 'Test policy packs against their own examples, list their rules, print a built-in pack',
  usage: 'palisade policy test PACK_OR_FILE... | list [PACK_OR_FILE...] | show PACK',
  description: [
    'A pack (YAML, apiVersion palisade.dev/policy/v1, kind PolicyPack) holds CEL rules and examples: facts, the',
    'decision they must give (allow, warn, deny) and, optionally, the outcome of given rules. "policy test" loads',
    'the pack (every expression is parsed and type-checked against the facts schema) and runs the examples; use it',
    'in the CI of your own packs. "policy list" shows the rules, their severity and mode; "policy show" prints a',
    "built-in pack's YAML, the starting point of your own (change its id, params and rules).",
    '',
    'Exit codes: 0 all examples pass, 1 an example failed, 2 an invalid pack or usage error.',
  ].join('\n'),
  formats: ['text', 'json'],
  options: [],
  examples: [
    'palisade policy test baseline eu-ai-act-high-risk owasp-ml-top10 atlas',
    'palisade policy test ./policies/deploy.yaml',
    'palisade policy list',
    'palisade policy show baseline > my-baseline.yaml',
    'palisade policy list ./policies/deploy.yaml --format json',
  ],
  run,
};
