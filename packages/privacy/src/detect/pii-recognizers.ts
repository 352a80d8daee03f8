import { isIPv4, isIPv6 } from 'node:net';
import * as c from './checksums.ts';
import { isBase58CheckAddress, isBech32Address } from './crypto-address.ts';
import { atLeastDigits, compact, type Recognizer } from './recognizer.ts';

/** Global recognizers (Presidio's generic set): cards, bank accounts, contact and network identifiers, dates. */

/** Issuer prefixes and lengths (ISO/IEC 7812 IIN ranges of the card schemes). */
function isCardNumber(candidate: string): boolean {
  const d = compact(candidate);
  if (!/^\d{12,19}$/.test(d) || !c.isLuhn(d) || /^(\d)\1+$/.test(d)) return false;
  const two = Number(d.slice(0, 2));
  const four = Number(d.slice(0, 4));
  const n = d.length;
  if (d[0] === '4') return n === 13 || n === 16 || n === 19;
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return n === 16;
  if (two === 34 || two === 37) return n === 15;
  if (d.startsWith('6011') || two === 65 || (Number(d.slice(0, 3)) >= 644 && Number(d.slice(0, 3)) <= 649))
    return n >= 16;
  if (four >= 3528 && four <= 3589) return n >= 16;
  if (
    two === 36 ||
    two === 38 ||
    two === 39 ||
    (Number(d.slice(0, 3)) >= 300 && Number(d.slice(0, 3)) <= 305)
  )
    return n >= 14;
  if (two === 62) return n >= 16;
  return false;
}

/** Printed card numbers are grouped 4-4-4-4(-3), or 4-6-5 / 4-6-4 (Amex, Diners), with one separator. */
function cardGrouping(candidate: string): boolean {
  const seps = new Set(candidate.replace(/\d/g, ''));
  if (seps.size === 0) return true;
  if (seps.size > 1) return false;
  const groups = candidate
    .split(/[ -]/)
    .map((g) => g.length)
    .join('-');
  return ['4-4-4-4', '4-4-4-4-3', '4-6-5', '4-6-4', '4-4-4-1'].includes(groups);
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1900 || y > 2100) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec';
const MONTH_NAMES = `(?:january|february|march|april|may|june|july|august|september|october|november|december|${MONTHS})\\.?`;

function isCalendarDate(candidate: string): boolean {
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(candidate);
  if (iso) return validDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const numeric = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$/.exec(candidate);
  if (numeric) {
    const a = Number(numeric[1]);
    const b = Number(numeric[3]);
    const y = Number(numeric[4]);
    return validDate(y, b, a) || validDate(y, a, b);
  }
  const words = new RegExp(
    `^(?:(\\d{1,2})\\s+${MONTH_NAMES}|${MONTH_NAMES}\\s+(\\d{1,2}),?)\\s+(\\d{4})$`,
    'i',
  ).exec(candidate);
  if (words) {
    const day = Number(words[1] ?? words[2]);
    return day >= 1 && day <= 31 && Number(words[3]) >= 1900 && Number(words[3]) <= 2100;
  }
  return false;
}

const NANP_SHAPE = /^(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}([ .-]?))\d{3}([ .-]?)\d{4}$/;

function isPhone(candidate: string): boolean | number {
  const digits = candidate.replace(/\D/g, '');
  if (candidate.startsWith('+') || /^00[1-9]\d{0,2} /.test(candidate)) {
    const national = candidate.startsWith('00') ? digits.slice(2) : digits;
    return national.length >= 8 && national.length <= 15 ? 0.75 : false;
  }
  // North American numbering plan: NXX-NXX-XXXX in its usual 3-3-4 shape, optionally with a leading 1.
  const nanp = digits.length === 11 && digits[0] === '1' ? digits.slice(1) : digits;
  const shape = NANP_SHAPE.exec(candidate);
  if (shape && nanp.length === 10 && /^[2-9]\d\d[2-9]\d{6}$/.test(nanp) && !/^(\d)\1+$/.test(nanp)) {
    if (candidate.includes('(')) return 0.75;
    return shape[1] !== undefined && shape[1] !== '' && shape[1] === shape[2] ? 0.5 : 0.2;
  }
  // European national numbers with a trunk 0 (UK, FR, DE…), written in groups of 2–4.
  if (/^0\d{1,4}(?:[ .-]\d{2,4}){1,4}$/.test(candidate) && digits.length >= 10 && digits.length <= 11)
    return 0.5;
  return false;
}

/** The raw length that holds exactly the country's registered number of IBAN characters. */
function ibanPrefix(candidate: string): number {
  const length = c.IBAN_LENGTHS[candidate.slice(0, 2)];
  if (length === undefined) return 0;
  let seen = 0;
  for (let i = 0; i < candidate.length; i++) {
    if (candidate[i] !== ' ') seen++;
    if (seen === length) return candidate[i + 1] === undefined || candidate[i + 1] === ' ' ? i + 1 : 0;
  }
  return 0;
}

export const PII_RECOGNIZERS: readonly Recognizer[] = [
  {
    // Names need NER in free text; in a table the column says it. Capitalised words, no digits, whole value.
    entity: 'PERSON',
    kind: 'pii',
    pattern: /^\p{Lu}[\p{L}'’.-]*(?: \p{Lu}[\p{L}'’.-]*){0,3}$/gu,
    score: 0.25,
    context: [
      'name',
      'firstname',
      'lastname',
      'surname',
      'fullname',
      'forename',
      'givenname',
      'patient',
      'customer',
      'employee',
    ],
    negativeContext: [
      'product',
      'file',
      'filename',
      'company',
      'brand',
      'item',
      'model',
      'project',
      'dataset',
      'host',
      'hostname',
      'city',
      'street',
      'country',
      'organisation',
      'organization',
      'org',
      'team',
      'display',
      'user',
      'username',
    ],
    requiresContext: true,
    hintOnly: true,
    applies: (s) => s.digits === 0 && s.upper >= 1 && !s.at,
  },
  {
    entity: 'CREDIT_CARD',
    kind: 'pii',
    pattern: /(?<![\w-])(?:\d[ -]?){11,18}\d(?![\w-])/g,
    score: 1,
    context: ['credit', 'card', 'visa', 'mastercard', 'amex', 'cc', 'payment', 'pan', 'debit'],
    validate: (s) =>
      cardGrouping(s) && isCardNumber(s) && (compact(s).length === 13 || compact(s).length === 19 ? 0.6 : 1),
    applies: atLeastDigits(12),
  },
  {
    entity: 'IBAN_CODE',
    kind: 'pii',
    // Compact, or printed in groups of four: each form has one way to match, so no backtracking blow-up.
    pattern:
      /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![A-Za-z0-9])/g,
    score: 1,
    context: ['iban', 'bank', 'account', 'transfer', 'sepa'],
    refine: ibanPrefix,
    validate: (s) => c.isIban(s.replace(/ /g, '')),
    applies: (s) => s.upper >= 2 && s.digits >= 4,
  },
  {
    entity: 'EMAIL_ADDRESS',
    kind: 'pii',
    pattern:
      /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}][\p{L}\p{N}._%+-]{0,63}@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,24}(?![\p{L}\p{N}_-])/gu,
    score: 0.9,
    context: ['email', 'e-mail', 'mail', 'contact'],
    validate: (s) => !s.includes('..'),
    applies: (s) => s.at,
  },
  {
    entity: 'PHONE_NUMBER',
    kind: 'pii',
    pattern:
      /(?<![\w+.-])(?:(?:\+|00)[1-9]\d{0,2}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}(?![\w-]|\.\d)/g,
    score: 0.5,
    context: ['phone', 'tel', 'telephone', 'mobile', 'cell', 'call', 'fax', 'contact', 'whatsapp', 'sms'],
    negativeContext: [
      'nhs',
      'ssn',
      'iban',
      'account',
      'routing',
      'abn',
      'acn',
      'tfn',
      'medicare',
      'pesel',
      'aadhaar',
      'npi',
      'imei',
      'bsn',
      'id',
      'order',
      'invoice',
    ],
    validate: isPhone,
    applies: atLeastDigits(8),
  },
  {
    entity: 'IP_ADDRESS',
    kind: 'pii',
    pattern: /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g,
    score: 0.7,
    context: ['ip', 'address', 'host', 'client', 'server', 'remote'],
    validate: (s) => isIPv4(s) && !/(^|\.)0\d/.test(s),
    applies: atLeastDigits(4),
  },
  {
    entity: 'IP_ADDRESS',
    kind: 'pii',
    pattern:
      /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,7}|[0-9A-Fa-f]{1,4})(?![\w:])/g,
    score: 0.7,
    context: ['ip', 'ipv6', 'address', 'host', 'client'],
    validate: (s) => isIPv6(s) && (s.match(/:/g)?.length ?? 0) >= 3,
    applies: (s) => s.colon,
  },
  {
    entity: 'MAC_ADDRESS',
    kind: 'pii',
    pattern:
      /(?<![\w:-])(?:[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![\w:-])/g,
    score: 0.8,
    context: ['mac', 'device', 'hardware', 'ethernet', 'wifi', 'bssid'],
    validate: (s) => !/^(?:0{2}[:.-]?)+0{2}$|^(?:ff[:.-]?)+ff$/i.test(s) && /[:-]/.test(s) !== /\./.test(s),
    applies: (s) => s.colon || s.dashes || s.digits >= 4,
  },
  {
    entity: 'URL',
    kind: 'pii',
    pattern: /\b(?:https?|ftp):\/\/[^\s"'<>()[\]{}]+[^\s"'<>()[\]{}.,;:!?]/g,
    score: 0.6,
    context: ['url', 'website', 'link', 'site', 'profile'],
    applies: (s) => s.colon,
  },
  {
    entity: 'CRYPTO',
    kind: 'pii',
    pattern:
      /(?<![A-Za-z0-9])(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|(?:bc|tb|BC|TB)1[02-9ac-hj-np-zAC-HJ-NP-Z]{11,87})(?![A-Za-z0-9])/g,
    score: 1,
    context: ['bitcoin', 'btc', 'wallet', 'crypto', 'address'],
    validate: (s) => (s[0] === '1' || s[0] === '3' ? isBase58CheckAddress(s) : isBech32Address(s)),
    applies: atLeastDigits(1),
  },
  {
    entity: 'CRYPTO',
    kind: 'pii',
    pattern: /(?<![A-Za-z0-9])0x[0-9a-fA-F]{40}(?![A-Za-z0-9])/g,
    score: 0.6,
    context: ['ethereum', 'eth', 'wallet', 'crypto', 'address', 'erc20'],
    validate: (s) => /[a-fA-F]/.test(s.slice(2)) && /\d/.test(s.slice(2)),
    applies: atLeastDigits(3),
  },
  {
    entity: 'DATE_TIME',
    kind: 'pii',
    pattern: new RegExp(
      `(?<![\\w/.-])(?:\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?|\\d{1,2}([/.-])\\d{1,2}\\1\\d{4}|\\d{1,2}\\s+${MONTH_NAMES}\\s+\\d{4}|${MONTH_NAMES}\\s+\\d{1,2},?\\s+\\d{4})(?![\\w/-]|\\.\\d)`,
      'gi',
    ),
    score: 0.6,
    context: [
      'born',
      'birth',
      'dob',
      'date',
      'birthday',
      'admitted',
      'admission',
      'discharged',
      'died',
      'death',
    ],
    validate: isCalendarDate,
    applies: atLeastDigits(5),
  },
];
