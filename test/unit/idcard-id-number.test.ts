import { describe, expect, it } from 'vitest';
import {
  isValidForeign2017Number,
  isValidForeign2023Number,
  isValidResidentIdNumber,
  maskIdNumber,
  mod112CheckChar,
  normaliseIdNumber,
} from '../../drivers/idcard/id-number.js';

describe('ID numbers (§7)', () => {
  it('accepts the official sample numbers of §7.3', () => {
    for (const n of ['11010519491231002X', '810000199408230021', '830000199201300022']) expect(isValidResidentIdNumber(n), n).toBe(true);
    for (const n of ['932682198501010017', '911124198108030024']) expect(isValidForeign2023Number(n), n).toBe(true);
  });

  it('computes the MOD 11-2 check character, including X', () => {
    expect(mod112CheckChar('11010519491231002')).toBe('X');
    expect(mod112CheckChar('81000019940823002')).toBe('1');
    expect(() => mod112CheckChar('1234')).toThrow(RangeError);
  });

  it('accepts lower-case x and normalises it to upper case', () => {
    expect(isValidResidentIdNumber('11010519491231002x')).toBe(true);
    expect(normaliseIdNumber('11010519491231002x')).toBe('11010519491231002X');
  });

  it('rejects a wrong check character, wrong length, dropped X and letters', () => {
    expect(isValidResidentIdNumber('110105194912310021')).toBe(false);
    expect(isValidResidentIdNumber('11010519491231002')).toBe(false);
    expect(isValidResidentIdNumber('1101051949123100XX')).toBe(false);
    expect(isValidResidentIdNumber('810000199408230022')).toBe(false);
  });

  it('2023 foreigner numbers must start with 9', () => {
    expect(isValidForeign2023Number('11010519491231002X')).toBe(false);
    expect(isValidForeign2023Number('932682198501010018')).toBe(false);
  });

  it('2017 foreigner numbers: 3 letters + 12 digits', () => {
    expect(isValidForeign2017Number('CAN110075010101')).toBe(true);
    expect(isValidForeign2017Number('CA1110075010101')).toBe(false);
    expect(isValidForeign2017Number('CAN11007501010')).toBe(false);
  });

  it('masks for screens', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
  });
});
