import assert from 'node:assert/strict';
import { argon2Sync } from 'node:crypto';
import { test } from 'node:test';
import { PasswordHasher, passwordProblem } from './password.ts';

const hasher = new PasswordHasher();
const hashPassword = (p: string) => hasher.hash(p);
const verifyPassword = (p: string, phc: string) => hasher.verify(p, phc);

import { isWellFormedApiToken, newApiToken, secretHash } from './secrets.ts';
import { base32Decode, base32Encode, hotp, newTotpSecret, totpStep, verifyTotp } from './totp.ts';

test('RFC 6238 Appendix B vectors (SHA-1, SHA-256, SHA-512; 8 digits)', () => {
  const sha1 = Buffer.from('12345678901234567890');
  const sha256 = Buffer.from('12345678901234567890123456789012');
  const sha512 = Buffer.from('1234567890123456789012345678901234567890123456789012345678901234');
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  for (const [seconds, a, b, c] of vectors) {
    const step = totpStep(seconds * 1000);
    assert.equal(hotp(sha1, step, 8, 'sha1'), a);
    assert.equal(hotp(sha256, step, 8, 'sha256'), b);
    assert.equal(hotp(sha512, step, 8, 'sha512'), c);
  }
});

test('TOTP accepts ±1 step of drift, each code once, and nothing else', () => {
  const secret = newTotpSecret();
  assert.equal(base32Decode(secret).length, 20);
  const now = 1_700_000_000_000;
  const key = base32Decode(secret);
  const code = hotp(key, totpStep(now));
  const step = verifyTotp(secret, code, now, 0);
  assert.equal(step, totpStep(now));
  assert.equal(verifyTotp(secret, code, now, step ?? 0), undefined, 'replayed code');
  assert.equal(verifyTotp(secret, hotp(key, totpStep(now) - 1), now, 0), totpStep(now) - 1);
  assert.equal(verifyTotp(secret, hotp(key, totpStep(now) + 2), now, 0), undefined);
  assert.equal(verifyTotp(secret, 'abcdef', now, 0), undefined);
  assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
});

test('argon2id PHC strings verify exactly as typed and flag weaker parameters for rehash', async () => {
  const phc = await hashPassword('correct horse battery staple');
  assert.match(phc, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.deepEqual(await verifyPassword('correct horse battery staple', phc), { ok: true, rehash: false });
  assert.equal((await verifyPassword('correct horse battery staple ', phc)).ok, false);
  assert.equal((await verifyPassword('Correct horse battery staple', phc)).ok, false);
  assert.equal((await verifyPassword('x', 'not a phc string')).ok, false);
  const salt = Buffer.alloc(16, 7);
  const weak = argon2Sync('argon2id', {
    message: Buffer.from('hunter2hunter2'),
    nonce: salt,
    memory: 8192,
    passes: 1,
    parallelism: 1,
    tagLength: 32,
  });
  const old = `$argon2id$v=19$m=8192,t=1,p=1$${salt.toString('base64').replace(/=+$/, '')}$${weak.toString('base64').replace(/=+$/, '')}`;
  assert.deepEqual(await verifyPassword('hunter2hunter2', old), { ok: true, rehash: true });
});

test('password policy: length, common passwords, user name; no composition rules', () => {
  assert.match(passwordProblem('short', 'ann') ?? '', /at least 8/);
  assert.match(passwordProblem('Password123', 'ann') ?? '', /common/);
  assert.match(passwordProblem('annabelle', 'Annabelle') ?? '', /user name/);
  assert.equal(passwordProblem('all lower case words are fine', 'ann'), undefined);
  assert.match(passwordProblem('x'.repeat(257), 'ann') ?? '', /at most/);
});

test('API tokens carry a checksum that catches typos offline', () => {
  const token = newApiToken();
  assert.match(token, /^pal_[0-9A-Za-z]{36}$/);
  assert.equal(isWellFormedApiToken(token), true);
  const typo = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
  assert.equal(isWellFormedApiToken(typo), false);
  assert.notEqual(newApiToken(), token);
  assert.equal(secretHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
