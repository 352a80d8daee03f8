/**
 * One audit event: when, where, who, what (platform-security §9). Never a password, token, session id or secret;
 * free text is bounded and stripped of control characters (no log injection). Encoded as canonical JSON (sorted
 * keys), one ledger entry per event.
 */
export interface AuditEvent {
  /** Epoch milliseconds (server clock). */
  readonly time: number;
  /** `auth.login`, `access.denied`, or the operation id of a state-changing route (`createProject`, …). */
  readonly action: string;
  readonly outcome: 'success' | 'failure';
  readonly actor: {
    readonly userId?: string;
    readonly username?: string;
    readonly via?: 'session' | 'token' | 'anonymous' | 'system';
    readonly tokenId?: string;
    readonly ip?: string;
    readonly userAgent?: string;
  };
  readonly object?: { readonly type: string; readonly id: string; readonly project?: string };
  readonly request?: {
    readonly id: string;
    readonly method: string;
    readonly route: string;
    readonly status: number;
  };
  readonly reason?: string;
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

/** The event as read back: its ledger index is its sequence number. */
export interface SequencedEvent extends AuditEvent {
  readonly seq: number;
}

const MAX_TEXT = 512;

/** Removes control characters (CR/LF log injection) and bounds the length. */
export function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ').slice(0, MAX_TEXT);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return typeof value === 'string' ? clean(value) : value;
}

export function encodeEvent(event: AuditEvent): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: 1, ...(canonical(event) as object) }));
}

export function decodeEvent(seq: number, bytes: Uint8Array): SequencedEvent {
  const { v: _version, ...event } = JSON.parse(new TextDecoder().decode(bytes)) as AuditEvent & { v: number };
  return { seq, ...event };
}
