import { PalisadeError } from '@palisade/core';
import { formatLineageDot, formatLineageText, lineage } from '@palisade/ledger';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';
import { digestOrPath } from '../ledger/artifact.ts';
import {
  LEDGER_OPTION,
  ledgerPaths,
  openLedger,
  SIGNER_KEY_OPTION,
  trustedEntryKeys,
} from '../ledger/ledger-files.ts';

async function run(context: CommandContext): Promise<ExitCode> {
  const given = context.positionals[0];
  if (given === undefined || context.positionals.length > 1)
    throw new PalisadeError(
      'USAGE',
      'lineage takes one digest (sha256:<hex>) or the path of a model or dataset',
    );
  const { digest } = await digestOrPath(given);
  const ledger = openLedger(ledgerPaths(context), false);
  let graph: ReturnType<typeof lineage>;
  try {
    graph = lineage(ledger.log, digest, { keys: trustedEntryKeys(context, ledger.verifier) });
  } finally {
    ledger.close();
  }
  const format = context.flags.format ?? 'text';
  const text =
    format === 'json'
      ? `${JSON.stringify(graph, null, 2)}\n`
      : format === 'dot'
        ? formatLineageDot(graph)
        : formatLineageText(graph);
  await writeResult(context.io, text, context.flags.output);
  return EXIT.ok;
}

export const lineageCommand: Command = {
  name: 'lineage',
  summary: 'Show what a model was trained from and what was trained from it, from the ledger',
  usage: 'palisade lineage DIGEST|PATH [--format text|json|dot] [--ledger PATH]',
  description: [
    'Walks the SLSA provenance entries of the ledger: ancestors (datasets, code commits, base models, recursively)',
    'and descendants (models trained or fine-tuned from it, recursively). A path is hashed as `palisade sign` does.',
    'Each edge is checked: its entry must carry a DSSE signature by the log key or a --signer-key, otherwise it is',
    'marked UNVERIFIED (dashed red in DOT; empty signers in JSON).',
    'The dot format is Graphviz: palisade lineage sha256:… -f dot | dot -Tsvg > lineage.svg',
    '',
    'Exit codes: 0 shown (also when nothing is recorded), 2 usage or input error, 3 internal error.',
  ].join('\n'),
  formats: ['text', 'json', 'dot'],
  options: [LEDGER_OPTION, SIGNER_KEY_OPTION],
  examples: [
    'palisade lineage ./out/model',
    'palisade lineage sha256:3f1c… --format json',
    'palisade lineage ./out/model -f dot | dot -Tsvg > lineage.svg',
  ],
  run,
};
