import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { formatDigest, PalisadeError, sha256File } from '@palisade/core';
import type { CommandContext, OptionSpec } from './command.ts';

/**
 * `--server URL` on scan, gate and bom: the report the command printed is also recorded on a Palisade server as
 * evidence about the model version, named as the server names versions: a file by its SHA-256 (what an upload
 * of it is stored under), a directory by its OMS root digest (as `attest` and `gate` compute it).
 * The token comes from --token or, better (the command line is visible to other users), $PALISADE_TOKEN.
 */
export const SERVER_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'server',
    type: 'string',
    value: 'URL',
    description: 'Also record the report on a Palisade server (https://, or http:// to this machine only).',
  },
  {
    name: 'token',
    type: 'string',
    value: 'TOKEN',
    description: 'API token for --server (default: $PALISADE_TOKEN, which keeps it off the command line).',
  },
  {
    name: 'project',
    type: 'string',
    value: 'NAME',
    description: 'Server project of the model (with --server).',
  },
  {
    name: 'name',
    type: 'string',
    value: 'NAME',
    description: 'Model name on the server (default: the file or folder name).',
  },
];

export interface ServerTarget {
  readonly server: string;
  readonly token: string;
  readonly project: string;
  readonly name: string;
  readonly path: string;
}

/** Checks the server flags before any work is done; undefined when --server is not given. */
export function serverTarget(context: CommandContext, paths: readonly string[]): ServerTarget | undefined {
  const { values, io } = context;
  const server = values.server as string | undefined;
  const stray = ['token', 'project', 'name'].filter((f) => values[f] !== undefined);
  if (server === undefined) {
    if (stray.length > 0)
      throw new PalisadeError('USAGE', `--${stray[0]} goes with --server URL; give the server too.`);
    return undefined;
  }
  const token = (values.token as string | undefined) ?? io.env.PALISADE_TOKEN;
  if (!token)
    throw new PalisadeError('USAGE', '--server needs an API token: set PALISADE_TOKEN (or --token).');
  const project = values.project as string | undefined;
  if (!project)
    throw new PalisadeError('USAGE', '--server needs --project NAME: the server project of the model.');
  const [path, ...more] = paths;
  if (path === undefined || more.length > 0)
    throw new PalisadeError('USAGE', '--server records one model at a time: give exactly one PATH.');
  const name = (values.name as string | undefined) ?? basename(resolve(path));
  return { server, token, project, name, path };
}

/** Records the report; says where on standard error. */
export async function recordOnServer(
  context: CommandContext,
  target: ServerTarget,
  kind: 'scan' | 'gate' | 'bom',
  report: unknown,
): Promise<void> {
  // Loaded only here: a scan without --server must not load the signing and ledger code at start-up.
  const digest = formatDigest(
    statSync(target.path).isDirectory()
      ? (await (await import('./ledger/artifact.ts')).artifactDigest(target.path)).sha256
      : await sha256File(target.path),
  );
  const { sendEvidence } = await import('@palisade/server');
  const stored = await sendEvidence({
    server: target.server,
    token: target.token,
    project: target.project,
    artifactKind: 'model',
    name: target.name,
    digest,
    kind,
    report,
  });
  if (!context.flags.quiet)
    context.io.stderr.write(
      `Recorded on ${new URL(target.server).origin} as ${kind} evidence ${stored.id} for ${target.project}/${target.name}@${digest}\n`,
    );
}
