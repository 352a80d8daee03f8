import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as c from './checksums.ts';
import { isBase58CheckAddress, isBech32Address } from './crypto-address.ts';

// Public examples: issuers' documentation, Wikipedia articles on each scheme, BIP-173/350, NHS Digital.
test('Luhn, IBAN and Verhoeff accept published valid numbers and reject a changed digit', () => {
  assert.ok(c.isLuhn('4111111111111111'));
  assert.ok(c.isLuhn('79927398713'));
  assert.ok(!c.isLuhn('4111111111111112'));
  assert.equal(c.luhnCheckDigit('7992739871'), 3);
  assert.ok(c.isIban('GB82WEST12345698765432'));
  assert.ok(c.isIban('DE89370400440532013000'));
  assert.ok(!c.isIban('GB82WEST12345698765431'));
  assert.ok(!c.isIban('GB82WEST1234569876543'), 'wrong length for GB');
  assert.equal(c.ibanCheckDigits('DE', '370400440532013000'), '89');
  assert.equal(c.verhoeffCheckDigit('236'), 3);
  assert.equal(c.verhoeffCheckDigit('12345'), 1);
  assert.equal(c.verhoeffCheckDigit('142857'), 0);
  assert.ok(c.isVerhoeff('2363'));
  assert.ok(!c.isVerhoeff('2364'));
});

test('national identifiers: published valid examples pass, one changed digit fails', () => {
  const valid: [(s: string) => boolean, string, string][] = [
    [c.isNhs, '9434765919', '9434765918'],
    [c.isAbaRouting, '021000021', '021000022'],
    [c.isSpanishId, '12345678Z', '12345678A'],
    [c.isSpanishId, 'X1234567L', 'X1234567M'],
    [c.isItalianFiscalCode, 'RSSMRA85T10A562S', 'RSSMRA85T10A562T'],
    [c.isPesel, '44051401359', '44051401358'],
    [c.isFinnishId, '131052-308T', '131052-308U'],
    [c.isSingaporeId, 'S1234567D', 'S1234567E'],
    [c.isAbn, '51824753556', '51824753557'],
    [c.isAcn, '004085616', '004085617'],
    [c.isTfn, '123456782', '123456783'],
    [c.isMedicare, '2123456701', '2123456711'],
    [c.isGermanTaxId, '86095742719', '86095742718'],
    [c.isFrenchNir, '255081416802538', '255081416802539'],
    [c.isDutchBsn, '111222333', '111222334'],
    [c.isBelgianNrn, '93051822361', '93051822362'],
    [c.isVin, '1M8GDM9AXKP042788', '1M8GDM9A1KP042788'],
    [c.isGstin, '27AAPFU0939F1ZV', '27AAPFU0939F1ZW'],
  ];
  for (const [name, good, bad] of valid) {
    assert.ok(name(good), `${name.name} ${good}`);
    assert.ok(!name(bad), `${name.name} ${bad}`);
  }
});

test('SSN and ITIN rules follow SSA and IRS allocation', () => {
  assert.ok(c.isSsn('536901234'));
  for (const bad of [
    '000123456',
    '666123456',
    '912345678',
    '536001234',
    '536900000',
    '078051120',
    '111111111',
  ])
    assert.ok(!c.isSsn(bad), bad);
  assert.ok(c.isItin('912701234'));
  assert.ok(!c.isItin('912691234'));
});

test('check-digit generators agree with the validators', () => {
  assert.ok(c.isKoreanRrn(`850101123456${c.koreanRrnCheckDigit('850101123456')}`));
  assert.ok(c.isThaiId(`110170023070${c.thaiCheckDigit('110170023070')}`));
  assert.ok(c.isNhs(`401023213${c.nhsCheckDigit('401023213')}`));
  assert.ok(c.isAadhaar(`23412341234${c.verhoeffCheckDigit('23412341234')}`));
  assert.ok(c.isPesel(`0221030567${c.peselCheckDigit('0221030567')}`), 'born in 2002: month + 20');
  assert.ok(c.isFinnishId(`010190A123${c.finnishCheckChar('010190123')}`));
  assert.ok(c.isFrenchNir(`1850775123456${c.frenchNirKey('1850775123456')}`));
});

test('Bitcoin addresses: Base58Check and Bech32/Bech32m checksums', () => {
  assert.ok(isBase58CheckAddress('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'));
  assert.ok(isBase58CheckAddress('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy'));
  assert.ok(!isBase58CheckAddress('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb'));
  assert.ok(isBech32Address('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'));
  assert.ok(isBech32Address('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0'));
  assert.ok(!isBech32Address('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr'));
});
