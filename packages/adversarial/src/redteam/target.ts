import { PalisadeError } from '@palisade/core';

/**
 * What the red team talks to: an OpenAI-compatible chat endpoint, or any HTTP endpoint with a JSON request
 * template (`$INPUT` and `$SYSTEM` placeholders, JSON-escaped) and the response field to read — the shape of
 * garak's `rest` generator. Responses are bounded, timed out, and retried on 429/503 with Retry-After.
 */

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface ChatTarget {
  readonly description: string;
  send(messages: readonly ChatMessage[]): Promise<string>;
}

export const MAX_RESPONSE_BYTES = 1 << 20;

export interface HttpOptions {
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly retries?: number;
}

async function postJson(url: string, body: unknown, options: HttpOptions): Promise<unknown> {
  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        redirect: 'error',
      });
    } catch (error) {
      throw new PalisadeError('INPUT_UNREADABLE', `cannot reach ${url}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if ((response.status === 429 || response.status === 503) && attempt < retries) {
      await response.body?.cancel();
      const after = Number(response.headers.get('retry-after'));
      await new Promise((r) =>
        setTimeout(r, Number.isFinite(after) && after > 0 ? Math.min(after, 30) * 1000 : 250 * 2 ** attempt),
      );
      continue;
    }
    const text = await boundedText(response);
    if (!response.ok)
      throw new PalisadeError(
        'INPUT_UNREADABLE',
        `${url} answered ${response.status}: ${text.slice(0, 200)}`,
      );
    try {
      return JSON.parse(text);
    } catch {
      throw new PalisadeError('INPUT_INVALID', `${url} did not answer JSON: ${text.slice(0, 200)}`);
    }
  }
}

async function boundedText(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new PalisadeError(
        'LIMIT_EXCEEDED',
        `the endpoint answered more than ${MAX_RESPONSE_BYTES} bytes`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a dotted path (`choices.0.message.content`, or `$.a.b` as in JSONPath) from a JSON value. */
export function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function openAiTarget(
  endpoint: string,
  model: string,
  options: HttpOptions & { apiKey?: string } = {},
): ChatTarget {
  const url = /\/chat\/completions\/?$/.test(endpoint)
    ? endpoint
    : `${endpoint.replace(/\/$/, '')}/v1/chat/completions`;
  const headers = {
    ...options.headers,
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
  };
  return {
    description: `${url} (model ${model})`,
    async send(messages) {
      const json = await postJson(url, { model, messages, temperature: 0 }, { ...options, headers });
      const content = readPath(json, 'choices.0.message.content');
      if (typeof content !== 'string')
        throw new PalisadeError('INPUT_INVALID', `${url}: no choices[0].message.content in the answer`);
      return content;
    },
  };
}

export function templateTarget(
  url: string,
  template: string,
  responsePath: string,
  options: HttpOptions = {},
): ChatTarget {
  if (!template.includes('$INPUT'))
    throw new PalisadeError('USAGE', 'the request template needs an $INPUT placeholder');
  return {
    description: url,
    async send(messages) {
      const system = messages
        .filter((m) => m.role === 'system')
        .map((m) => m.content)
        .join('\n');
      const input = messages
        .filter((m) => m.role !== 'system')
        .map((m) => m.content)
        .join('\n');
      const jsonText = (s: string) => JSON.stringify(s).slice(1, -1);
      let body: unknown;
      try {
        body = JSON.parse(
          template.replaceAll('$INPUT', jsonText(input)).replaceAll('$SYSTEM', jsonText(system)),
        );
      } catch {
        throw new PalisadeError('USAGE', 'the request template is not JSON once $INPUT is filled in');
      }
      const content = readPath(await postJson(url, body, options), responsePath);
      if (typeof content !== 'string')
        throw new PalisadeError('INPUT_INVALID', `${url}: nothing at ${responsePath} in the answer`);
      return content;
    },
  };
}
