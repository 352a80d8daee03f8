import * as c from '../detect/checksums.ts';
import type { SeededRandom } from './random.ts';

/**
 * Generators of real-format identifiers for the labelled corpus: `valid` passes the issuer's check, `invalid` has
 * the same shape with a wrong check digit (a look-alike that must not be reported). `context` are the words people
 * write next to the identifier; `standalone` types are recognisable without them.
 */
export interface IdentifierKind {
  readonly entity: string;
  readonly valid: (r: SeededRandom) => string;
  readonly invalid?: (r: SeededRandom) => string;
  readonly context: readonly string[];
  readonly standalone: boolean;
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function bump(s: string, index: number): string {
  const ch = s[index] ?? '0';
  const next =
    ch >= '0' && ch <= '9'
      ? String((Number(ch) + 1) % 10)
      : ch === 'Z'
        ? 'A'
        : String.fromCharCode(ch.charCodeAt(0) + 1);
  return s.slice(0, index) + next + s.slice(index + 1);
}

/** Changes the last digit (the check digit in most schemes), keeping the separators. */
function wrongLast(s: string): string {
  for (let i = s.length - 1; i >= 0; i--) if (/[0-9A-Z]/.test(s[i] ?? '')) return bump(s, i);
  return s;
}

function group(d: string, sizes: readonly number[], sep: string): string {
  const out: string[] = [];
  let i = 0;
  for (const n of sizes) {
    out.push(d.slice(i, i + n));
    i += n;
  }
  return out.join(sep);
}

function card(r: SeededRandom): string {
  const [prefix, length, sizes] = r.pick([
    ['4', 16, [4, 4, 4, 4]],
    ['51', 16, [4, 4, 4, 4]],
    ['55', 16, [4, 4, 4, 4]],
    ['2221', 16, [4, 4, 4, 4]],
    ['37', 15, [4, 6, 5]],
    ['34', 15, [4, 6, 5]],
    ['6011', 16, [4, 4, 4, 4]],
    ['3530', 16, [4, 4, 4, 4]],
    ['4', 19, [4, 4, 4, 4, 3]],
  ] as const);
  const body = prefix + r.digits(length - prefix.length - 1);
  const number = body + c.luhnCheckDigit(body);
  return group(number, sizes, r.pick([' ', '-', '']));
}

function iban(r: SeededRandom): string {
  const [country, bban] = r.pick([
    ['DE', () => r.digits(18)],
    ['GB', () => `${r.chars(UPPER, 4)}${r.digits(14)}`],
    ['FR', () => `${r.digits(10)}${r.chars(`${UPPER}0123456789`, 11)}${r.digits(2)}`],
    ['ES', () => r.digits(20)],
    ['NL', () => `${r.chars(UPPER, 4)}${r.digits(10)}`],
    ['IT', () => `${r.chars(UPPER, 1)}${r.digits(10)}${r.digits(12)}`],
    ['BE', () => r.digits(12)],
    ['CH', () => r.digits(17)],
  ] as const);
  const b = bban();
  const value = `${country}${c.ibanCheckDigits(country, b)}${b}`;
  return r.next() < 0.5 ? value : (value.match(/.{1,4}/g) ?? []).join(' ');
}

function ssnDigits(r: SeededRandom): string {
  for (;;) {
    const d = `${r.int(1, 899).toString().padStart(3, '0')}${r.int(1, 99).toString().padStart(2, '0')}${r.int(1, 9999).toString().padStart(4, '0')}`;
    if (c.isSsn(d)) return d;
  }
}

function retry(r: SeededRandom, make: (r: SeededRandom) => string, ok: (s: string) => boolean): string {
  for (;;) {
    const s = make(r);
    if (ok(s)) return s;
  }
}

function date(r: SeededRandom) {
  return { y: r.int(1940, 2005), m: r.int(1, 12), d: r.int(1, 28) };
}

const p2 = (n: number) => n.toString().padStart(2, '0');

export const IDENTIFIERS: readonly IdentifierKind[] = [
  {
    entity: 'CREDIT_CARD',
    valid: card,
    invalid: (r) => wrongLast(card(r)),
    context: ['card number', 'credit card', 'Visa', 'paid with card', 'cc'],
    standalone: true,
  },
  {
    entity: 'IBAN_CODE',
    valid: iban,
    invalid: (r) => wrongLast(iban(r)),
    context: ['IBAN', 'bank account', 'wire to'],
    standalone: true,
  },
  {
    entity: 'US_SSN',
    valid: (r) => group(ssnDigits(r), [3, 2, 4], '-'),
    invalid: (r) =>
      `${r.pick(['000', '666', '900', '987'])}-${r.pick(['12', '34', '00', '45'])}-${r.digits(4)}`,
    context: ['SSN', 'social security number', 'SSN#'],
    standalone: true,
  },
  {
    entity: 'US_ITIN',
    valid: (r) =>
      `9${r.digits(2)}-${r.pick(['70', '78', '88', '90', '94', '99', '50', '65'])}-${r.digits(4)}`,
    invalid: (r) => `9${r.digits(2)}-${r.pick(['12', '30', '69', '89', '93'])}-${r.digits(4)}`,
    context: ['ITIN', 'taxpayer identification number'],
    standalone: true,
  },
  {
    entity: 'ABA_ROUTING_NUMBER',
    valid: (r) => retry(r, (q) => `0${q.int(1, 9)}${q.digits(7)}`, c.isAbaRouting),
    invalid: (r) =>
      retry(
        r,
        (q) => `0${q.int(1, 9)}${q.digits(7)}`,
        (s) => !c.isAbaRouting(s),
      ),
    context: ['routing number', 'ABA', 'RTN'],
    standalone: false,
  },
  {
    entity: 'UK_NHS',
    valid: (r) =>
      group(
        retry(r, (q) => q.digits(10), c.isNhs),
        [3, 3, 4],
        r.pick([' ', '', '-']),
      ),
    invalid: (r) =>
      group(
        retry(
          r,
          (q) => q.digits(10),
          (s) => !c.isNhs(s),
        ),
        [3, 3, 4],
        ' ',
      ),
    context: ['NHS number', 'NHS no', 'patient NHS'],
    standalone: false,
  },
  {
    entity: 'UK_NINO',
    valid: (r) => {
      const s = `${r.pick(['A', 'B', 'C', 'E', 'H', 'J', 'K', 'L', 'P', 'R', 'S', 'W'])}${r.pick(['A', 'B', 'C', 'E', 'H', 'J', 'L', 'M', 'R', 'S', 'W', 'Y'])}${r.digits(6)}${r.pick(['A', 'B', 'C', 'D'])}`;
      return r.next() < 0.5
        ? s
        : `${s.slice(0, 2)} ${s.slice(2, 4)} ${s.slice(4, 6)} ${s.slice(6, 8)} ${s[8]}`;
    },
    invalid: (r) => `${r.pick(['GB', 'BG', 'NK', 'TN', 'DQ', 'FO'])}${r.digits(6)}${r.pick(['A', 'E', 'Z'])}`,
    context: ['National Insurance number', 'NI number', 'NINO'],
    standalone: true,
  },
  {
    entity: 'ES_NIF',
    valid: (r) => {
      const n = r.digits(8);
      return `${n}${r.pick(['', '-'])}${c.spanishIdLetter(n)}`;
    },
    invalid: (r) => {
      const n = r.digits(8);
      return `${n}${'TRWAGMYFPDXBNJZSQVHLCKE'[(Number(n) + 1) % 23]}`;
    },
    context: ['DNI', 'NIF'],
    standalone: true,
  },
  {
    entity: 'ES_NIE',
    valid: (r) => {
      const p = r.pick(['X', 'Y', 'Z']);
      const n = r.digits(7);
      return `${p}${n}${c.spanishIdLetter(`${'XYZ'.indexOf(p)}${n}`)}`;
    },
    invalid: (r) => {
      const p = r.pick(['X', 'Y', 'Z']);
      const n = r.digits(7);
      return `${p}${n}${'TRWAGMYFPDXBNJZSQVHLCKE'[(Number(`${'XYZ'.indexOf(p)}${n}`) + 5) % 23]}`;
    },
    context: ['NIE'],
    standalone: true,
  },
  {
    entity: 'IT_FISCAL_CODE',
    valid: (r) => {
      const { y, m, d } = date(r);
      const body = `${r.chars(UPPER, 6)}${p2(y % 100)}${'ABCDEHLMPRST'[m - 1]}${p2(d + r.pick([0, 40]))}${r.chars(UPPER, 1)}${r.digits(3)}`;
      return body + c.italianFiscalCheck(body);
    },
    invalid: (r) => {
      const body = `${r.chars(UPPER, 6)}${r.digits(2)}A${r.digits(2)}${r.chars(UPPER, 1)}${r.digits(3)}`;
      return body + String.fromCharCode(65 + ((c.italianFiscalCheck(body).charCodeAt(0) - 64) % 26));
    },
    context: ['codice fiscale', 'CF'],
    standalone: true,
  },
  {
    entity: 'PL_PESEL',
    valid: (r) => {
      const { y, m, d } = date(r);
      const first = `${p2(y % 100)}${p2(m + (y >= 2000 ? 20 : 0))}${p2(d)}${r.digits(4)}`;
      return first + c.peselCheckDigit(first);
    },
    invalid: (r) => {
      const first = `${p2(r.int(40, 99))}${p2(r.int(1, 12))}${p2(r.int(1, 28))}${r.digits(4)}`;
      return first + ((c.peselCheckDigit(first) + 3) % 10);
    },
    context: ['PESEL'],
    standalone: false,
  },
  {
    entity: 'FI_PERSONAL_IDENTITY_CODE',
    valid: (r) => {
      const { y, m, d } = date(r);
      const n = r.digits(3);
      return `${p2(d)}${p2(m)}${p2(y % 100)}${y >= 2000 ? 'A' : '-'}${n}${c.finnishCheckChar(`${p2(d)}${p2(m)}${p2(y % 100)}${n}`)}`;
    },
    invalid: (r) => `${p2(r.int(1, 28))}${p2(r.int(1, 12))}${r.digits(2)}-${r.digits(3)}Z`,
    context: ['henkilötunnus', 'HETU'],
    standalone: true,
  },
  {
    entity: 'SG_NRIC_FIN',
    valid: (r) => {
      const p = r.pick(['S', 'T', 'F', 'G']);
      const d = r.digits(7);
      return `${p}${d}${c.singaporeCheckLetter(p, d)}`;
    },
    invalid: (r) => {
      const p = r.pick(['S', 'T']);
      const d = r.digits(7);
      const right = c.singaporeCheckLetter(p, d) ?? 'A';
      return `${p}${d}${right === 'B' ? 'C' : 'B'}`;
    },
    context: ['NRIC', 'FIN'],
    standalone: true,
  },
  {
    entity: 'AU_ABN',
    valid: (r) =>
      group(
        retry(r, (q) => `${q.int(1, 9)}${q.digits(10)}`, c.isAbn),
        [2, 3, 3, 3],
        ' ',
      ),
    invalid: (r) =>
      group(
        retry(
          r,
          (q) => `${q.int(1, 9)}${q.digits(10)}`,
          (s) => !c.isAbn(s),
        ),
        [2, 3, 3, 3],
        ' ',
      ),
    context: ['ABN', 'Australian Business Number'],
    standalone: true,
  },
  {
    entity: 'AU_ACN',
    valid: (r) => {
      const d = r.digits(8);
      return group(`${d}${c.acnCheckDigit(d)}`, [3, 3, 3], r.pick([' ', '']));
    },
    invalid: (r) => {
      const d = r.digits(8);
      return group(`${d}${(c.acnCheckDigit(d) + 1) % 10}`, [3, 3, 3], ' ');
    },
    context: ['ACN', 'Australian Company Number'],
    standalone: false,
  },
  {
    entity: 'AU_TFN',
    valid: (r) =>
      group(
        retry(r, (q) => q.digits(9), c.isTfn),
        [3, 3, 3],
        r.pick([' ', '']),
      ),
    invalid: (r) =>
      group(
        retry(
          r,
          (q) => q.digits(9),
          (s) => !c.isTfn(s) && !c.isAcn(s),
        ),
        [3, 3, 3],
        ' ',
      ),
    context: ['TFN', 'tax file number'],
    standalone: false,
  },
  {
    entity: 'AU_MEDICARE',
    valid: (r) => {
      const s = retry(r, (q) => `${q.int(2, 6)}${q.digits(9)}`, c.isMedicare);
      return r.next() < 0.5 ? s : `${s.slice(0, 4)} ${s.slice(4, 9)} ${s.slice(9)}`;
    },
    invalid: (r) =>
      retry(
        r,
        (q) => `${q.int(2, 6)}${q.digits(9)}`,
        (s) => !c.isMedicare(s),
      ),
    context: ['Medicare card', 'Medicare number'],
    standalone: false,
  },
  {
    entity: 'IN_PAN',
    valid: (r) =>
      `${r.chars(UPPER, 3)}${r.pick(['P', 'C', 'H', 'F', 'A', 'T'])}${r.chars(UPPER, 1)}${r.digits(4)}${r.chars(UPPER, 1)}`,
    invalid: (r) =>
      `${r.chars(UPPER, 3)}${r.pick(['D', 'E', 'K', 'M'])}${r.chars(UPPER, 1)}${r.digits(4)}${r.chars(UPPER, 1)}`,
    context: ['PAN', 'permanent account number'],
    standalone: true,
  },
  {
    entity: 'IN_AADHAAR',
    valid: (r) => {
      const p = `${r.int(2, 9)}${r.digits(10)}`;
      return group(`${p}${c.verhoeffCheckDigit(p)}`, [4, 4, 4], r.pick([' ', '', '-']));
    },
    invalid: (r) => {
      const p = `${r.int(2, 9)}${r.digits(10)}`;
      return group(`${p}${(c.verhoeffCheckDigit(p) + 1) % 10}`, [4, 4, 4], ' ');
    },
    context: ['Aadhaar', 'Aadhaar no', 'UIDAI'],
    standalone: false,
  },
  {
    entity: 'IN_GSTIN',
    valid: (r) => {
      const body = `${p2(r.int(1, 37))}${r.chars(UPPER, 5)}${r.digits(4)}${r.chars(UPPER, 1)}${r.int(1, 9)}Z`;
      return body + c.gstinCheckChar(body);
    },
    invalid: (r) => {
      const body = `${p2(r.int(1, 37))}${r.chars(UPPER, 5)}${r.digits(4)}${r.chars(UPPER, 1)}${r.int(1, 9)}Z`;
      const good = c.gstinCheckChar(body);
      return body + (good === 'A' ? 'B' : 'A');
    },
    context: ['GSTIN', 'GST number'],
    standalone: true,
  },
  {
    entity: 'KR_RRN',
    valid: (r) => {
      const { y, m, d } = date(r);
      const first = `${p2(y % 100)}${p2(m)}${p2(d)}${y >= 2000 ? r.pick([3, 4]) : r.pick([1, 2])}${r.digits(5)}`;
      return `${first.slice(0, 6)}-${first.slice(6)}${c.koreanRrnCheckDigit(first)}`;
    },
    invalid: (r) => {
      const first = `${p2(r.int(40, 99))}${p2(r.int(1, 12))}${p2(r.int(1, 28))}${r.pick([1, 2])}${r.digits(5)}`;
      return `${first.slice(0, 6)}-${first.slice(6)}${(c.koreanRrnCheckDigit(first) + 1) % 10}`;
    },
    context: ['주민등록번호', 'resident registration number'],
    standalone: true,
  },
  {
    entity: 'TH_TNIN',
    valid: (r) => {
      const first = `${r.int(1, 8)}${r.digits(11)}`;
      const s = `${first}${c.thaiCheckDigit(first)}`;
      return r.next() < 0.5 ? s : `${s[0]}-${s.slice(1, 5)}-${s.slice(5, 10)}-${s.slice(10, 12)}-${s[12]}`;
    },
    invalid: (r) => {
      const first = `${r.int(1, 8)}${r.digits(11)}`;
      return `${first}${(c.thaiCheckDigit(first) + 1) % 10}`;
    },
    context: ['Thai national ID', 'citizen ID'],
    standalone: false,
  },
  {
    entity: 'DE_TAX_ID',
    valid: (r) =>
      group(
        retry(r, (q) => `${q.int(1, 9)}${q.digits(10)}`, c.isGermanTaxId),
        [2, 3, 3, 3],
        r.pick([' ', '']),
      ),
    invalid: (r) =>
      retry(
        r,
        (q) => `${q.int(1, 9)}${q.digits(10)}`,
        (s) => !c.isGermanTaxId(s),
      ),
    context: ['Steuer-ID', 'Steueridentifikationsnummer', 'IdNr'],
    standalone: false,
  },
  {
    entity: 'FR_NIR',
    valid: (r) => {
      const body = `${r.int(1, 2)}${p2(r.int(40, 99))}${p2(r.int(1, 12))}${p2(r.int(1, 95))}${r.digits(3)}${r.digits(3)}`;
      const s = `${body}${c.frenchNirKey(body)}`;
      return r.next() < 0.5
        ? s
        : `${s[0]} ${s.slice(1, 3)} ${s.slice(3, 5)} ${s.slice(5, 7)} ${s.slice(7, 10)} ${s.slice(10, 13)} ${s.slice(13)}`;
    },
    invalid: (r) => {
      const body = `${r.int(1, 2)}${p2(r.int(40, 99))}${p2(r.int(1, 12))}${p2(r.int(1, 95))}${r.digits(6)}`;
      return `${body}${p2((Number(c.frenchNirKey(body)) % 96) + 1)}`;
    },
    context: ['numéro de sécurité sociale', 'NIR', 'INSEE'],
    standalone: true,
  },
  {
    entity: 'NL_BSN',
    valid: (r) => retry(r, (q) => `${q.int(1, 6)}${q.digits(8)}`, c.isDutchBsn),
    invalid: (r) =>
      retry(
        r,
        (q) => `${q.int(1, 6)}${q.digits(8)}`,
        (s) => !c.isDutchBsn(s),
      ),
    context: ['BSN', 'burgerservicenummer'],
    standalone: false,
  },
  {
    entity: 'VIN',
    valid: (r) => {
      const s = r.chars('ABCDEFGHJKLMNPRSTUVWXYZ0123456789', 17);
      const fixed = `${r.int(1, 5)}${s.slice(1, 8)}0${s.slice(9, 13)}${r.digits(4)}`;
      return `${fixed.slice(0, 8)}${c.vinCheckChar(fixed)}${fixed.slice(9)}`;
    },
    invalid: (r) => {
      const s = `${r.int(1, 5)}${r.chars('ABCDEFGHJKLMNPRSTUVWXYZ0123456789', 7)}0${r.chars('ABCDEFGHJKLMNPRSTUVWXYZ', 4)}${r.digits(4)}`;
      const check = c.vinCheckChar(s);
      return `${s.slice(0, 8)}${check === '1' ? '2' : '1'}${s.slice(9)}`;
    },
    context: ['VIN', 'vehicle identification number'],
    standalone: true,
  },
  {
    entity: 'IMEI',
    valid: (r) => {
      const p = `${r.pick(['35', '86', '01', '99'])}${r.digits(12)}`;
      return `${p}${c.luhnCheckDigit(p)}`;
    },
    invalid: (r) => {
      const p = `${r.pick(['35', '86'])}${r.digits(12)}`;
      return `${p}${(c.luhnCheckDigit(p) + 1) % 10}`;
    },
    context: ['IMEI', 'device IMEI'],
    standalone: false,
  },
  {
    entity: 'BE_NATIONAL_NUMBER',
    valid: (r) => {
      const { y, m, d } = date(r);
      const body = `${p2(y % 100)}${p2(m)}${p2(d)}${r.digits(3)}`;
      const check = p2(97 - (Number(`${y >= 2000 ? '2' : ''}${body}`) % 97));
      return `${body.slice(0, 2)}.${body.slice(2, 4)}.${body.slice(4, 6)}-${body.slice(6)}.${check}`;
    },
    invalid: (r) => {
      const body = `${p2(r.int(40, 99))}${p2(r.int(1, 12))}${p2(r.int(1, 28))}${r.digits(3)}`;
      const check = p2(((97 - (Number(body) % 97)) % 96) + 1);
      return `${body.slice(0, 2)}.${body.slice(2, 4)}.${body.slice(4, 6)}-${body.slice(6)}.${check}`;
    },
    context: ['rijksregisternummer', 'numéro de registre national'],
    standalone: true,
  },
  {
    entity: 'US_NPI',
    valid: (r) =>
      retry(
        r,
        (q) => `${q.int(1, 2)}${q.digits(9)}`,
        (s) => c.isLuhn(`80840${s}`),
      ),
    invalid: (r) =>
      retry(
        r,
        (q) => `${q.int(1, 2)}${q.digits(9)}`,
        (s) => !c.isLuhn(`80840${s}`),
      ),
    context: ['NPI', 'provider NPI'],
    standalone: false,
  },
  {
    entity: 'EMAIL_ADDRESS',
    valid: (r) =>
      `${r.pick(['j.smith', 'maria_garcia', 'li.wei+news', 'o.connor', 'ana-sofia', 'k9user'])}${r.int(1, 99)}@${r.pick(['example.com', 'mail.co.uk', 'uni-heidelberg.de', 'corp.example.org', 'gmail.com'])}`,
    invalid: (r) =>
      `${r.pick(['@username', 'user@', 'user@@host.com', 'name at example dot com'])}${r.int(1, 9)}`,
    context: ['email', 'e-mail', 'contact'],
    standalone: true,
  },
  {
    entity: 'PHONE_NUMBER',
    valid: (r) =>
      r.pick([
        () => `+1 (${r.int(2, 9)}${r.digits(2)}) ${r.int(2, 9)}${r.digits(2)}-${r.digits(4)}`,
        () => `(${r.int(2, 9)}${r.digits(2)}) ${r.int(2, 9)}${r.digits(2)}-${r.digits(4)}`,
        () => `${r.int(2, 9)}${r.digits(2)}-${r.int(2, 9)}${r.digits(2)}-${r.digits(4)}`,
        () => `${r.int(2, 9)}${r.digits(2)}.${r.int(2, 9)}${r.digits(2)}.${r.digits(4)}`,
        () => `+44 20 ${r.digits(4)} ${r.digits(4)}`,
        () => `+44 7${r.digits(3)} ${r.digits(6)}`,
        () => `020 ${r.digits(4)} ${r.digits(4)}`,
        () => `+49 30 ${r.digits(8)}`,
        () => `+33 1 ${r.digits(2)} ${r.digits(2)} ${r.digits(2)} ${r.digits(2)}`,
        () => `+91 9${r.digits(4)} ${r.digits(5)}`,
        () => `0033 6 ${r.digits(2)} ${r.digits(2)} ${r.digits(2)} ${r.digits(2)}`,
      ])(),
    invalid: (r) =>
      r.pick([
        `${r.digits(3)}-${r.digits(2)}`,
        `${r.int(2000, 2024)}-${r.int(2000, 2024)}`,
        `1-${r.digits(3)}`,
      ]),
    context: ['phone', 'tel', 'mobile', 'call me at'],
    standalone: true,
  },
  {
    entity: 'IP_ADDRESS',
    valid: (r) =>
      r.pick([
        () => `${r.int(1, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
        () => `2001:db8:${r.int(1, 0xffff).toString(16)}::${r.int(1, 0xffff).toString(16)}`,
        () =>
          `fe80::${r.int(1, 0xffff).toString(16)}:${r.int(1, 0xffff).toString(16)}:${r.int(1, 0xffff).toString(16)}:${r.int(1, 0xffff).toString(16)}`,
      ])(),
    invalid: (r) => `${r.int(256, 999)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(0, 255)}`,
    context: ['IP', 'client address', 'from host'],
    standalone: true,
  },
  {
    entity: 'MAC_ADDRESS',
    valid: (r) => {
      const parts = Array.from({ length: 6 }, () => r.chars('0123456789abcdef', 2));
      return r.pick([
        parts.join(':'),
        parts.join('-').toUpperCase(),
        `${parts[0]}${parts[1]}.${parts[2]}${parts[3]}.${parts[4]}${parts[5]}`,
      ]);
    },
    invalid: (r) =>
      `${r.chars('0123456789abcdef', 2)}:${r.chars('0123456789abcdef', 2)}:${r.chars('0123456789abcdef', 2)}`,
    context: ['MAC', 'device MAC'],
    standalone: true,
  },
  {
    entity: 'URL',
    valid: (r) =>
      `https://${r.pick(['www.example.com', 'social.example.net', 'blog.example.org'])}/${r.pick(['u', 'profile', 'p'])}/${r.chars(ALNUM, 8)}`,
    invalid: (r) => `www.${r.chars('abcdefghij', 6)}`,
    context: ['profile', 'website'],
    standalone: true,
  },
  {
    entity: 'DATE_TIME',
    valid: (r) => {
      const { y, m, d } = date(r);
      return r.pick([
        `${y}-${p2(m)}-${p2(d)}`,
        `${p2(d)}/${p2(m)}/${y}`,
        `${m}/${d}/${y}`,
        `${d} ${r.pick(['March', 'Jan', 'October', 'July'])} ${y}`,
        `${r.pick(['March', 'Sept.', 'December', 'May'])} ${d}, ${y}`,
        `${y}-${p2(m)}-${p2(d)}T${p2(r.int(0, 23))}:${p2(r.int(0, 59))}:00Z`,
      ]);
    },
    invalid: (r) =>
      r.pick([
        `${r.int(1990, 2020)}-13-${p2(r.int(1, 28))}`,
        `31/02/${r.int(1990, 2020)}`,
        `${r.int(1990, 2020)}-${p2(r.int(1, 12))}-32`,
      ]),
    context: ['born', 'date of birth', 'DOB', 'admitted on'],
    standalone: true,
  },
  {
    entity: 'CRYPTO',
    valid: (r) =>
      r.pick([
        '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
        '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
        'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
        'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
        `0x${r.chars('0123456789abcdef', 20)}${r.chars('0123456789ABCDEF', 20)}`,
      ]),
    invalid: (r) =>
      r.pick([
        '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb',
        '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz',
        'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr',
        `0x${r.chars('0123456789abcdef', 38)}`,
      ]),
    context: ['BTC wallet', 'send bitcoin to', 'ETH address'],
    standalone: true,
  },
];
