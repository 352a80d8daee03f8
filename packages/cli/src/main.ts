import { parseArgs } from 'node:util';
import { PalisadeError } from '@palisade/core';
import { VERSION } from '@palisade/scanner';
import { type Command, GLOBAL_OPTIONS } from './command.ts';
import { attestCommand } from './commands/attest.ts';
import { bomCommand } from './commands/bom.ts';
import { complianceCommand } from './commands/compliance.ts';
import { dpCommand } from './commands/dp.ts';
import { driftCommand } from './commands/drift.ts';
import { explainCommand } from './commands/explain.ts';
import { fairnessCommand } from './commands/fairness.ts';
import { gateCommand } from './commands/gate.ts';
import { ledgerCommand } from './commands/ledger.ts';
import { lineageCommand } from './commands/lineage.ts';
import { piiCommand } from './commands/pii.ts';
import { policyCommand } from './commands/policy.ts';
import { redteamCommand } from './commands/redteam.ts';
import { robustnessCommand } from './commands/robustness.ts';
import { rulesCommand } from './commands/rules.ts';
import { scanCommand } from './commands/scan.ts';
import { serveCommand } from './commands/serve.ts';
import { signCommand } from './commands/sign.ts';
import { verifyCommand } from './commands/verify.ts';
import { EXIT, type ExitCode, exitCodeFor } from './exit-codes.ts';
import { commandHelp, mainHelp } from './help.ts';
import { type Io, processIo, useColor } from './io.ts';

export const COMMANDS: readonly Command[] = [
  scanCommand,
  signCommand,
  verifyCommand,
  bomCommand,
  ledgerCommand,
  attestCommand,
  lineageCommand,
  gateCommand,
  complianceCommand,
  policyCommand,
  robustnessCommand,
  redteamCommand,
  rulesCommand,
  driftCommand,
  fairnessCommand,
  piiCommand,
  dpCommand,
  explainCommand,
  serveCommand,
];

function parse(command: Command, args: readonly string[]) {
  const options = Object.fromEntries(
    [...GLOBAL_OPTIONS, ...command.options].map((o) => [
      o.name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new PalisadeError('USAGE', `${(error as Error).message}. See 'palisade ${command.name} --help'.`, {
      cause: error,
    });
  }
}

/** Runs the CLI with the given arguments; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<ExitCode> {
  const [first, ...rest] = argv;
  const noColor = argv.includes('--no-color');
  try {
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      const topic = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
      io.stdout.write(topic ? commandHelp(topic) : mainHelp(COMMANDS, VERSION));
      return first === undefined ? EXIT.usage : EXIT.ok;
    }
    if (first === '--version' || first === '-V') {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    const command = COMMANDS.find((c) => c.name === first);
    if (!command) {
      const known = COMMANDS.map((c) => c.name).join(', ');
      throw new PalisadeError(
        'USAGE',
        `Unknown command "${first}". Commands: ${known}. See 'palisade --help'.`,
      );
    }
    const { values, positionals } = parse(command, rest);
    if (values.help === true) {
      io.stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    const format = values.format as string | undefined;
    if (format !== undefined && !command.formats.includes(format)) {
      throw new PalisadeError(
        'USAGE',
        `${command.name} does not write "${format}"; use one of: ${command.formats.join(', ')}.`,
      );
    }
    const output = values.output as string | undefined;
    const flags = {
      format,
      output,
      quiet: values.quiet === true,
      color: useColor(io.stdout, io.env, noColor),
    };
    return await command.run({ io, flags, values, positionals });
  } catch (error) {
    const message =
      error instanceof PalisadeError ? error.message : `Internal error: ${(error as Error).stack ?? error}`;
    io.stderr.write(`palisade: ${message}\n`);
    return exitCodeFor(error);
  }
}
