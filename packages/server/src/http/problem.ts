import type { ErrorCode } from '@palisade/core';
import { isPalisadeError } from '@palisade/core';

/**
 * An error the API answers with, as RFC 9457 problem details. `type` is a stable URI per kind of problem so that
 * clients branch on it, never on `detail`.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly kind: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(
    status: number,
    kind: string,
    detail: string,
    options: { headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.name = 'HttpError';
    this.status = status;
    this.kind = kind;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }
}

export const PROBLEM_BASE = 'https://palisade.dev/problems/';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const STATUS_FOR_CODE: Readonly<Record<ErrorCode, [number, string]>> = {
  USAGE: [400, 'invalid-request'],
  INPUT_INVALID: [400, 'invalid-request'],
  INPUT_NOT_FOUND: [404, 'not-found'],
  INPUT_UNREADABLE: [400, 'invalid-request'],
  LIMIT_EXCEEDED: [413, 'too-large'],
  UNSUPPORTED: [415, 'unsupported'],
  TIMEOUT: [504, 'timeout'],
  INTERNAL: [500, 'internal'],
};

/** Any thrown value as an HttpError; internal faults never leak their message. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (isPalisadeError(error) && error.code !== 'INTERNAL') {
    const [status, kind] = STATUS_FOR_CODE[error.code];
    return new HttpError(status, kind, error.message);
  }
  return new HttpError(
    500,
    'internal',
    'The server failed to handle this request; see its log (request id).',
  );
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly [extension: string]: unknown;
}

export function problemBody(error: HttpError, requestId: string): Problem {
  return {
    ...error.extra,
    type: `${PROBLEM_BASE}${error.kind}`,
    title: TITLES[error.status] ?? 'Error',
    status: error.status,
    detail: error.message,
    instance: `urn:palisade:request:${requestId}`,
  };
}
