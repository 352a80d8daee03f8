import { PalisadeError } from '@palisade/core';
import {
  BUILTIN_PACKS,
  builtinPack,
  complianceReport,
  complianceToHtml,
  complianceToMarkdown,
  evaluate,
  FRAMEWORK_IDS,
} from '@palisade/policy';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { gatherFacts } from '../gate/evidence.ts';
import { EVIDENCE_OPTIONS, evidenceOptions, loadExceptions, loadPolicies, onePath } from '../gate/inputs.ts';
import { writeResult } from '../io.ts';
import { Progress } from '../progress.ts';
import { stringList } from './signing-common.ts';

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, io, flags } = context;
  const path = onePath(context, 'compliance');
  const frameworks = stringList(values.framework);
  if (frameworks.length === 0) {
    throw new PalisadeError('USAGE', `compliance needs --framework: one of ${FRAMEWORK_IDS.join(', ')}.`);
  }
  const format = flags.format ?? 'markdown';
  if (format !== 'json' && frameworks.length > 1) {
    throw new PalisadeError('USAGE', 'Several frameworks need --format json (or one run per framework).');
  }
  const policies = stringList(values.policy);
  const packs = policies.length > 0 ? await loadPolicies(policies) : BUILTIN_PACKS.map((p) => builtinPack(p));
  const exceptions = await loadExceptions(stringList(values.exceptions));
  const progress = new Progress(io, !flags.quiet);
  const facts = await gatherFacts(path, {
    ...evidenceOptions(context),
    onScanTotal: (total) => progress.start(total),
    onScanFile: (file, done) => progress.update(done, file),
  });
  progress.done();
  const decision = evaluate(facts, packs, { exceptions });
  const reports = frameworks.map((f) => complianceReport(decision, f));
  const [first] = reports;
  const text =
    format === 'json'
      ? `${JSON.stringify(reports.length === 1 ? first : reports, null, 2)}\n`
      : format === 'html'
        ? complianceToHtml(first as (typeof reports)[number])
        : complianceToMarkdown(first as (typeof reports)[number]);
  await writeResult(io, text, flags.output);
  if (flags.output !== undefined && !flags.quiet) io.stderr.write(`Report written to ${flags.output}\n`);
  return EXIT.ok;
}

export const complianceCommand: Command = {
  name: 'compliance',
  summary:
    'Compliance evidence for a model: each framework control, its evidence, status and what is missing',
  usage: 'palisade compliance PATH --framework FRAMEWORK [options]',
  description: [
    'Gathers the same evidence as palisade gate (scan, signature, AI-BOM, ledger provenance), evaluates the policy',
    'packs (default: every built-in pack) and maps each rule onto the controls of a framework: eu-ai-act, nist-ai-rmf,',
    'iso-42001, owasp-ml, owasp-llm or atlas. Every control gets a status — met, not met, evidence missing, waived,',
    'not applicable, or not assessed (no Palisade evidence: organisational records are needed) — with the facts',
    'behind it and what is missing. Markdown (default), self-contained HTML (no script, no external asset) or JSON.',
    '',
    'The report is evidence, not a verdict: the exit code is 0 whenever the report was written (use palisade gate',
    'to block), 2 on a usage or input error.',
  ].join('\n'),
  formats: ['markdown', 'html', 'json'],
  options: [
    {
      name: 'framework',
      type: 'string',
      multiple: true,
      value: 'FRAMEWORK',
      description: `${FRAMEWORK_IDS.join(', ')}. Required; several only with --format json.`,
    },
    {
      name: 'policy',
      short: 'p',
      type: 'string',
      multiple: true,
      value: 'PACK_OR_FILE',
      description: 'Packs whose rules provide the evidence (default: every built-in pack).',
    },
    ...EVIDENCE_OPTIONS,
  ],
  examples: [
    'palisade compliance ./model --framework eu-ai-act > eu-ai-act.md',
    'palisade compliance ./model --framework iso-42001 --format html -o iso-42001.html --key publisher-pub.pem',
    'palisade compliance ./model --framework nist-ai-rmf --framework atlas --format json --ledger ledger.db',
  ],
  run,
};
