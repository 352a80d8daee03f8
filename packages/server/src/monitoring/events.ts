import { HttpError } from '../http/problem.ts';

/** One inference event, as stored and fed to the detectors. */
export interface InferenceEvent {
  /** Epoch milliseconds (the caller's clock: windows follow event time). */
  readonly time: number;
  readonly caller: string;
  /** Model inputs by feature name: numbers or labels. */
  readonly features: Readonly<Record<string, number | string>>;
  /** The predicted class (or value). */
  readonly prediction: number | string | null;
  /** The true outcome, when it is known at logging time (or in a replay). */
  readonly label?: number | string;
  /** The prompt of a language-model call, scanned for injection. */
  readonly prompt?: string;
  readonly error: boolean;
}

export interface Batch {
  readonly batchId: string;
  readonly events: readonly InferenceEvent[];
}

/** Bounds: a batch is at most 4 MiB, 10,000 events, 256 features of 256 characters each. */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
export const MAX_BATCH_EVENTS = 10_000;
const MAX_FEATURES = 256;
const MAX_TEXT = 256;
const MAX_PROMPT = 32 * 1024;
const BATCH_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function invalid(at: string, problem: string): HttpError {
  return new HttpError(400, 'invalid-request', `${at}: ${problem}`);
}

function text(value: unknown, at: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT)
    throw invalid(at, `must be a string of 1 to ${MAX_TEXT} characters`);
  return value;
}

function timeOf(value: unknown, at: string): number {
  const time = typeof value === 'string' ? Date.parse(value) : value;
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0)
    throw invalid(at, 'must be epoch milliseconds or an RFC 3339 date');
  return Math.trunc(time);
}

function scalar(value: unknown, at: string): number | string {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.length <= MAX_TEXT) return value;
  throw invalid(at, `must be a finite number or a string of at most ${MAX_TEXT} characters`);
}

/** Validates one event object (`time`, `caller`, `features`, `prediction`, optional `error`). */
export function parseEvent(raw: unknown, at: string): InferenceEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(at, 'must be an object');
  const record = raw as Record<string, unknown>;
  const features = record.features;
  if (typeof features !== 'object' || features === null || Array.isArray(features))
    throw invalid(`${at}.features`, 'must be an object of feature values');
  const entries = Object.entries(features as Record<string, unknown>);
  if (entries.length > MAX_FEATURES)
    throw invalid(`${at}.features`, `has more than ${MAX_FEATURES} features`);
  const clean: Record<string, number | string> = {};
  for (const [name, value] of entries) {
    if (name.length > MAX_TEXT) throw invalid(`${at}.features`, 'has a feature name that is too long');
    clean[name] = scalar(value, `${at}.features.${name}`);
  }
  const prediction = record.prediction;
  const prompt = record.prompt;
  const label =
    record.label === undefined || record.label === null ? undefined : scalar(record.label, `${at}.label`);
  if (prompt !== undefined && (typeof prompt !== 'string' || prompt.length > MAX_PROMPT))
    throw invalid(`${at}.prompt`, `must be a string of at most ${MAX_PROMPT} characters`);
  return {
    time: timeOf(record.time, `${at}.time`),
    caller: text(record.caller, `${at}.caller`),
    features: clean,
    prediction:
      prediction === undefined || prediction === null ? null : scalar(prediction, `${at}.prediction`),
    ...(prompt !== undefined ? { prompt } : {}),
    ...(label !== undefined ? { label } : {}),
    error: record.error === true,
  };
}

function batchId(value: unknown): string {
  if (typeof value !== 'string' || !BATCH_ID.test(value))
    throw invalid('batchId', 'is required: 1 to 128 of A-Z a-z 0-9 . _ : - (it makes retries idempotent)');
  return value;
}

function checkCount(count: number): void {
  if (count > MAX_BATCH_EVENTS)
    throw new HttpError(413, 'too-large', `A batch may hold at most ${MAX_BATCH_EVENTS} events: split it.`);
}

/**
 * A batch as `application/json` (`{"batchId": …, "events": [...]}`) or `application/x-ndjson` (one event per
 * line, the batch id in the `x-palisade-batch-id` header).
 */
export function parseBatch(body: string, contentType: string, headerBatchId: string | undefined): Batch {
  if (contentType === 'application/x-ndjson') {
    const lines = body.split('\n').filter((line) => line.trim() !== '');
    checkCount(lines.length);
    const events = lines.map((line, i) => {
      try {
        return parseEvent(JSON.parse(line), `line ${i + 1}`);
      } catch (error) {
        if (error instanceof HttpError) throw error;
        throw invalid(`line ${i + 1}`, 'is not valid JSON');
      }
    });
    return { batchId: batchId(headerBatchId), events };
  }
  if (contentType !== 'application/json')
    throw new HttpError(415, 'unsupported-media-type', 'Send application/json or application/x-ndjson.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'invalid-json', 'The body is not valid JSON.');
  }
  const record = (parsed ?? {}) as { batchId?: unknown; events?: unknown };
  if (!Array.isArray(record.events)) throw invalid('events', 'must be an array');
  checkCount(record.events.length);
  return {
    batchId: batchId(record.batchId ?? headerBatchId),
    events: record.events.map((event, i) => parseEvent(event, `events[${i}]`)),
  };
}
