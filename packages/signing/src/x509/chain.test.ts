import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { test } from 'node:test';
import { preAuthEncoding } from '../bundle/pae.ts';
import { IN_TOTO_PAYLOAD_TYPE, type SigstoreBundle } from '../bundle/parse.ts';
import { verifyCertificateSignature } from '../bundle/verify-certificate.ts';
import { isSigningError, type SigningReason } from '../errors.ts';
import { type Certificate, OID, parseCertificate } from './certificate.ts';
import { verifyChain } from './chain.ts';
import { certificateIssuer, checkIdentity } from './identity.ts';

// A tiny DER writer, so that each CA rule is tested on certificates built for it (node:crypto cannot issue).
function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const length = n < 128 ? Buffer.of(n) : n < 256 ? Buffer.of(0x81, n) : Buffer.of(0x82, n >> 8, n & 0xff);
  return Buffer.concat([Buffer.of(tag), length, body]);
}
const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const int = (n: number) => tlv(0x02, n < 128 ? Buffer.of(n) : Buffer.of(0, n));
const bool = (b: boolean) => tlv(0x01, Buffer.of(b ? 0xff : 0));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [(a as number) * 40 + (b as number)];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}
const time = (d: Date) => tlv(0x18, Buffer.from(`${d.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`));
const name = (cn: string) => seq(tlv(0x31, seq(oid('2.5.4.3'), utf8(cn))));
const ext = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [bool(true)] : []), tlv(0x04, value));
function keyUsage(bits: { digitalSignature?: boolean; keyCertSign?: boolean }): Buffer {
  const byte = (bits.digitalSignature ? 0x80 : 0) | (bits.keyCertSign ? 0x04 : 0);
  // DER: the unused-bits count is the number of trailing zero bits of the last byte.
  const unused = byte === 0 ? 0 : Math.log2(byte & -byte);
  return tlv(0x03, Buffer.of(unused, byte));
}

interface Spec {
  subject: string;
  issuer?: { name: string; key: KeyObject };
  ca?: boolean;
  pathLength?: number;
  usage?: { digitalSignature?: boolean; keyCertSign?: boolean };
  codeSigning?: boolean;
  email?: string;
  oidcIssuer?: string;
  critical?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** The subject's key pair (default: a fresh P-256 pair). */
  pair?: { publicKey: KeyObject; privateKey: KeyObject };
}

const EPOCH = new Date('2025-01-01T00:00:00Z');
const LATER = new Date('2035-01-01T00:00:00Z');

function issue(spec: Spec): { certificate: Certificate; key: KeyObject } {
  const pair = spec.pair ?? generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = spec.issuer ?? { name: spec.subject, key: pair.privateKey };
  const extensions: Buffer[] = [];
  if (spec.ca !== undefined) {
    const fields = [
      ...(spec.ca ? [bool(true)] : []),
      ...(spec.pathLength !== undefined ? [int(spec.pathLength)] : []),
    ];
    extensions.push(ext(OID.basicConstraints, true, seq(...fields)));
  }
  if (spec.usage) extensions.push(ext(OID.keyUsage, true, keyUsage(spec.usage)));
  if (spec.codeSigning) extensions.push(ext(OID.extKeyUsage, false, seq(oid(OID.codeSigning))));
  if (spec.email) extensions.push(ext(OID.subjectAltName, true, seq(tlv(0x81, Buffer.from(spec.email)))));
  if (spec.oidcIssuer) extensions.push(ext(OID.fulcioIssuerV2, false, utf8(spec.oidcIssuer)));
  if (spec.critical) extensions.push(ext(spec.critical, true, tlv(0x05)));
  const algorithm = seq(oid('1.2.840.10045.4.3.2'));
  const tbs = seq(
    tlv(0xa0, int(2)),
    int(Math.floor(Math.random() * 100) + 1),
    algorithm,
    name(signer.name),
    seq(time(spec.notBefore ?? EPOCH), time(spec.notAfter ?? LATER)),
    name(spec.subject),
    pair.publicKey.export({ type: 'spki', format: 'der' }),
    ...(extensions.length > 0 ? [tlv(0xa3, seq(...extensions))] : []),
  );
  const signature = sign('sha256', tbs, { key: signer.key, dsaEncoding: 'der' });
  const der = seq(tbs, algorithm, tlv(0x03, Buffer.of(0), signature));
  return { certificate: parseCertificate(der), key: pair.privateKey };
}

const AT = new Date('2026-01-01T00:00:00Z');
const root = issue({ subject: 'root', ca: true, usage: { keyCertSign: true } });
const intermediate = issue({
  subject: 'intermediate',
  issuer: { name: 'root', key: root.key },
  ca: true,
  pathLength: 0,
  usage: { keyCertSign: true },
});
const leafSpec: Spec = {
  subject: 'signer',
  issuer: { name: 'intermediate', key: intermediate.key },
  usage: { digitalSignature: true },
  codeSigning: true,
  email: 'ml@example.com',
  oidcIssuer: 'https://accounts.example.com',
};
const leaf = issue(leafSpec);

function rejects(run: () => unknown, reason: SigningReason, message?: RegExp): void {
  assert.throws(run, (error) => {
    assert.ok(isSigningError(error), String(error));
    assert.equal(error.reason, reason, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

test('a generated root → intermediate → leaf path validates and is returned leaf first', () => {
  const path = verifyChain(leaf.certificate, [intermediate.certificate], [root.certificate], { time: AT });
  assert.deepEqual(
    path.map((c) => c.x509.subject),
    ['CN=signer', 'CN=intermediate', 'CN=root'],
  );
  assert.equal(leaf.certificate.keyUsage?.digitalSignature, true);
  assert.deepEqual(leaf.certificate.extKeyUsage, [OID.codeSigning]);
  assert.equal(certificateIssuer(leaf.certificate), 'https://accounts.example.com');
});

test('no path: missing intermediate, another root, or no root at all is CHAIN_INVALID', () => {
  rejects(
    () => verifyChain(leaf.certificate, [], [root.certificate], { time: AT }),
    'CHAIN_INVALID',
    /issued by CN=intermediate/,
  );
  const other = issue({ subject: 'root', ca: true, usage: { keyCertSign: true } });
  rejects(
    () => verifyChain(leaf.certificate, [intermediate.certificate], [other.certificate], { time: AT }),
    'CHAIN_INVALID',
  );
  rejects(() => verifyChain(leaf.certificate, [intermediate.certificate], [], { time: AT }), 'CHAIN_INVALID');
});

test('a name that links but a signature by another key is not an issuer', () => {
  const impostor = issue({ subject: 'intermediate', issuer: { name: 'root', key: root.key }, ca: true });
  rejects(
    () => verifyChain(leaf.certificate, [impostor.certificate], [root.certificate], { time: AT }),
    'CHAIN_INVALID',
  );
});

test('an issuer that is not a CA, lacks keyCertSign, or exceeds its pathLenConstraint is CHAIN_INVALID', () => {
  const notCa = issue({ subject: 'mid', issuer: { name: 'root', key: root.key }, ca: false });
  const below = issue({ ...leafSpec, issuer: { name: 'mid', key: notCa.key } });
  rejects(
    () => verifyChain(below.certificate, [notCa.certificate], [root.certificate], { time: AT }),
    'CHAIN_INVALID',
    /not a CA/,
  );
  // OpenSSL already refuses an issuer whose KeyUsage lacks keyCertSign while linking names.
  const noSign = issue({
    subject: 'mid',
    issuer: { name: 'root', key: root.key },
    ca: true,
    usage: { digitalSignature: true },
  });
  const under = issue({ ...leafSpec, issuer: { name: 'mid', key: noSign.key } });
  rejects(
    () => verifyChain(under.certificate, [noSign.certificate], [root.certificate], { time: AT }),
    'CHAIN_INVALID',
  );
  // intermediate has pathLen 0: one more CA below it is too many.
  const sub = issue({ subject: 'sub', issuer: { name: 'intermediate', key: intermediate.key }, ca: true });
  const deep = issue({ ...leafSpec, issuer: { name: 'sub', key: sub.key } });
  rejects(
    () =>
      verifyChain(deep.certificate, [sub.certificate, intermediate.certificate], [root.certificate], {
        time: AT,
      }),
    'CHAIN_INVALID',
    /pathLenConstraint/,
  );
});

test('validity: every certificate of the path must be valid at the given time', () => {
  rejects(
    () =>
      verifyChain(leaf.certificate, [intermediate.certificate], [root.certificate], {
        time: new Date('2040-01-01'),
      }),
    'CERTIFICATE_EXPIRED',
    /CN=signer/,
  );
  const expired = issue({ ...leafSpec, notAfter: new Date('2025-06-01T00:00:00Z') });
  rejects(
    () => verifyChain(expired.certificate, [intermediate.certificate], [root.certificate], { time: AT }),
    'CERTIFICATE_EXPIRED',
  );
  verifyChain(expired.certificate, [intermediate.certificate], [root.certificate], {
    time: new Date('2025-03-01'),
  });
});

test('an unknown critical extension anywhere on the path is CHAIN_INVALID', () => {
  const odd = issue({ ...leafSpec, critical: '1.2.3.4.5' });
  rejects(
    () => verifyChain(odd.certificate, [intermediate.certificate], [root.certificate], { time: AT }),
    'CHAIN_INVALID',
    /1\.2\.3\.4\.5/,
  );
});

test('identity: the SAN and the Fulcio issuer extension must match exactly', () => {
  checkIdentity(leaf.certificate, { identity: 'ml@example.com', issuer: 'https://accounts.example.com' });
  rejects(
    () => checkIdentity(leaf.certificate, { identity: 'ml@example.co' }),
    'IDENTITY_MISMATCH',
    /ml@example\.com/,
  );
  rejects(
    () => checkIdentity(leaf.certificate, { issuer: 'https://accounts.example.com/' }),
    'ISSUER_MISMATCH',
  );
  rejects(() => checkIdentity(root.certificate, { issuer: 'x' }), 'ISSUER_MISMATCH', /absent/);
});

function bundleFor(
  signer: { certificate: Certificate; key: KeyObject },
  chain: Certificate[],
): SigstoreBundle {
  const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
  const sig = sign('sha256', preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload), {
    key: signer.key,
    dsaEncoding: 'der',
  });
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      kind: 'x509CertificateChain',
      certificates: [signer.certificate.der, ...chain.map((c) => c.der)],
    },
    tlogEntries: [],
    dsseEnvelope: { payload, payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig, keyid: '' }] },
  };
}

test('certificate bundles: signature by the leaf, usage, identity; validated at the leaf notBefore by default', () => {
  const anchors = [root.certificate];
  const signer = verifyCertificateSignature(bundleFor(leaf, [intermediate.certificate]), {
    anchors,
    identity: 'ml@example.com',
  });
  assert.deepEqual(signer.identities, ['ml@example.com']);
  assert.equal(signer.validatedAt, EPOCH.toISOString());
  assert.equal(signer.chain.length, 3);
  rejects(
    () =>
      verifyCertificateSignature(bundleFor(leaf, [intermediate.certificate]), {
        anchors,
        time: new Date('2036-01-01'),
      }),
    'CERTIFICATE_EXPIRED',
  );
  const noUsage = issue({ ...leafSpec, usage: { keyCertSign: true }, codeSigning: false });
  rejects(
    () => verifyCertificateSignature(bundleFor(noUsage, [intermediate.certificate]), { anchors }),
    'CERTIFICATE_USAGE',
  );
  // The leaf's key must have made the signature: a bundle carrying another leaf fails.
  const tampered = bundleFor(leaf, [intermediate.certificate]);
  const swapped = {
    ...tampered,
    verificationMaterial: {
      kind: 'x509CertificateChain' as const,
      certificates: [issue(leafSpec).certificate.der, intermediate.certificate.der],
    },
  };
  rejects(() => verifyCertificateSignature(swapped, { anchors }), 'SIGNATURE_INVALID');
});

test('crafted chains cannot make path building explode: too many intermediates, or a web of cross-issued CAs', () => {
  const many = Array.from({ length: 17 }, () => intermediate.certificate);
  rejects(
    () => verifyChain(leaf.certificate, many, [root.certificate], { time: AT }),
    'CHAIN_INVALID',
    /at most 16/,
  );
  // Sixteen CAs that all share one name and one key issue each other: every ordering is a candidate path.
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const web = Array.from(
    { length: 16 },
    () =>
      issue({ subject: 'web', issuer: { name: 'web', key: key.privateKey }, ca: true, pair: key })
        .certificate,
  );
  const victim = issue({ ...leafSpec, issuer: { name: 'web', key: key.privateKey } });
  rejects(
    () => verifyChain(victim.certificate, web, [root.certificate], { time: AT }),
    'CHAIN_INVALID',
    /too many checks/,
  );
});
