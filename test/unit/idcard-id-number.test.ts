import { describe, expect, it } from 'vitest';
import { parseCardDate } from '../../drivers/idcard/card-date.js';
import {
  cardTypeOfNumber,
  checkIdNumber,
  isValidIdNumber,
  matchesRegionPrefix,
  mod112CheckChar,
  normaliseIdNumber,
  regionCodeOf,
} from '../../drivers/idcard/id-number.js';

/**
 * Expected values come from docs/protocols/sam-reader.md §7: the published sample numbers of §7.3
 * (check characters verified there) and check characters worked out by hand with the §7.1 weights.
 */
describe('ID numbers (§7): one module for all four card types', () => {
  it('accepts the official sample numbers of §7.3 for their card types', () => {
    expect(isValidIdNumber('resident', '11010519491231002X')).toBe(true);
    expect(isValidIdNumber('hmt-permit', '810000199408230021')).toBe(true);
    expect(isValidIdNumber('hmt-permit', '830000199201300022')).toBe(true);
    expect(isValidIdNumber('foreign-2023', '932682198501010017')).toBe(true);
    expect(isValidIdNumber('foreign-2023', '911124198108030024')).toBe(true);
  });

  it('computes the MOD 11-2 check character by hand-checked sums', () => {
    // 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → "10X98765432"[2] = X
    expect(mod112CheckChar('11010519491231002')).toBe('X');
    // 8·7+1·9+0+0+0+0+1·2+9·1+9·6+4·3+0·7+8·9+2·10+3·5+0+0+2·2 = 253; 253 mod 11 = 0 → "1"
    expect(mod112CheckChar('81000019940823002')).toBe('1');
    expect(() => mod112CheckChar('1234')).toThrow(RangeError);
  });

  it('accepts lower-case x and normalises it to upper case', () => {
    expect(isValidIdNumber('resident', '11010519491231002x')).toBe(true);
    expect(normaliseIdNumber(' 11010519491231002x ')).toBe('11010519491231002X');
  });

  it('names the problem: empty, format, birth date, check character, region', () => {
    expect(checkIdNumber('resident', '')).toEqual({ valid: false, problem: 'empty' });
    expect(checkIdNumber('resident', '   ')).toEqual({ valid: false, problem: 'empty' });
    expect(checkIdNumber('resident', '11010519491231002')).toEqual({ valid: false, problem: 'format' });
    expect(checkIdNumber('resident', '1101051949123100XX')).toEqual({ valid: false, problem: 'format' });
    expect(checkIdNumber('resident', '110105194912310021')).toEqual({ valid: false, problem: 'check-character' });
    // Birth date 1949-13-31 does not exist, although the check character is right:
    // 1·7+1·9+0+1·5+0+5·4+1·2+9·1+4·6+9·3+1·7+3·9+3·10+1·5+0+0+2·2 = 176; 176 mod 11 = 0 → "1"
    expect(mod112CheckChar('11010519491331002')).toBe('1');
    expect(checkIdNumber('resident', '110105194913310021')).toEqual({ valid: false, problem: 'birth-date' });
    // A resident number with a valid check character is not an HK/Macau/Taiwan permit number.
    expect(checkIdNumber('hmt-permit', '11010519491231002X')).toEqual({ valid: false, problem: 'region' });
  });

  it("2023 foreigners' numbers start with 9 and carry the MOD 11-2 check", () => {
    expect(checkIdNumber('foreign-2023', '11010519491231002X')).toEqual({ valid: false, problem: 'format' });
    expect(checkIdNumber('foreign-2023', '932682198501010018')).toEqual({ valid: false, problem: 'check-character' });
  });

  it("2017 foreigners' numbers: 3 letters + 12 digits, no check character", () => {
    expect(isValidIdNumber('foreign-2017', 'CAN110075010101')).toBe(true);
    expect(isValidIdNumber('foreign-2017', 'CA1110075010101')).toBe(false);
    expect(isValidIdNumber('foreign-2017', 'CAN11007501010')).toBe(false);
    // A 2017 card number is not a resident number, and a resident number is not a 2017 card number.
    expect(isValidIdNumber('resident', 'CAN110075010101')).toBe(false);
    expect(isValidIdNumber('foreign-2017', '11010519491231002X')).toBe(false);
  });

  it('infers the card family of a bare number (line readers, policy try)', () => {
    expect(cardTypeOfNumber('11010519491231002X')).toBe('resident');
    expect(cardTypeOfNumber('810000199408230021')).toBe('hmt-permit');
    expect(cardTypeOfNumber('820000199001010000')).toBe('hmt-permit');
    expect(cardTypeOfNumber('932682198501010017')).toBe('foreign-2023');
    expect(cardTypeOfNumber('can110075010101')).toBe('foreign-2017');
  });

  it('region codes exist for resident and permit numbers only', () => {
    expect(regionCodeOf('resident', '11010519491231002X')).toBe('110105');
    expect(regionCodeOf('hmt-permit', '810000199408230021')).toBe('810000');
    expect(regionCodeOf('foreign-2023', '932682198501010017')).toBeNull();
    expect(regionCodeOf('foreign-2017', 'CAN110075010101')).toBeNull();
    expect(matchesRegionPrefix('resident', '11010519491231002X', '1101')).toBe(true);
    expect(matchesRegionPrefix('resident', '11010519491231002X', '4201')).toBe(false);
    expect(matchesRegionPrefix('resident', '11010519491231002X', '')).toBe(false);
    expect(matchesRegionPrefix('foreign-2023', '932682198501010017', '93')).toBe(false);
  });
});

describe('card dates are parsed, not compared as strings', () => {
  it.each([
    ['20240229', '2024-02-29'],
    ['2000-02-29', '2000-02-29'],
    ['19491231', '1949-12-31'],
  ])('%s is the real date %s', (text, iso) => {
    expect(parseCardDate(text)).toEqual({ ok: true, date: expect.objectContaining({ iso }) });
  });

  it.each([
    ['20991399', 'impossible-date'],
    ['20230229', 'impossible-date'], // 2023 is not a leap year
    ['19000229', 'impossible-date'], // nor is 1900
    ['20260431', 'impossible-date'],
    ['20260100', 'impossible-date'],
    ['ABCDEFGH', 'not-a-date'],
    ['2026-0101', 'not-a-date'],
    ['２０２６０１０１', 'not-a-date'], // full-width digits
    ['', 'not-a-date'],
  ])('%s is not a date (%s)', (text, problem) => {
    expect(parseCardDate(text)).toEqual({ ok: false, problem });
  });
});
