import { type Recognizer, shannonEntropy } from './recognizer.ts';

/**
 * Credentials, gitleaks-style: a provider's fixed prefix or structure, plus an entropy floor so that documentation
 * placeholders (`AKIA…EXAMPLE`, `ghp_xxxx…`, `password=changeme`) are not reported as live secrets.
 */

const PLACEHOLDER =
  /example|sample|dummy|placeholder|changeme|redacted|your[_-]?|x{6,}|\*{3,}|\.\.\.|<[^>]*>|\$\{|\{\{/i;

function random(minBits: number) {
  return (s: string) => !PLACEHOLDER.test(s) && shannonEntropy(s) >= minBits;
}

/** Entropy relative to the most a string of that length can have, so that short passwords are judged fairly. */
function randomLooking(s: string): boolean {
  return !PLACEHOLDER.test(s) && shannonEntropy(s) / Math.log2(Math.min(s.length, 64)) >= 0.8;
}

function jwtHeader(token: string): boolean {
  try {
    const header = JSON.parse(
      Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'),
    ) as unknown;
    return (
      typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string'
    );
  } catch {
    return false;
  }
}

const always = () => true;

export const SECRET_RECOGNIZERS: readonly Recognizer[] = [
  {
    entity: 'PRIVATE_KEY',
    kind: 'secret',
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ ){0,2}PRIVATE KEY(?: BLOCK)?-----(?:\r?\n[A-Za-z-]+:[^\n]*){0,8}(?:\s|\\n)+([A-Za-z0-9+/=][A-Za-z0-9+/=\s\\]{63,16384})/g,
    group: 1,
    score: 1,
    validate: (s) => random(4.5)(s.replace(/\s|\\n/g, '').slice(0, 512)),
    applies: (s) => s.dashes && s.upper >= 10,
  },
  {
    entity: 'AWS_ACCESS_KEY_ID',
    kind: 'secret',
    pattern: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}(?![A-Za-z0-9])/g,
    score: 1,
    context: ['aws', 'access', 'key'],
    validate: random(3),
    applies: (s) => s.upper >= 10,
  },
  {
    entity: 'AWS_SECRET_ACCESS_KEY',
    kind: 'secret',
    pattern: /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    score: 0.6,
    context: ['aws', 'secret'],
    requiresContext: true,
    validate: (s) => random(4)(s) && /[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s),
    applies: (s) => s.upper >= 5 && s.digits >= 2,
  },
  {
    entity: 'GITHUB_TOKEN',
    kind: 'secret',
    pattern:
      /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])/g,
    score: 1,
    validate: (s) => random(3.5)(s.slice(4)),
    applies: (s) => s.digits >= 2,
  },
  {
    entity: 'SLACK_TOKEN',
    kind: 'secret',
    pattern:
      /(?<![A-Za-z0-9])(?:xox[bpoase]-\d{10,13}-\d{10,13}(?:-[A-Za-z0-9]{24,34})?|https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{8,10}\/B[A-Z0-9]{8,11}\/[A-Za-z0-9]{24})(?![A-Za-z0-9])/g,
    score: 1,
    validate: (s) => !PLACEHOLDER.test(s),
    applies: (s) => s.dashes || s.colon,
  },
  {
    entity: 'OPENAI_API_KEY',
    kind: 'secret',
    pattern:
      /(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{16,180}T3BlbkFJ[A-Za-z0-9_-]{16,180}(?![A-Za-z0-9_-])/g,
    score: 1,
    validate: random(4),
    applies: (s) => s.dashes,
  },
  {
    entity: 'ANTHROPIC_API_KEY',
    kind: 'secret',
    pattern: /(?<![A-Za-z0-9_-])sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{93}AA(?![A-Za-z0-9_-])/g,
    score: 1,
    validate: random(4),
    applies: (s) => s.dashes,
  },
  {
    entity: 'GOOGLE_API_KEY',
    kind: 'secret',
    pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g,
    score: 1,
    validate: random(3.5),
    applies: (s) => s.upper >= 2,
  },
  {
    entity: 'STRIPE_API_KEY',
    kind: 'secret',
    pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,99}(?![A-Za-z0-9_])/g,
    score: 1,
    validate: (s) => random(3.5)(s.slice(8)),
    applies: always,
  },
  {
    entity: 'HUGGINGFACE_TOKEN',
    kind: 'secret',
    pattern: /(?<![A-Za-z0-9_])hf_[A-Za-z]{34}(?![A-Za-z0-9_])/g,
    score: 1,
    validate: (s) => random(3.5)(s.slice(3)),
    applies: (s) => s.upper >= 3,
  },
  {
    entity: 'AZURE_STORAGE_KEY',
    kind: 'secret',
    pattern: /(?<=AccountKey=)[A-Za-z0-9+/]{86}==/g,
    score: 1,
    validate: random(4.5),
    applies: (s) => s.upper >= 10,
  },
  {
    entity: 'JWT',
    kind: 'secret',
    pattern:
      /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])/g,
    score: 0.95,
    validate: jwtHeader,
    applies: always,
  },
  {
    entity: 'CONNECTION_STRING',
    kind: 'secret',
    pattern:
      /(?<![A-Za-z0-9+])(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql|sqlserver|clickhouse):\/\/[^\s:@/]+:([^\s@/]{4,})@[^\s/]+/g,
    group: 1,
    score: 0.95,
    validate: (s) => !PLACEHOLDER.test(s) && !/^(?:pass(?:word)?|secret|pwd|admin|root|test)$/i.test(s),
    applies: (s) => s.colon && s.at,
  },
  {
    entity: 'GENERIC_SECRET',
    kind: 'secret',
    pattern:
      /(?<![A-Za-z0-9])(?:[A-Za-z0-9]{1,32}[_-]){0,4}(?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?token)(?:[_-][A-Za-z0-9]{1,32}){0,4}["']?\s{0,8}[:=]\s{0,8}["'(]?([^\s"',;`()]{10,200})/gi,
    group: 1,
    score: 0.8,
    validate: (s) => randomLooking(s) && /\d/.test(s) && /[A-Za-z]/.test(s),
    applies: (s) => s.colon || s.digits > 0,
  },
];
