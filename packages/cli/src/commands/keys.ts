import { resolve } from 'node:path';
import { PalisadeError } from '@palisade/core';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { writeResult } from '../io.ts';

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, io, flags, positionals } = context;
  if (positionals.length !== 1 || positionals[0] !== 'rotate') {
    throw new PalisadeError(
      'USAGE',
      "Usage: palisade keys rotate [--data-dir DIR] [--database URL]. See 'palisade keys --help'.",
    );
  }
  const { rotateKeys } = await import('@palisade/server');
  const database = (values.database as string | undefined) ?? io.env.PALISADE_DATABASE_URL;
  const result = await rotateKeys({
    dataDir: resolve((values['data-dir'] as string | undefined) ?? '.palisade'),
    database,
  });
  const text =
    flags.format === 'json'
      ? `${JSON.stringify(result)}\n`
      : `Key-encryption key version ${result.kekVersion} is current; re-wrapped the data keys of ${result.blobs} blobs and ${result.secrets} secrets.\n`;
  await writeResult(io, text, flags.output);
  return EXIT.ok;
}

export const keysCommand: Command = {
  name: 'keys',
  summary:
    'Rotate the key-encryption key of a Palisade server’s data (re-wraps data keys, re-encrypts nothing)',
  usage: 'palisade keys rotate [--data-dir DIR] [--database URL]',
  description: [
    'The server encrypts blobs and secrets (TOTP seeds) at rest with AES-256-GCM under per-object data keys, wrapped',
    'by a key-encryption key (KEK) kept in DIR/keys/kek.json (0600). `rotate` adds a new KEK version and re-wraps',
    'every data key under it: the key slot of each blob file and each sealed secret. No data is re-encrypted. Older',
    'KEK versions stay in the key file, so an interrupted rotation loses nothing; run it again to finish. A running',
    'server picks up the new version from the key file.',
    '',
    'Exit codes: 0 rotated, 2 usage error or unreadable data directory/database, 3 internal error.',
  ].join('\n'),
  formats: ['text', 'json'],
  options: [
    {
      name: 'data-dir',
      type: 'string',
      value: 'DIR',
      description: 'The server’s data directory (default ./.palisade).',
    },
    {
      name: 'database',
      type: 'string',
      value: 'URL',
      description: 'postgres://… when the server uses PostgreSQL (or PALISADE_DATABASE_URL).',
    },
  ],
  examples: [
    'palisade keys rotate --data-dir /var/lib/palisade',
    'palisade keys rotate --database postgres://palisade@db/palisade --format json',
  ],
  run,
};
