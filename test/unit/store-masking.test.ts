import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MaskedIdNumberSchema, MaskedNameSchema } from '../../main/contract/messages.js';
import { maskAddress, maskIdNumber, maskName } from '../../main/store/masking.js';

describe('maskIdNumber', () => {
  it('keeps the region code and the last four digits of an 18-character number', () => {
    expect(maskIdNumber('330784199001011234')).toBe('330784********1234');
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
    expect(maskIdNumber('11010519491231002x')).toBe('110105********002X');
  });
  it('masks 15-character and short numbers too', () => {
    expect(maskIdNumber('ABC123456789012')).toBe('ABC123*****9012');
    expect(maskIdNumber('12345678')).toBe('12****78');
    expect(maskIdNumber('1234')).toBe('****');
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
  // 9.2: an empty number gave '' and a non-[0-9A-Z] character in a kept position was kept; both
  // failed the contract, so the HOLD never reached the screen.
  it('9.2 a HOLD decided but never shown: empty ID number → a valid mask', () => {
    expect(maskIdNumber('')).toBe('*');
    expect(maskIdNumber('   ')).toBe('*');
    expect(MaskedIdNumberSchema.safeParse(maskIdNumber('')).success).toBe(true);
  });
  it('9.2 a HOLD decided but never shown: a character outside [0-9X] in a kept position is masked with everything inside it', () => {
    expect(maskIdNumber('3307-4199001011234')).toBe('3307**********1234');
    expect(maskIdNumber('33078419900101123\u00e9')).toBe('330784************');
    expect(maskIdNumber('\uffff'.repeat(18))).toBe('******************');
    expect(maskIdNumber('１１０１０５19491231002X')).toBe('**************002X'); // full-width digits
    for (const id of ['3307-4199001011234', '33078419900101123\u00e9', '\uffff'.repeat(18)]) expect(MaskedIdNumberSchema.safeParse(maskIdNumber(id)).success, id).toBe(true);
  });
  it('9.2 whatever the card holds, the mask is one the contract accepts (at most 40 characters)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ maxLength: 60 }), fc.stringMatching(/^[0-9Xx -]{0,24}$/)), (id) => {
        const m = maskIdNumber(id);
        expect(MaskedIdNumberSchema.safeParse(m).success, JSON.stringify([id, m])).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(maskIdNumber('1'.repeat(100))).toBe(`111111${'*'.repeat(30)}1111`);
  });
});

describe('maskName', () => {
  it('keeps the surname character of a Chinese name', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('王')).toBe('*');
    expect(maskName('')).toBe('');
  });
  it('counts rare characters outside the BMP as one character', () => {
    expect(maskName('𠮷野')).toBe('𠮷*');
    expect(maskName('李𠮷')).toBe('李*');
  });
  it('keeps the first letter of each word of a Latin name; blanks between words become one space', () => {
    expect(maskName('John Smith')).toBe('J*** S****');
    expect(maskName('SAMPLE PERSON JOHN')).toBe('S***** P***** J***');
    expect(maskName('Smith, John')).toBe('S****, J***');
    expect(maskName('  Smith \t\n John  ')).toBe('S**** J***');
  });
  it('15 a masked name keeps an RTL override or lone surrogate as its first character', () => {
    expect(maskName('\u202E张三')).toBe('***'); // RIGHT-TO-LEFT OVERRIDE
    expect(maskName('\ud840张三')).toBe('***'); // lone high surrogate
    expect(maskName('\udc00三')).toBe('**'); // lone low surrogate
    expect(maskName('\u0007Bell Ringer')).toBe('***** R*****'); // control character
    expect(maskName('\u200BJohn')).toBe('*****'); // zero-width space (a format character)
    expect(maskName('\ue000王')).toBe('**'); // private use
    for (const n of ['\u202E张三', '\ud840张三', '\u0007Bell', '\ue000王']) expect(MaskedNameSchema.safeParse(maskName(n)).success, JSON.stringify(n)).toBe(true);
    // And the contract refuses such a first character from anyone else.
    expect(MaskedNameSchema.safeParse('\u202E*').success).toBe(false);
    expect(MaskedNameSchema.safeParse('\ud840**').success).toBe(false);
    expect(MaskedNameSchema.safeParse('\u0007**').success).toBe(false);
  });
  it('never returns the name unchanged when it has two or more characters', () => {
    const names = fc.string({ minLength: 2, maxLength: 20 }).filter((s) => s.trim().length >= 2 && !/[\s,*]/.test(s));
    fc.assert(
      fc.property(names, (n) => {
        expect(maskName(n)).not.toBe(n.trim());
      }),
    );
  });
  it('9.2 whatever the card holds, the mask is one the contract accepts (at most 64 characters)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ maxLength: 120 })), (name) => {
        const m = maskName(name);
        expect(MaskedNameSchema.safeParse(m).success, JSON.stringify([name, m])).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(maskName('A'.repeat(100))).toBe(`A${'*'.repeat(63)}`);
    expect(maskName(`${'A'.repeat(60)} BCDEF GH`)).toBe(`A${'*'.repeat(59)} B**`); // the mask stops at 64 characters
  });
});

describe('maskAddress', () => {
  it('keeps the first six characters only', () => {
    expect(maskAddress('北京市朝阳区示例路1号')).toBe('北京市朝阳区*****');
    expect(maskAddress('短地址')).toBe('***');
  });
});
