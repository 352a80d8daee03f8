import { randomBytes, randomUUID } from 'node:crypto';
import type { KeyProvider } from '../crypto/key-provider.ts';
import { seal, unseal } from '../crypto/sealed-secret.ts';
import type { Database } from '../db/database.ts';
import { signWebhook } from './signature.ts';

export const WEBHOOK_EVENTS = [
  'scan.completed',
  'gate.denied',
  'alias.moved',
  'alert.fired',
  'incident.opened',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly events: readonly WebhookEvent[];
  readonly createdAt: number;
}

const MAX_ATTEMPTS = 6;
const context = (id: string) => `webhook:${id}`;

/** Retry back-off: 10 s, 20 s, 40 s, 80 s, 160 s (times `baseMs / 10 s`). */
export function deliveryDelayMs(attempts: number, baseMs: number): number {
  return baseMs * 2 ** (attempts - 1);
}

export interface DispatcherOptions {
  readonly clock?: () => number;
  readonly retryBaseMs?: number;
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  readonly log?: (entry: Record<string, unknown>) => void;
}

/**
 * Webhooks and their deliveries. An event is written to the deliveries table first (so it survives a restart),
 * then POSTed with an HMAC signature; failures are retried with back-off, up to six attempts. Secrets are sealed
 * at rest. `fetch` verifies TLS certificates; plain http is accepted only for loopback receivers.
 */
export class Webhooks {
  readonly #db: Database;
  readonly #keys: KeyProvider;
  readonly #clock: () => number;
  readonly #retryBaseMs: number;
  readonly #pollMs: number;
  readonly #timeoutMs: number;
  readonly #log: (entry: Record<string, unknown>) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(db: Database, keys: KeyProvider, options: DispatcherOptions = {}) {
    this.#db = db;
    this.#keys = keys;
    this.#clock = options.clock ?? Date.now;
    this.#retryBaseMs = options.retryBaseMs ?? 10_000;
    this.#pollMs = options.pollMs ?? 2000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#log = options.log ?? (() => {});
  }

  /** Registers a receiver; resolves to it and its signing secret (shown once). */
  async create(url: string, events: readonly WebhookEvent[], userId: string, now: number) {
    const id = randomUUID();
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    await this.#db.run(
      'INSERT INTO webhooks (id, url, events, secret, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
      [id, url, JSON.stringify(events), seal(this.#keys, secret, context(id)), now, userId],
    );
    return { webhook: { id, url, events, createdAt: now } as Webhook, secret };
  }

  async list(): Promise<Webhook[]> {
    const rows = await this.#db.all<{ id: string; url: string; events: string; created_at: number }>(
      'SELECT id, url, events, created_at FROM webhooks ORDER BY created_at, id',
    );
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      events: JSON.parse(r.events),
      createdAt: Number(r.created_at),
    }));
  }

  async delete(id: string): Promise<boolean> {
    return (await this.#db.run('DELETE FROM webhooks WHERE id = ?', [id])) === 1;
  }

  /** Queues an event for every webhook subscribed to it. */
  async emit(event: WebhookEvent, data: Record<string, unknown>): Promise<void> {
    const now = this.#clock();
    for (const hook of await this.list()) {
      if (!hook.events.includes(event)) continue;
      const id = randomUUID();
      const payload = JSON.stringify({ id, event, time: new Date(now).toISOString(), data });
      await this.#db.run(
        `INSERT INTO webhook_deliveries (id, webhook_id, event, payload, state, attempts, next_attempt, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
        [id, hook.id, event, payload, now, now, now],
      );
    }
    this.wake();
  }

  start(): void {
    this.#stopped = false;
    this.wake();
  }

  wake(): void {
    if (this.#stopped || this.#running !== undefined) return;
    this.#running = this.#deliverDue()
      .catch((error: unknown) =>
        this.#log({ level: 'error', event: 'webhook-dispatch', error: String(error) }),
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#stopped) return;
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => this.wake(), this.#pollMs);
        this.#timer.unref();
      });
  }

  async #deliverDue(): Promise<void> {
    const due = await this.#db.all<{
      id: string;
      webhook_id: string;
      event: string;
      payload: string;
      attempts: number;
      url: string;
      secret: string;
    }>(
      `SELECT d.id, d.webhook_id, d.event, d.payload, d.attempts, w.url, w.secret FROM webhook_deliveries d
       JOIN webhooks w ON w.id = d.webhook_id WHERE d.state = 'pending' AND d.next_attempt <= ?
       ORDER BY d.next_attempt, d.id LIMIT 20`,
      [this.#clock()],
    );
    for (const delivery of due) {
      const attempts = Number(delivery.attempts) + 1;
      let error: string | undefined;
      try {
        const timestamp = Math.floor(this.#clock() / 1000);
        const secret = unseal(this.#keys, delivery.secret, context(delivery.webhook_id));
        const response = await fetch(delivery.url, {
          method: 'POST',
          redirect: 'error',
          signal: AbortSignal.timeout(this.#timeoutMs),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Palisade-Webhooks/1',
            'x-palisade-event': delivery.event,
            'x-palisade-delivery': delivery.id,
            'x-palisade-timestamp': String(timestamp),
            'x-palisade-signature': signWebhook(secret, timestamp, delivery.payload),
          },
          body: delivery.payload,
        });
        await response.body?.cancel();
        if (!response.ok) error = `receiver answered ${response.status}`;
      } catch (failure) {
        error = (failure as Error).message;
      }
      const now = this.#clock();
      const state = error === undefined ? 'delivered' : attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
      await this.#db.run(
        'UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt = ?, last_error = ?, updated_at = ? WHERE id = ?',
        [
          state,
          attempts,
          now + deliveryDelayMs(attempts, this.#retryBaseMs),
          error ?? null,
          now,
          delivery.id,
        ],
      );
    }
  }

  async deliveries(webhookId: string) {
    return this.#db.all<{
      id: string;
      event: string;
      state: string;
      attempts: number;
      last_error: string | null;
    }>(
      'SELECT id, event, state, attempts, last_error FROM webhook_deliveries WHERE webhook_id = ? ORDER BY created_at, id',
      [webhookId],
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
