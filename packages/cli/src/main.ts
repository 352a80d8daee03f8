import { parseArgs } from 'node:util';
import { PalisadeError } from '@palisade/core';
import { VERSION } from '@palisade/scanner';
import { type Command, GLOBAL_OPTIONS } from './command.ts';
import { EXIT, type ExitCode, exitCodeFor } from './exit-codes.ts';
import { commandHelp, mainHelp } from './help.ts';
import { type Io, processIo, useColor } from './io.ts';

/**
 * Every command, in help order, loaded only when asked for: `palisade scan` must not pay at start-up for the
 * server, the BOM, CEL or ONNX Runtime. The bundle keeps each command in its own chunk (scripts/bundle.ts).
 */
const LOADERS: Readonly<Record<string, () => Promise<Command>>> = {
  scan: async () => (await import('./commands/scan.ts')).scanCommand,
  sign: async () => (await import('./commands/sign.ts')).signCommand,
  verify: async () => (await import('./commands/verify.ts')).verifyCommand,
  bom: async () => (await import('./commands/bom.ts')).bomCommand,
  ledger: async () => (await import('./commands/ledger.ts')).ledgerCommand,
  attest: async () => (await import('./commands/attest.ts')).attestCommand,
  lineage: async () => (await import('./commands/lineage.ts')).lineageCommand,
  gate: async () => (await import('./commands/gate.ts')).gateCommand,
  compliance: async () => (await import('./commands/compliance.ts')).complianceCommand,
  policy: async () => (await import('./commands/policy.ts')).policyCommand,
  robustness: async () => (await import('./commands/robustness.ts')).robustnessCommand,
  redteam: async () => (await import('./commands/redteam.ts')).redteamCommand,
  rules: async () => (await import('./commands/rules.ts')).rulesCommand,
  drift: async () => (await import('./commands/drift.ts')).driftCommand,
  fairness: async () => (await import('./commands/fairness.ts')).fairnessCommand,
  pii: async () => (await import('./commands/pii.ts')).piiCommand,
  dp: async () => (await import('./commands/dp.ts')).dpCommand,
  explain: async () => (await import('./commands/explain.ts')).explainCommand,
  serve: async () => (await import('./commands/serve.ts')).serveCommand,
  keys: async () => (await import('./commands/keys.ts')).keysCommand,
};

export const COMMAND_NAMES: readonly string[] = Object.keys(LOADERS);

/** The command of that name, or undefined. */
export function loadCommand(name: string): Promise<Command> | undefined {
  return Object.hasOwn(LOADERS, name) ? LOADERS[name]?.() : undefined;
}

/** Every command (for the command list in --help). */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_NAMES.map((name) => loadCommand(name) as Promise<Command>));
}

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
      const topic = first === 'help' && rest[0] !== undefined ? await loadCommand(rest[0]) : undefined;
      io.stdout.write(topic ? commandHelp(topic) : mainHelp(await loadCommands(), VERSION));
      return first === undefined ? EXIT.usage : EXIT.ok;
    }
    if (first === '--version' || first === '-V') {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    const command = await loadCommand(first);
    if (!command) {
      const known = COMMAND_NAMES.join(', ');
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
