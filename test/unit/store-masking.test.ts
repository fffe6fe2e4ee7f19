import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { maskAddress, maskIdNumber, maskName } from '../../main/store/masking.js';

describe('maskIdNumber', () => {
  it('keeps the region code and the last four digits of an 18-character number', () => {
    expect(maskIdNumber('330784199001011234')).toBe('330784********1234');
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
  });
  it('masks 15-character and short numbers too', () => {
    expect(maskIdNumber('ABC123456789012')).toBe('ABC123*****9012');
    expect(maskIdNumber('12345678')).toBe('12****78');
    expect(maskIdNumber('1234')).toBe('****');
    expect(maskIdNumber('')).toBe('');
  });
  it('never shows the birth date digits of any 18-character number', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{17}[\dX]$/), (id) => {
        const m = maskIdNumber(id);
        expect(m).toHaveLength(18);
        expect(m.slice(6, 14)).toBe('********');
        expect(m.slice(0, 6)).toBe(id.slice(0, 6));
      }),
    );
  });
});

describe('maskName', () => {
  it('keeps the surname character of a Chinese name', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('王')).toBe('*');
  });
  it('counts rare characters outside the BMP as one character', () => {
    expect(maskName('𠮷野')).toBe('𠮷*');
    expect(maskName('李𠮷')).toBe('李*');
  });
  it('keeps the first letter of each word of a Latin name', () => {
    expect(maskName('John Smith')).toBe('J*** S****');
    expect(maskName('SAMPLE PERSON JOHN')).toBe('S***** P***** J***');
    expect(maskName('Smith, John')).toBe('S****, J***');
  });
  it('never returns the name unchanged when it has two or more characters', () => {
    const names = fc.string({ minLength: 2, maxLength: 20 }).filter((s) => s.trim().length >= 2 && !/[\s,*]/.test(s));
    fc.assert(
      fc.property(names, (n) => {
        expect(maskName(n)).not.toBe(n.trim());
      }),
    );
  });
});

describe('maskAddress', () => {
  it('keeps the first six characters only', () => {
    expect(maskAddress('北京市朝阳区示例路1号')).toBe('北京市朝阳区*****');
    expect(maskAddress('短地址')).toBe('***');
  });
});
