/**
 * Security headers on every response (platform-security §13). The API serves JSON only, so the content security
 * policy forbids everything; the dashboard will carry its own nonce-based policy.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
  'cache-control': 'no-store',
};

/** Sent only over TLS: a browser ignores it on plain HTTP anyway, and it must not pin a loopback dev server. */
export const HSTS = 'max-age=63072000; includeSubDomains';
