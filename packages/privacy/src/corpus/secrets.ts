import type { IdentifierKind } from './identifiers.ts';
import type { SeededRandom } from './random.ts';

/** Credentials in the shapes providers issue them, and the documentation placeholders that look like them. */

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64 = `${ALNUM}+/`;
const URLSAFE = `${ALNUM}-_`;

function pem(r: SeededRandom, label: string, escaped: boolean): string {
  const lines = Array.from({ length: r.int(4, 12) }, () => r.chars(B64, 64));
  const nl = escaped ? '\\n' : '\n';
  return `-----BEGIN ${label}-----${nl}${lines.join(nl)}${nl}${r.chars(B64, 20)}==${nl}-----END ${label}-----`;
}

function jwt(r: SeededRandom): string {
  const header = Buffer.from(
    JSON.stringify({ alg: r.pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }),
  ).toString('base64url');
  const payload = Buffer.from(
    JSON.stringify({ sub: r.digits(8), name: 'Jane Roe', iat: 1700000000 + r.int(0, 9999999) }),
  ).toString('base64url');
  return `${header}.${payload}.${r.chars(URLSAFE, 43)}`;
}

export const SECRETS: readonly IdentifierKind[] = [
  {
    entity: 'PRIVATE_KEY',
    valid: (r) =>
      pem(
        r,
        r.pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY']),
        r.next() < 0.4,
      ),
    invalid: (r) =>
      r.pick([
        pem(r, 'PUBLIC KEY', false),
        '-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----',
        pem(r, 'CERTIFICATE', false),
      ]),
    context: ['private_key', 'key file'],
    standalone: true,
  },
  {
    entity: 'AWS_ACCESS_KEY_ID',
    valid: (r) => `${r.pick(['AKIA', 'ASIA'])}${r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
    invalid: (r) =>
      r.pick([
        'AKIAIOSFODNN7EXAMPLE',
        'AKIAXXXXXXXXXXXXXXXX',
        `AKIA${r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 10)}`,
      ]),
    context: ['aws_access_key_id', 'AWS key'],
    standalone: true,
  },
  {
    entity: 'AWS_SECRET_ACCESS_KEY',
    valid: (r) => r.chars(B64, 40),
    invalid: () => 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    context: ['aws_secret_access_key', 'AWS_SECRET_ACCESS_KEY', 'aws secret'],
    standalone: false,
  },
  {
    entity: 'GITHUB_TOKEN',
    valid: (r) =>
      r.pick([
        `${r.pick(['ghp', 'gho', 'ghs'])}_${r.chars(ALNUM, 36)}`,
        `github_pat_${r.chars(ALNUM, 22)}_${r.chars(ALNUM, 59)}`,
      ]),
    invalid: (r) =>
      r.pick([
        'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        `ghp_${r.chars(ALNUM, 20)}`,
        'ghp_<your-token-here>',
      ]),
    context: ['GITHUB_TOKEN', 'token'],
    standalone: true,
  },
  {
    entity: 'SLACK_TOKEN',
    valid: (r) =>
      r.pick([
        `xoxb-${r.digits(12)}-${r.digits(13)}-${r.chars(ALNUM, 24)}`,
        `https://hooks.slack.com/services/T${r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 8)}/B${r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 10)}/${r.chars(ALNUM, 24)}`,
      ]),
    invalid: () => 'xoxb-your-bot-token',
    context: ['slack token', 'SLACK_WEBHOOK'],
    standalone: true,
  },
  {
    entity: 'OPENAI_API_KEY',
    valid: (r) =>
      r.pick([
        `sk-${r.chars(ALNUM, 20)}T3BlbkFJ${r.chars(ALNUM, 20)}`,
        `sk-proj-${r.chars(URLSAFE, 74)}T3BlbkFJ${r.chars(URLSAFE, 74)}`,
      ]),
    invalid: (r) => r.pick(['sk-...', 'sk-proj-REDACTED', 'sk-your-key-here']),
    context: ['OPENAI_API_KEY', 'openai key'],
    standalone: true,
  },
  {
    entity: 'ANTHROPIC_API_KEY',
    valid: (r) => `sk-ant-api03-${r.chars(URLSAFE, 93)}AA`,
    invalid: () => 'sk-ant-xxxx',
    context: ['ANTHROPIC_API_KEY'],
    standalone: true,
  },
  {
    entity: 'GOOGLE_API_KEY',
    valid: (r) => `AIza${r.chars(URLSAFE, 35)}`,
    invalid: () => 'AIzaSyEXAMPLE',
    context: ['google api key', 'key'],
    standalone: true,
  },
  {
    entity: 'STRIPE_API_KEY',
    valid: (r) => `${r.pick(['sk', 'rk'])}_${r.pick(['live', 'test'])}_${r.chars(ALNUM, r.int(24, 40))}`,
    invalid: () => 'sk_live_xxxxxxxxxxxxxxxxxxxxxxxx',
    context: ['stripe key'],
    standalone: true,
  },
  {
    entity: 'HUGGINGFACE_TOKEN',
    valid: (r) => `hf_${r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 34)}`,
    invalid: () => 'hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    context: ['HF_TOKEN', 'huggingface token'],
    standalone: true,
  },
  {
    entity: 'AZURE_STORAGE_KEY',
    valid: (r) =>
      `DefaultEndpointsProtocol=https;AccountName=acct${r.digits(3)};AccountKey=${r.chars(B64, 86)}==;EndpointSuffix=core.windows.net`,
    invalid: () => 'DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=<key>;',
    context: ['AZURE_STORAGE_CONNECTION_STRING'],
    standalone: true,
  },
  {
    entity: 'JWT',
    valid: jwt,
    invalid: (r) => `eyJ${r.chars(URLSAFE, 20)}.eyJ${r.chars(URLSAFE, 30)}.${r.chars(URLSAFE, 30)}`,
    context: ['Authorization: Bearer', 'id_token'],
    standalone: true,
  },
  {
    entity: 'CONNECTION_STRING',
    valid: (r) =>
      `${r.pick(['postgres', 'postgresql', 'mysql', 'mongodb+srv', 'redis'])}://${r.pick(['app', 'svc_user', 'admin'])}:${r.chars(ALNUM, r.int(12, 24))}@${r.pick(['db.internal', '10.0.3.7', 'cluster0.abcde.mongodb.net'])}:${r.int(1000, 9999)}/${r.pick(['prod', 'main', 'analytics'])}`,
    invalid: (r) =>
      r.pick([
        'postgres://user:password@localhost:5432/db',
        `mysql://root:\${DB_PASSWORD}@db/app`,
        'postgresql://localhost/mydb',
        'redis://:<password>@cache:6379',
      ]),
    context: ['DATABASE_URL', 'dsn'],
    standalone: true,
  },
  {
    entity: 'GENERIC_SECRET',
    valid: (r) =>
      `${r.pick(['DB_PASSWORD=', 'api_key: ', '"client_secret": "', 'password = ', 'SECRET_KEY='])}${r.chars(ALNUM, r.int(3, 8))}${r.digits(2)}${r.chars(`${ALNUM}!#%^`, r.int(8, 20))}`,
    invalid: (r) =>
      r.pick([
        'password = changeme',
        'api_key: <your-api-key>',
        'password: ********',
        `SECRET_KEY=\${SECRET_KEY}`,
        `token_count = ${r.digits(6)}`,
        'password_min_length: 12',
      ]),
    context: [],
    standalone: true,
  },
];
