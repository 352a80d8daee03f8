import { resolve } from 'node:path';
import { PalisadeError } from '@palisade/core';
import type { Command, CommandContext } from '../command.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';

function portOf(value: unknown): number {
  if (value === undefined) return 8080;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PalisadeError('USAGE', `--port takes a number from 0 to 65535, not "${value}".`);
  }
  return port;
}

function optional(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

async function run(context: CommandContext): Promise<ExitCode> {
  const { values, io, flags } = context;
  if (context.positionals.length > 0)
    throw new PalisadeError('USAGE', 'palisade serve takes no positional arguments.');
  const cert = optional(values['tls-cert']);
  const key = optional(values['tls-key']);
  const clientCa = optional(values['tls-client-ca']);
  if ((cert === undefined) !== (key === undefined))
    throw new PalisadeError('USAGE', 'Give --tls-cert and --tls-key together.');
  if (clientCa !== undefined && cert === undefined)
    throw new PalisadeError('USAGE', '--tls-client-ca needs --tls-cert and --tls-key.');
  const database = optional(values.database) ?? optional(io.env.PALISADE_DATABASE_URL);
  // The server pulls in pg and every domain package: load it only for this command.
  const { startServer } = await import('@palisade/server');
  const log = (entry: Record<string, unknown>) => {
    io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  };
  const server = await startServer({
    dataDir: resolve(optional(values['data-dir']) ?? '.palisade'),
    host: optional(values.host) ?? '127.0.0.1',
    port: portOf(values.port),
    ...(database ? { database } : {}),
    ...(cert && key ? { tls: { cert, key, ...(clientCa ? { clientCa } : {}) } } : {}),
    insecureHttp: values['insecure-http'] === true,
    log,
  });
  if (flags.format === 'json') {
    io.stdout.write(
      `${JSON.stringify({ url: server.url, database: server.db.dialect, setupToken: server.setupToken ?? null })}\n`,
    );
  } else {
    io.stdout.write(`Palisade server listening on ${server.url} (${server.db.dialect})\n`);
    if (server.setupToken !== undefined) {
      io.stdout.write(
        [
          'No user exists yet. Create the first admin with this one-time setup token (shown only now):',
          `  ${server.setupToken}`,
          `  POST ${server.url}/api/v1/setup {"setupToken": "…", "username": "…", "password": "…"}`,
          '',
        ].join('\n'),
      );
    }
  }
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return EXIT.ok;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the Palisade server: inventory, scan jobs, identity and the audit trail behind a REST API',
  usage: 'palisade serve [--data-dir DIR] [--host H] [--port P] [--database URL] [options]',
  description: [
    'Serves the REST API (/api/v1, described by /api/v1/openapi.json) until interrupted (SIGINT or SIGTERM).',
    'With no flags everything lives under ./.palisade (SQLite database, blobs, keys) and the server listens on',
    '127.0.0.1:8080. --database postgres://… (or PALISADE_DATABASE_URL) uses PostgreSQL instead, with the same',
    'schema; add ?schema=NAME to use a schema other than public.',
    'At first start the server prints a one-time setup token that creates the first admin: there are no default',
    'passwords. Admins must enrol TOTP. /healthz, /readyz, /metrics and the OpenAPI document need no credentials;',
    'every other /api/v1 route answers 401 without a session or an API token.',
    'Outside loopback the server refuses plain HTTP: give --tls-cert and --tls-key, or --insecure-http when a',
    'TLS-terminating proxy sits in front of it.',
    '',
    'Exit codes: 0 stopped cleanly, 2 usage error (bad flag, port in use, unreachable database), 3 internal error.',
  ].join('\n'),
  formats: ['text', 'json'],
  options: [
    {
      name: 'data-dir',
      type: 'string',
      value: 'DIR',
      description: 'Where the database, blobs and keys live (default ./.palisade).',
    },
    { name: 'host', type: 'string', value: 'HOST', description: 'Address to listen on (default 127.0.0.1).' },
    {
      name: 'port',
      short: 'p',
      type: 'string',
      value: 'PORT',
      description: 'Port to listen on (default 8080; 0 picks a free one).',
    },
    {
      name: 'database',
      type: 'string',
      value: 'URL',
      description: 'postgres://user@host:port/db[?schema=NAME] (default SQLite in --data-dir).',
    },
    {
      name: 'tls-cert',
      type: 'string',
      value: 'FILE',
      description: 'PEM certificate chain: serve HTTPS (TLS 1.2+, HSTS).',
    },
    { name: 'tls-key', type: 'string', value: 'FILE', description: 'PEM private key of --tls-cert.' },
    {
      name: 'tls-client-ca',
      type: 'string',
      value: 'FILE',
      description: 'PEM CA bundle: require client certificates (mutual TLS).',
    },
    { name: 'insecure-http', type: 'boolean', description: 'Allow plain HTTP on a non-loopback address.' },
  ],
  examples: [
    'palisade serve',
    'palisade serve --data-dir /var/lib/palisade --port 9000',
    'palisade serve --database postgres://palisade@db.internal:5432/palisade --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem',
    'palisade serve --port 0 --format json     # prints {"url": …, "setupToken": …} for scripts',
  ],
  run,
};
