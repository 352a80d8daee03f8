import { PalisadeError } from '@palisade/core';
import { decisionToSarif, decisionToText, evaluate } from '@palisade/policy';
import { VERSION } from '@palisade/scanner';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { gatherFacts } from '../gate/evidence.ts';
import { EVIDENCE_OPTIONS, evidenceOptions, loadExceptions, loadPolicies, onePath } from '../gate/inputs.ts';
import { recordDecision } from '../gate/ledger-evidence.ts';
import { writeResult } from '../io.ts';
import { Progress } from '../progress.ts';
import { recordOnServer, SERVER_OPTIONS, serverTarget } from '../server-evidence.ts';
import { stringList } from './signing-common.ts';

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, io, flags } = context;
  const path = onePath(context, 'gate');
  const target = serverTarget(context, [path]);
  const policies = stringList(values.policy);
  if (policies.length === 0) {
    throw new PalisadeError(
      'USAGE',
      "gate needs --policy PACK_OR_FILE (e.g. --policy baseline). See 'palisade gate --help'.",
    );
  }
  const ledgerKey = typeof values['ledger-key'] === 'string' ? values['ledger-key'] : undefined;
  const record = values.record === true;
  const options = evidenceOptions(context);
  if (record && options.ledger === undefined) {
    throw new PalisadeError(
      'USAGE',
      '--record appends the decision to the ledger given with --ledger; give both.',
    );
  }
  if (ledgerKey !== undefined && !record) {
    throw new PalisadeError(
      'USAGE',
      '--ledger-key signs the decision that --record appends; give --record too.',
    );
  }
  // Load policies and exceptions first: a typo in a pack should not wait for a long scan.
  const packs = await loadPolicies(policies);
  const exceptions = await loadExceptions(stringList(values.exceptions));
  const ruleIds = new Set(packs.flatMap((p) => p.rules.map((r) => r.id)));
  for (const e of exceptions) {
    // A misspelt rule id would waive nothing without a word: say so.
    if (!ruleIds.has(e.rule) && !flags.quiet)
      io.stderr.write(`Warning: the exception for ${e.rule} names no rule of the packs given\n`);
  }
  const progress = new Progress(io, !flags.quiet);
  const facts = await gatherFacts(path, {
    ...options,
    onScanTotal: (total) => progress.start(total),
    onScanFile: (file, done) => progress.update(done, file),
  });
  progress.done();
  const decision = evaluate(facts, packs, { exceptions });
  const format = flags.format ?? 'text';
  const output =
    format === 'json'
      ? `${JSON.stringify({ ...decision, facts }, null, 2)}\n`
      : format === 'sarif'
        ? decisionToSarif(decision, VERSION)
        : decisionToText(decision, { verbose: values.verbose === true });
  await writeResult(io, output, flags.output);
  if (record && options.ledger !== undefined) {
    const index = await recordDecision(options.ledger, ledgerKey, decision, facts);
    if (!flags.quiet) io.stderr.write(`Decision recorded in ${options.ledger.database} at index ${index}\n`);
  }
  if (target) await recordOnServer(context, target, 'gate', { ...decision, facts });
  return decision.allowed ? EXIT.ok : EXIT.findings;
}

export const gateCommand: Command = {
  name: 'gate',
  summary: 'Decide whether a model may pass: gather the evidence, evaluate policy packs, explain',
  usage: 'palisade gate PATH --policy PACK_OR_FILE... [options]',
  description: [
    'Scans the model, verifies its signature (with --key), generates its AI-BOM, looks up its provenance in the',
    'ledger (with --ledger), turns that evidence into facts and evaluates every rule of the given policy packs (CEL).',
    'The decision lists each rule with its outcome, the facts it read, its framework references (MITRE ATLAS, OWASP,',
    'NIST AI RMF, EU AI Act, ISO/IEC 42001) and any exception that waived it.',
    '',
    'Evidence that could not be gathered is unknown, never false: a rule that needs it fails closed and says what',
    'is missing. Built-in packs: baseline, eu-ai-act-high-risk, owasp-ml-top10, atlas (palisade policy list).',
    '',
    'Exit codes: 0 allowed (warnings are printed), 1 denied by an enforced rule, 2 usage or input error, 3 internal.',
  ].join('\n'),
  formats: ['text', 'json', 'sarif'],
  options: [
    {
      name: 'policy',
      short: 'p',
      type: 'string',
      multiple: true,
      value: 'PACK_OR_FILE',
      description: 'A built-in pack name or a pack YAML file; repeat to evaluate several. Required.',
    },
    ...EVIDENCE_OPTIONS,
    {
      name: 'record',
      type: 'boolean',
      description:
        'Append the decision to the --ledger as a signed in-toto policy-decision entry; sign a new checkpoint.',
    },
    {
      name: 'ledger-key',
      type: 'string',
      value: 'FILE',
      description:
        "PEM private key (Ed25519 or ECDSA) that signs the recorded decision (default: the ledger's log key).",
    },
    {
      name: 'verbose',
      short: 'v',
      type: 'boolean',
      description: 'Text format: list the rules that passed too.',
    },
    ...SERVER_OPTIONS,
  ],
  examples: [
    'palisade gate model.safetensors --policy baseline',
    'palisade gate ./models/llama --policy baseline --environment prod --key publisher-pub.pem',
    'palisade gate ./model --policy baseline --policy eu-ai-act-high-risk --exceptions exceptions.yaml --format sarif -o gate.sarif',
    'palisade gate ./model --policy my-pack.yaml --ledger .palisade/ledger.db --origin in-house --record',
  ],
  run,
};
