import { createHash } from 'node:crypto';
import { applyDetections, Detector, makeOperator } from '@palisade/privacy';
import { HttpError } from '../http/problem.ts';
import type { InferenceEvent } from './events.ts';

/** What a deployment keeps of its events (configured at creation). */
export interface IngestionPolicy {
  /** Share of callers whose events are stored and analysed (whole callers, so PRADA sees all their queries). */
  readonly sampleRate: number;
  /** Replace personal data found in text feature values (e-mail, phone, card numbers…) before storing. */
  readonly redactPii: boolean;
  /** Features never stored (the detectors still see them in memory). */
  readonly doNotStore: readonly string[];
}

export const DEFAULT_INGESTION_POLICY: IngestionPolicy = { sampleRate: 1, redactPii: true, doNotStore: [] };

export function parseIngestionPolicy(raw: unknown): IngestionPolicy {
  if (raw === undefined) return DEFAULT_INGESTION_POLICY;
  const bad = (what: string) => new HttpError(400, 'invalid-request', `ingestion.${what}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('must be an object');
  const { sampleRate = 1, redactPii = true, doNotStore = [], ...rest } = raw as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw bad(`has unknown fields: ${Object.keys(rest).join(', ')}`);
  if (typeof sampleRate !== 'number' || !(sampleRate > 0 && sampleRate <= 1))
    throw bad('sampleRate must be a number in (0, 1]');
  if (typeof redactPii !== 'boolean') throw bad('redactPii must be true or false');
  if (
    !Array.isArray(doNotStore) ||
    doNotStore.length > 64 ||
    !doNotStore.every((f) => typeof f === 'string' && f.length > 0 && f.length <= 256)
  )
    throw bad('doNotStore must be at most 64 feature names');
  return { sampleRate, redactPii, doNotStore: doNotStore as string[] };
}

/** Caller sampling by hash: the same callers are kept on every server and after every restart. */
export function sampled(policy: IngestionPolicy, deploymentId: string, caller: string): boolean {
  if (policy.sampleRate >= 1) return true;
  const digest = createHash('sha256').update(`${deploymentId}\u0000${caller}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < policy.sampleRate;
}

let detector: Detector | undefined;
const replace = makeOperator('replace');

/** The event as stored: features listed in doNotStore dropped, personal data in text values and prompts replaced. */
export function storedForm(policy: IngestionPolicy, event: InferenceEvent): InferenceEvent {
  if (!policy.redactPii && policy.doNotStore.length === 0) return event;
  detector ??= new Detector();
  const found = detector;
  const features: Record<string, number | string> = {};
  for (const [name, value] of Object.entries(event.features)) {
    if (policy.doNotStore.includes(name)) continue;
    if (policy.redactPii && typeof value === 'string')
      features[name] = applyDetections(value, found.detect(value, name), replace);
    else features[name] = value;
  }
  const prompt =
    event.prompt !== undefined && policy.redactPii
      ? applyDetections(event.prompt, found.detect(event.prompt), replace)
      : event.prompt;
  return { ...event, features, ...(prompt !== undefined ? { prompt } : {}) };
}
