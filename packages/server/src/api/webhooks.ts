import { isIP } from 'node:net';
import type { Services } from '../app.ts';
import { HttpError } from '../http/problem.ts';
import { json, type Route } from '../http/route.ts';
import { obj, str } from '../http/schema.ts';
import { WEBHOOK_EVENTS, type Webhook, type WebhookEvent } from '../webhooks/webhooks.ts';
import { iso } from './views.ts';

const MANAGE = { kind: 'org', permission: 'user:manage' } as const;

function loopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** https anywhere (certificates verified), plain http only to this machine; no credentials in the URL. */
function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HttpError(400, 'invalid-request', 'url is not a URL.');
  }
  if (url.username !== '' || url.password !== '')
    throw new HttpError(400, 'invalid-request', 'url must not carry credentials.');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback(url.hostname))) {
    throw new HttpError(
      400,
      'invalid-request',
      'url must be https (plain http only for a loopback receiver).',
    );
  }
  return url.href;
}

function view(hook: Webhook) {
  return { id: hook.id, url: hook.url, events: hook.events, createdAt: iso(hook.createdAt) };
}

export const webhookRoutes: Route<Services>[] = [
  {
    method: 'GET',
    path: '/api/v1/webhooks',
    operationId: 'listWebhooks',
    summary: 'Registered webhooks',
    tag: 'webhooks',
    access: MANAGE,
    handle: async ({ services }) => json(200, { webhooks: (await services.webhooks.list()).map(view) }),
  },
  {
    method: 'POST',
    path: '/api/v1/webhooks',
    operationId: 'createWebhook',
    summary: 'Register a webhook; its HMAC signing secret is shown once',
    tag: 'webhooks',
    access: MANAGE,
    body: obj(
      {
        url: str(2048, { minLength: 1 }),
        events: {
          type: 'array',
          items: str(32, { enum: WEBHOOK_EVENTS }),
          minItems: 1,
          maxItems: WEBHOOK_EVENTS.length,
          uniqueItems: true,
        },
      },
      ['url', 'events'],
    ),
    response: { status: 201, description: 'Registered; store the secret now' },
    handle: async ({ services, body, principal, now }) => {
      const input = body as { url: string; events: WebhookEvent[] };
      const { webhook, secret } = await services.webhooks.create(
        checkUrl(input.url),
        input.events,
        principal?.user.id ?? '',
        now,
      );
      return json(201, { ...view(webhook), secret }, undefined, {
        object: { type: 'webhook', id: webhook.id },
      });
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/webhooks/{webhook}',
    operationId: 'deleteWebhook',
    summary: 'Remove a webhook and its pending deliveries',
    tag: 'webhooks',
    access: MANAGE,
    response: { status: 204, description: 'Removed' },
    handle: async ({ services, params }) => {
      if (!(await services.webhooks.delete(params.webhook ?? '')))
        throw new HttpError(404, 'not-found', 'No such webhook.');
      return { status: 204, audit: { object: { type: 'webhook', id: params.webhook ?? '' } } };
    },
  },
];
