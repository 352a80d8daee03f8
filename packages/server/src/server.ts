import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { PalisadeError } from '@palisade/core';
import { type App, createApp } from './app.ts';
import type { Database } from './db/database.ts';
import { openDatabase } from './db/open.ts';
import type { Argon2Params } from './identity/password.ts';
import type { WorkerOptions } from './jobs/worker.ts';
import type { DispatcherOptions } from './webhooks/webhooks.ts';

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  /** CA bundle whose client certificates are required (mutual TLS), in addition to a token. */
  readonly clientCa?: string;
}

export interface ServeOptions {
  readonly dataDir: string;
  readonly host?: string;
  readonly port?: number;
  /** `postgres://…`; default SQLite in dataDir. */
  readonly database?: string;
  readonly tls?: TlsFiles;
  /** Allow plain HTTP on a non-loopback address (behind a TLS-terminating proxy). */
  readonly insecureHttp?: boolean;
  readonly clock?: () => number;
  readonly log?: (entry: Record<string, unknown>) => void;
  readonly authRequestsPerMinute?: number;
  readonly maxUploadBytes?: number;
  /** Argon2id parameters (tests only; the CLI never sets them). */
  readonly argon2?: Argon2Params;
  readonly jobs?: WorkerOptions;
  readonly webhooks?: DispatcherOptions;
}

export interface RunningServer {
  readonly url: string;
  readonly app: App;
  readonly db: Database;
  /** Present when the server has no user yet: print it, it creates the first admin. */
  readonly setupToken: string | undefined;
  close(): Promise<void>;
}

/** Mozilla "intermediate" TLS 1.2 ciphers (forward secrecy, AEAD only); TLS 1.3 suites are always on. */
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new PalisadeError(
      'INPUT_NOT_FOUND',
      `Cannot read the ${what} ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Opens the database, migrates it, and listens. Resolves once the port is bound. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new PalisadeError('USAGE', `--port ${port} is not a port.`);
  if (options.tls === undefined && !isLoopback(host) && !options.insecureHttp) {
    throw new PalisadeError(
      'USAGE',
      `Refusing to serve plain HTTP on ${host}: give --tls-cert and --tls-key, or --insecure-http behind a TLS proxy.`,
    );
  }
  const tls = options.tls;
  const tlsOptions = tls
    ? {
        cert: readPem(tls.cert, 'TLS certificate'),
        key: readPem(tls.key, 'TLS key'),
        minVersion: 'TLSv1.2' as const,
        ciphers: TLS12_CIPHERS,
        honorCipherOrder: true,
        ...(tls.clientCa
          ? { ca: readPem(tls.clientCa, 'client CA'), requestCert: true, rejectUnauthorized: true }
          : {}),
      }
    : undefined;
  const db = await openDatabase({ url: options.database, dataDir: options.dataDir });
  let server: Server;
  let app: App;
  try {
    app = await createApp({
      db,
      dataDir: options.dataDir,
      tls: tls !== undefined,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.authRequestsPerMinute ? { authRequestsPerMinute: options.authRequestsPerMinute } : {}),
      ...(options.maxUploadBytes ? { maxUploadBytes: options.maxUploadBytes } : {}),
      ...(options.argon2 ? { argon2: options.argon2 } : {}),
      ...(options.jobs ? { jobs: options.jobs } : {}),
      ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    });
    const handler = app.handler;
    const listener = (request: Parameters<typeof handler>[0], response: Parameters<typeof handler>[1]) => {
      handler(request, response).catch((error: unknown) => {
        options.log?.({ level: 'error', error: String(error) });
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    };
    server = tlsOptions ? createHttpsServer(tlsOptions, listener) : createHttpServer(listener);
    server.headersTimeout = 30_000;
    server.requestTimeout = 0; // uploads may take long; headersTimeout and idle sockets bound slow clients
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    await db.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PalisadeError('USAGE', `${host}:${port} is in use; pick another --port.`, { cause: error });
    }
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${tls ? 'https' : 'http'}://${shown}:${address.port}`,
    app,
    db,
    setupToken: app.setupToken,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await app.close();
      await db.close();
    },
  };
}
