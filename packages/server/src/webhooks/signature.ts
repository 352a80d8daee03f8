import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (platform-security §10, as MLflow 3 signs them): `X-Palisade-Signature: sha256=<hex>` is the
 * HMAC-SHA-256, under the webhook's secret, of `<X-Palisade-Timestamp>.<body>`. A receiver recomputes it and
 * refuses timestamps outside its replay window.
 */
export const REPLAY_WINDOW_SECONDS = 300;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers: true when the signature matches and the timestamp is within the replay window of `nowSeconds`. */
export function verifyWebhook(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  nowSeconds: number,
  windowSeconds = REPLAY_WINDOW_SECONDS,
): boolean {
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > windowSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
