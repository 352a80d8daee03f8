import type { ErrorCode } from '@palisade/core';
import { PalisadeError } from '@palisade/core';

/**
 * Stable reasons a model signature is rejected or a model cannot be serialized. Callers branch on `reason`;
 * `code` is the core error code (`INPUT_INVALID` for a bad bundle or model, `UNSUPPORTED` for a feature not built).
 */
export const SIGNING_REASONS = [
  'BUNDLE_PARSE',
  'MEDIA_TYPE',
  'ENVELOPE_INVALID',
  'PAYLOAD_TYPE',
  'METHOD_UNSUPPORTED',
  'KEY_MISMATCH',
  'HINT_MISMATCH',
  'SIGNATURE_INVALID',
  'CERTIFICATE_INVALID',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_USAGE',
  'CHAIN_INVALID',
  'IDENTITY_MISMATCH',
  'ISSUER_MISMATCH',
  'TLOG_INVALID',
  'TLOG_ENTRY_MISMATCH',
  'INCLUSION_PROOF_INVALID',
  'CHECKPOINT_INVALID',
  'SET_INVALID',
  'SCT_INVALID',
  'TIMESTAMP_INVALID',
  'STATEMENT_INVALID',
  'PREDICATE_TYPE',
  'SERIALIZATION_UNSUPPORTED',
  'ROOT_DIGEST_MISMATCH',
  'SYMLINK_NOT_ALLOWED',
  'SPECIAL_FILE',
  'MANIFEST_EXTRA_FILE',
  'MANIFEST_MISSING_FILE',
  'MANIFEST_DIGEST_MISMATCH',
  'MANIFEST_MISMATCH',
] as const;

export type SigningReason = (typeof SIGNING_REASONS)[number];

export class SigningError extends PalisadeError {
  readonly reason: SigningReason;

  constructor(reason: SigningReason, message: string, options: { code?: ErrorCode; cause?: unknown } = {}) {
    super(options.code ?? 'INPUT_INVALID', message, { cause: options.cause });
    this.name = 'SigningError';
    this.reason = reason;
  }
}

export function isSigningError(error: unknown): error is SigningError {
  return error instanceof SigningError;
}
