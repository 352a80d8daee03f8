/**
 * Check-digit algorithms of the identifiers Palisade recognizes. Each `is…` takes the identifier with separators
 * already removed and returns whether its check digits are right; each `…CheckDigit` computes the digit (used by
 * the synthetic replacement and the corpus generator). Public test vectors are in checksums.test.ts.
 */

function digitsOf(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i) - 48);
  return out;
}

function allDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return text.length > 0;
}

/** Luhn (ISO/IEC 7812-1): payment cards, IMEI, NPI. */
export function isLuhn(digits: string): boolean {
  if (!allDigits(digits) || digits.length < 2) return false;
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function luhnCheckDigit(payload: string): number {
  for (let d = 0; d <= 9; d++) if (isLuhn(`${payload}${d}`)) return d;
  throw new Error('unreachable');
}

/** ISO 7064 MOD 97-10 over an alphanumeric string (letters A=10 … Z=35), computed piecewise to stay in range. */
export function mod97(text: string): number {
  let rest = 0;
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    const value = c >= 65 && c <= 90 ? c - 55 : c - 48;
    rest = value >= 10 ? (rest * 100 + value) % 97 : (rest * 10 + value) % 97;
  }
  return rest;
}

/** IBAN lengths by country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** IBAN (ISO 13616): known country, its registered length, and MOD 97-10 of the rearranged string equal to 1. */
export function isIban(compact: string): boolean {
  const iban = compact.toUpperCase();
  const length = IBAN_LENGTHS[iban.slice(0, 2)];
  if (length === undefined || iban.length !== length || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  return mod97(iban.slice(4) + iban.slice(0, 4)) === 1;
}

export function ibanCheckDigits(country: string, bban: string): string {
  const check = 98 - mod97(`${bban}${country}00`);
  return check.toString().padStart(2, '0');
}

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const VERHOEFF_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

function verhoeffState(digits: string, offset: number): number {
  let c = 0;
  const n = digits.length;
  for (let i = 0; i < n; i++) {
    const d = digits.charCodeAt(n - 1 - i) - 48;
    c = VERHOEFF_D[c]?.[VERHOEFF_P[(i + offset) % 8]?.[d] ?? 0] ?? 0;
  }
  return c;
}

/** Verhoeff dihedral-group check (Aadhaar). */
export function isVerhoeff(digits: string): boolean {
  return allDigits(digits) && verhoeffState(digits, 0) === 0;
}

export function verhoeffCheckDigit(payload: string): number {
  return VERHOEFF_INV[verhoeffState(payload, 1)] ?? 0;
}

function weightedSum(digits: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits[i] ?? 0) * (weights[i] ?? 0);
  return sum;
}

/** UK NHS number: MOD 11 with weights 10…2; a remainder giving 10 is never issued. */
export function nhsCheckDigit(payload: string): number | undefined {
  const check = 11 - (weightedSum(digitsOf(payload), [10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11);
  if (check === 10) return undefined;
  return check === 11 ? 0 : check;
}

export function isNhs(digits: string): boolean {
  return allDigits(digits) && digits.length === 10 && nhsCheckDigit(digits.slice(0, 9)) === Number(digits[9]);
}

/** US SSN issuance rules (SSA): area not 000, 666 or 9xx; group not 00; serial not 0000; not a published sample. */
export function isSsn(digits: string): boolean {
  if (!allDigits(digits) || digits.length !== 9) return false;
  const area = digits.slice(0, 3);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (digits.slice(3, 5) === '00' || digits.slice(5) === '0000') return false;
  if (/^(\d)\1{8}$/.test(digits)) return false;
  return digits !== '078051120' && digits !== '219099999' && digits !== '123456789';
}

/** US ITIN: 9xx, group 50–65, 70–88, 90–92 or 94–99 (IRS). */
export function isItin(digits: string): boolean {
  if (!allDigits(digits) || digits.length !== 9 || digits[0] !== '9') return false;
  const group = Number(digits.slice(3, 5));
  return (
    (group >= 50 && group <= 65) ||
    (group >= 70 && group <= 88) ||
    (group >= 90 && group <= 92) ||
    group >= 94
  );
}

/** ABA routing transit number: 3-7-1 weights, MOD 10. */
export function isAbaRouting(digits: string): boolean {
  if (!allDigits(digits) || digits.length !== 9) return false;
  const first = Number(digits.slice(0, 2));
  const validPrefix =
    first <= 12 || (first >= 21 && first <= 32) || (first >= 61 && first <= 72) || first === 80;
  return validPrefix && weightedSum(digitsOf(digits), [3, 7, 1, 3, 7, 1, 3, 7, 1]) % 10 === 0;
}

const NIF_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI/NIF (8 digits + letter) and NIE (X/Y/Z + 7 digits + letter): number MOD 23 picks the letter. */
export function isSpanishId(compact: string): boolean {
  const id = compact.toUpperCase();
  const m = /^([XYZ]?)(\d{7,8})([A-Z])$/.exec(id);
  if (!m) return false;
  const prefix = m[1] ?? '';
  const number = m[2] ?? '';
  if ((prefix === '' && number.length !== 8) || (prefix !== '' && number.length !== 7)) return false;
  const value = Number(`${prefix === '' ? '' : 'XYZ'.indexOf(prefix)}${number}`);
  return NIF_LETTERS[value % 23] === m[3];
}

export function spanishIdLetter(number: string): string {
  return NIF_LETTERS[Number(number) % 23] ?? 'T';
}

/** Values of characters in odd positions (1st, 3rd…); digits take the values of A…J. */
const IT_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

function itValue(ch: string, odd: boolean): number {
  const c = ch.charCodeAt(0);
  const index = c <= 57 ? c - 48 : c - 65;
  return odd ? (IT_ODD[index] ?? 0) : index;
}

/** Italian codice fiscale: 16 characters, the last a check letter from odd/even position tables. */
export function italianFiscalCheck(first15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) sum += itValue(first15[i] ?? '0', i % 2 === 0);
  return String.fromCharCode(65 + (sum % 26));
}

export function isItalianFiscalCode(compact: string): boolean {
  const id = compact.toUpperCase();
  if (!/^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/.test(id))
    return false;
  return italianFiscalCheck(id.slice(0, 15)) === id[15];
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

/** Polish PESEL: date of birth with the century in the month, weights 1-3-7-9, MOD 10. */
export function isPesel(digits: string): boolean {
  if (!allDigits(digits) || digits.length !== 11) return false;
  const d = digitsOf(digits);
  const check = (10 - (weightedSum(d, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10)) % 10;
  if (check !== d[10]) return false;
  const rawMonth = Number(digits.slice(2, 4));
  const century = [1900, 2000, 2100, 2200, 1800][Math.floor(rawMonth / 20)];
  if (century === undefined) return false;
  return validDate(century + Number(digits.slice(0, 2)), rawMonth % 20, Number(digits.slice(4, 6)));
}

export function peselCheckDigit(first10: string): number {
  return (10 - (weightedSum(digitsOf(first10), [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10)) % 10;
}

const FI_CHECK = '0123456789ABCDEFHJKLMNPRSTUVWXY';
const FI_CENTURY: Readonly<Record<string, number>> = {
  '+': 1800,
  '-': 1900,
  Y: 1900,
  X: 1900,
  W: 1900,
  V: 1900,
  U: 1900,
  A: 2000,
  B: 2000,
  C: 2000,
  D: 2000,
  E: 2000,
  F: 2000,
};

/** Finnish henkilötunnus: DDMMYY, century sign, individual number, MOD 31 check character. */
export function isFinnishId(compact: string): boolean {
  const m = /^(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])$/.exec(compact.toUpperCase());
  if (!m) return false;
  const century = FI_CENTURY[m[4] ?? ''];
  if (century === undefined || !validDate(century + Number(m[3]), Number(m[2]), Number(m[1]))) return false;
  return FI_CHECK[Number(`${m[1]}${m[2]}${m[3]}${m[5]}`) % 31] === m[6];
}

export function finnishCheckChar(dateAndNumber: string): string {
  return FI_CHECK[Number(dateAndNumber) % 31] ?? '0';
}

/** Singapore NRIC/FIN (S, T, F, G prefixes): weights 2-7-6-5-4-3-2, offset by prefix, letter table. */
export function singaporeCheckLetter(prefix: string, digits: string): string | undefined {
  let sum = weightedSum(digitsOf(digits), [2, 7, 6, 5, 4, 3, 2]);
  if (prefix === 'T' || prefix === 'G') sum += 4;
  const table =
    prefix === 'S' || prefix === 'T' ? 'JZIHGFEDCBA' : prefix === 'F' || prefix === 'G' ? 'XWUTRQPNMLK' : '';
  return table[sum % 11];
}

export function isSingaporeId(compact: string): boolean {
  const m = /^([STFG])(\d{7})([A-Z])$/.exec(compact.toUpperCase());
  return m !== null && singaporeCheckLetter(m[1] ?? '', m[2] ?? '') === m[3];
}

/** Australian Business Number: subtract 1 from the first digit, weights 10,1,3…19, MOD 89. */
export function isAbn(digits: string): boolean {
  if (!allDigits(digits) || digits.length !== 11 || digits[0] === '0') return false;
  const d = digitsOf(digits);
  d[0] = (d[0] ?? 0) - 1;
  return weightedSum(d, [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]) % 89 === 0;
}

/** Australian Company Number: weights 8…1, complement of MOD 10. */
export function acnCheckDigit(first8: string): number {
  return (10 - (weightedSum(digitsOf(first8), [8, 7, 6, 5, 4, 3, 2, 1]) % 10)) % 10;
}

export function isAcn(digits: string): boolean {
  return allDigits(digits) && digits.length === 9 && acnCheckDigit(digits.slice(0, 8)) === Number(digits[8]);
}

/** Australian Tax File Number: weights 1,4,3,7,5,8,6,9,10, MOD 11. */
export function isTfn(digits: string): boolean {
  return (
    allDigits(digits) &&
    digits.length === 9 &&
    weightedSum(digitsOf(digits), [1, 4, 3, 7, 5, 8, 6, 9, 10]) % 11 === 0
  );
}

/** Australian Medicare card: first digit 2–6, weights 1-3-7-9, 9th digit = sum MOD 10, then issue number. */
export function isMedicare(digits: string): boolean {
  if (!allDigits(digits) || (digits.length !== 10 && digits.length !== 11)) return false;
  if (digits[0] === undefined || digits[0] < '2' || digits[0] > '6') return false;
  return weightedSum(digitsOf(digits), [1, 3, 7, 9, 1, 3, 7, 9]) % 10 === Number(digits[8]);
}

/** Aadhaar: 12 digits, not starting 0 or 1, Verhoeff check. */
export function isAadhaar(digits: string): boolean {
  return (
    allDigits(digits) && digits.length === 12 && digits[0] !== '0' && digits[0] !== '1' && isVerhoeff(digits)
  );
}

/** Korean resident registration number: YYMMDD, gender/century digit, weights 2…9,2…5, (11 − sum MOD 11) MOD 10. */
export function isKoreanRrn(digits: string): boolean {
  if (!allDigits(digits) || digits.length !== 13) return false;
  const d = digitsOf(digits);
  const century =
    (
      { 1: 1900, 2: 1900, 3: 2000, 4: 2000, 5: 1900, 6: 1900, 7: 2000, 8: 2000, 9: 1800, 0: 1800 } as Record<
        number,
        number
      >
    )[d[6] ?? 0] ?? 1900;
  if (
    !validDate(century + Number(digits.slice(0, 2)), Number(digits.slice(2, 4)), Number(digits.slice(4, 6)))
  )
    return false;
  return (11 - (weightedSum(d, [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]) % 11)) % 10 === d[12];
}

export function koreanRrnCheckDigit(first12: string): number {
  return (11 - (weightedSum(digitsOf(first12), [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]) % 11)) % 10;
}

/** Thai national id: 13 digits, weights 13…2, (11 − sum MOD 11) MOD 10. */
export function thaiCheckDigit(first12: string): number {
  return (11 - (weightedSum(digitsOf(first12), [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11)) % 10;
}

export function isThaiId(digits: string): boolean {
  return (
    allDigits(digits) &&
    digits.length === 13 &&
    digits[0] !== '0' &&
    thaiCheckDigit(digits.slice(0, 12)) === Number(digits[12])
  );
}

/** ISO 7064 MOD 11,10 (German Steuer-ID). */
export function mod1110CheckDigit(payload: string): number {
  let product = 10;
  for (let i = 0; i < payload.length; i++) {
    let sum = (payload.charCodeAt(i) - 48 + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = 11 - product;
  return check === 10 ? 0 : check;
}

/** German Steuer-ID: 11 digits, first not 0, one digit repeated in the first ten, MOD 11,10 check. */
export function isGermanTaxId(digits: string): boolean {
  if (!allDigits(digits) || digits.length !== 11 || digits[0] === '0') return false;
  const counts = new Map<string, number>();
  for (const ch of digits.slice(0, 10)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const repeated = [...counts.values()].filter((n) => n > 1);
  if (repeated.length !== 1 || (repeated[0] ?? 0) > 3) return false;
  return mod1110CheckDigit(digits.slice(0, 10)) === Number(digits[10]);
}

/** French NIR (numéro de sécurité sociale): 13 characters (2A/2B for Corsica) + key = 97 − (number MOD 97). */
export function isFrenchNir(compact: string): boolean {
  const m = /^([12])(\d{2})(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2[AB])(\d{6})(\d{2})$/.exec(compact.toUpperCase());
  if (!m) return false;
  const body = `${m[1]}${m[2]}${m[3]}${m[4]}${m[5]}`.replace('2A', '19').replace('2B', '18');
  return 97 - Number(BigInt(body) % 97n) === Number(m[6]);
}

export function frenchNirKey(body13: string): string {
  return (97 - Number(BigInt(body13) % 97n)).toString().padStart(2, '0');
}

/** Dutch BSN: the "elfproef" (weights 9…2 and −1, MOD 11 = 0). */
export function isDutchBsn(digits: string): boolean {
  if (!allDigits(digits) || digits.length !== 9 || digits === '000000000') return false;
  const d = digitsOf(digits);
  return (weightedSum(d, [9, 8, 7, 6, 5, 4, 3, 2]) - (d[8] ?? 0)) % 11 === 0;
}

/** Belgian national register number: YYMMDD + serial, check = 97 − (number MOD 97), with "2" prefixed after 2000. */
export function isBelgianNrn(digits: string): boolean {
  if (!allDigits(digits) || digits.length !== 11) return false;
  const body = digits.slice(0, 9);
  const check = Number(digits.slice(9));
  return 97 - (Number(body) % 97) === check || 97 - (Number(`2${body}`) % 97) === check;
}

const VIN_VALUES: Readonly<Record<string, number>> = Object.fromEntries(
  [...'ABCDEFGHJKLMNPRSTUVWXYZ'].map((ch) => [
    ch,
    [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9][
      'ABCDEFGHJKLMNPRSTUVWXYZ'.indexOf(ch)
    ] ?? 0,
  ]),
);
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** Vehicle identification number (ISO 3779, North American check digit in position 9). */
export function vinCheckChar(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const ch = vin[i] ?? '0';
    const value = ch >= '0' && ch <= '9' ? Number(ch) : (VIN_VALUES[ch] ?? 0);
    sum += value * (VIN_WEIGHTS[i] ?? 0);
  }
  const r = sum % 11;
  return r === 10 ? 'X' : String(r);
}

export function isVin(compact: string): boolean {
  const vin = compact.toUpperCase();
  return (
    /^[A-HJ-NPR-Z0-9]{17}$/.test(vin) && /\d/.test(vin) && /[A-Z]/.test(vin) && vinCheckChar(vin) === vin[8]
  );
}

/** India GSTIN: 2-digit state, PAN, entity number, "Z", base-36 check character. */
export function gstinCheckChar(first14: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const product = alphabet.indexOf(first14[i] ?? '0') * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return alphabet[(36 - (sum % 36)) % 36] ?? '0';
}

export function isGstin(compact: string): boolean {
  const id = compact.toUpperCase();
  if (!/^(0[1-9]|[1-3]\d)[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/.test(id)) return false;
  return gstinCheckChar(id.slice(0, 14)) === id[14];
}
