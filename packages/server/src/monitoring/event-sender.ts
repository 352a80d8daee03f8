import { randomBytes } from 'node:crypto';
import { PalisadeError } from '@palisade/core';

/** One event as the ingestion API takes it (see docs/monitoring.md). */
export interface OutgoingEvent {
  readonly time: number | string;
  readonly caller: string;
  readonly features: Readonly<Record<string, number | string>>;
  readonly prediction?: number | string | null;
  readonly prompt?: string;
  readonly error?: boolean;
}

export interface EventSenderOptions {
  /** The server's base URL. */
  readonly server: string;
  /** The deployment id and its ingestion token (`pdi_…`). */
  readonly deployment: string;
  readonly token: string;
  /** Events per batch (default 500, at most 10,000). */
  readonly batchSize?: number;
  /** Attempts per batch before giving up (default 6). */
  readonly attempts?: number;
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const MAX_WAIT_MS = 60_000;

/**
 * A tiny ingestion client: buffers events into batches, gives each batch an id once, and resends the same batch
 * with the same id after a 429/5xx (honouring Retry-After) or a network failure, so a batch is never counted
 * twice. Other refusals are errors to fix (a bad token, a bad event) and are thrown at once.
 */
export class EventSender {
  readonly #url: string;
  readonly #token: string;
  readonly #batchSize: number;
  readonly #attempts: number;
  readonly #timeoutMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #prefix = randomBytes(6).toString('base64url');
  #sequence = 0;
  #buffer: OutgoingEvent[] = [];

  constructor(options: EventSenderOptions) {
    this.#url = `${options.server.replace(/\/+$/, '')}/api/v1/deployments/${encodeURIComponent(options.deployment)}/events`;
    this.#token = options.token;
    this.#batchSize = Math.min(Math.max(1, options.batchSize ?? 500), 10_000);
    this.#attempts = Math.max(1, options.attempts ?? 6);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Queues one event; sends a batch when it is full. */
  async add(event: OutgoingEvent): Promise<void> {
    this.#buffer.push(event);
    if (this.#buffer.length >= this.#batchSize) await this.flush();
  }

  /** Sends what is buffered. */
  async flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const events = this.#buffer;
    this.#buffer = [];
    await this.#send(`${this.#prefix}-${this.#sequence++}`, events);
  }

  async #send(batchId: string, events: readonly OutgoingEvent[]): Promise<void> {
    const body = JSON.stringify({ batchId, events });
    for (let attempt = 1; ; attempt++) {
      let wait: number;
      try {
        const response = await fetch(this.#url, {
          method: 'POST',
          redirect: 'error',
          signal: AbortSignal.timeout(this.#timeoutMs),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#token}` },
          body,
        });
        const text = await response.text();
        if (response.ok) return;
        if (response.status !== 429 && response.status < 500) {
          const detail = (() => {
            try {
              return String((JSON.parse(text) as { detail?: unknown }).detail ?? text);
            } catch {
              return text;
            }
          })();
          throw new PalisadeError(
            'INPUT_INVALID',
            `The server refused batch ${batchId} (${response.status}): ${detail}`,
          );
        }
        const header = response.headers.get('retry-after');
        const retryAfter = header === null ? Number.NaN : Number(header);
        wait = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : 1000 * 2 ** (attempt - 1);
      } catch (error) {
        if (error instanceof PalisadeError) throw error;
        wait = 1000 * 2 ** (attempt - 1);
      }
      if (attempt >= this.#attempts)
        throw new PalisadeError('TIMEOUT', `Batch ${batchId} was not accepted after ${attempt} attempts.`);
      await this.#sleep(Math.min(wait, MAX_WAIT_MS));
    }
  }
}
