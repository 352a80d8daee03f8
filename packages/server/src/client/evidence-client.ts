import { PalisadeError } from '@palisade/core';
import type { EvidenceKind } from '../inventory/evidence.ts';

export interface SendEvidenceOptions {
  /** The server's base URL: https, or http on loopback only. */
  readonly server: string;
  /** An API token (`pal_…`) with the artifact:write scope on the project. */
  readonly token: string;
  readonly project: string;
  readonly artifactKind: 'model' | 'dataset';
  readonly name: string;
  /** `sha256:<hex>` of the artifact the report is about. */
  readonly digest: string;
  readonly kind: EvidenceKind;
  readonly report: unknown;
  readonly timeoutMs?: number;
}

function checkServer(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new PalisadeError('USAGE', `--server "${server}" is not a URL.`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new PalisadeError(
      'USAGE',
      '--server must be https:// (plain http only to this machine): tokens must not travel in clear.',
    );
  }
  return url;
}

/**
 * What `palisade scan|gate|bom --server URL --token T` calls: records the report as evidence about the artifact
 * version on the server (registering the model and version by digest when new). Resolves to the evidence id and
 * the SHA-256 of the report as stored.
 */
export async function sendEvidence(options: SendEvidenceOptions): Promise<{ id: string; sha256: string }> {
  const base = checkServer(options.server);
  const plural = options.artifactKind === 'model' ? 'models' : 'datasets';
  const path = [
    'api',
    'v1',
    'projects',
    options.project,
    plural,
    options.name,
    'versions',
    options.digest,
    'evidence',
  ]
    .map(encodeURIComponent)
    .join('/');
  let response: Response;
  try {
    response = await fetch(new URL(`/${path}`, base), {
      method: 'POST',
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: options.kind, report: options.report }),
    });
  } catch (error) {
    throw new PalisadeError(
      'INPUT_UNREADABLE',
      `Cannot reach the server ${base.origin}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const body = (await response.json().catch(() => ({}))) as { id?: string; sha256?: string; detail?: string };
  if (response.status !== 201 || body.id === undefined || body.sha256 === undefined) {
    throw new PalisadeError(
      'INPUT_INVALID',
      `The server refused the report (${response.status}): ${body.detail ?? 'no detail'}`,
    );
  }
  return { id: body.id, sha256: body.sha256 };
}
