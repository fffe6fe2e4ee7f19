import { describe, expect, it } from 'vitest';
import { CardTextEncodeError, encodeCardText } from '../../drivers/idcard/card-text-encoder.js';
import { CardTextError, decodeCardText, hasUnusualCodeUnits, trimPadding } from '../../drivers/idcard/card-text-decoder.js';
import type { IdCard } from '../../drivers/idcard/id-card.js';
import { NATION_CODES, nationName } from '../../drivers/idcard/nation-codes.js';
import { sexFromCode } from '../../drivers/idcard/sex-codes.js';
import {
  FOREIGN_2017_SAMPLE,
  FOREIGN_2023_FEMALE_SAMPLE,
  FOREIGN_2023_SAMPLE,
  HMT_PERMIT_SAMPLE,
  RESIDENT_SAMPLE,
  SAMPLE_CARDS,
} from '../fixtures/idcard/sample-cards.js';
import { referenceTextBlock } from '../fixtures/idcard/reference-frames.js';

const parts = { photoWlt: new Uint8Array(1024) };
/**
 * Decodes the block laid out for `card` by the second implementation of docs/protocols/sam-reader.md §6
 * (test/fixtures/idcard/reference-frames.ts), not by the encoder, so the decoder is checked against its tables.
 */
const roundTrip = (card: IdCard) => decodeCardText(referenceTextBlock(card), parts);
/** Compare the decoded card with the fixture, ignoring binary parts. */
const strip = ({ photoWlt: _p, rawText: _r, ...rest }: IdCard) => rest;

describe('card text block', () => {
  // The blocks are built by the reference's tables in a second implementation (fixtures/idcard/
  // reference-frames.ts); the expected cards are the hand-written samples.
  it.each(SAMPLE_CARDS.map((c) => [c.type, c] as const))('%s: a block laid out by the reference decodes to the sample card', (_t, card) => {
    const text = referenceTextBlock(card);
    const decoded = decodeCardText(text, parts);
    expect(strip(decoded)).toEqual(strip(card));
    expect(decoded.rawText).toEqual(Uint8Array.from(text));
  });

  it.each([...SAMPLE_CARDS, FOREIGN_2023_FEMALE_SAMPLE].map((c) => [c.type, c] as const))('%s: the encoder writes the block byte for byte as the reference lays it out', (_t, card) => {
    expect(encodeCardText(card).toString('hex')).toBe(referenceTextBlock(card).toString('hex'));
  });

  it('resident: fixed offsets of §6.3, flag 20 00 at 248, UCS-2LE digits', () => {
    const t = encodeCardText(RESIDENT_SAMPLE);
    expect(t.subarray(30, 32).toString('hex')).toBe('3200'); // sex '2'
    expect(t.subarray(32, 36).toString('hex')).toBe('30003100'); // nation '01'
    expect(t.subarray(122, 158).toString('utf16le')).toBe('11010519491231002X');
    expect(t.subarray(248, 250).toString('hex')).toBe('2000');
  });

  it('decodes the captured 长期 bytes to validUntil "long-term" (§6.9)', () => {
    const t = encodeCardText({ ...RESIDENT_SAMPLE, validUntil: '2035-06-01' });
    Buffer.from('7F951F67200020002000200020002000', 'hex').copy(t, 204);
    const card = decodeCardText(t, parts);
    expect(card.validUntil).toBe('long-term');
    expect(card.validFrom).toBe('2015-06-01');
  });

  it('hmt-permit: pass number and issue count at 220/238, flag J', () => {
    const t = encodeCardText(HMT_PERMIT_SAMPLE);
    expect(t.subarray(248, 250).toString('hex')).toBe('4a00');
    expect(t.subarray(220, 238).toString('utf16le')).toBe('H12345678');
    const card = roundTrip(HMT_PERMIT_SAMPLE);
    expect(card.type === 'hmt-permit' && card.passNumber).toBe('H12345678');
    expect(card.idNumberValid).toBe(true);
  });

  it('foreign-2017: English name with blanks stays whole, flag I, 15-char number valid', () => {
    const card = roundTrip(FOREIGN_2017_SAMPLE);
    expect(card.type).toBe('foreign-2017');
    if (card.type !== 'foreign-2017') return;
    expect(card.englishName).toBe('SAMPLE, JOHN MIDDLE EXAMPLE');
    expect(card.nationality).toBe('CAN');
    expect(card.birthDate).toBe('1975-01-01');
    expect(card.idNumberValid).toBe(true);
    expect(encodeCardText(FOREIGN_2017_SAMPLE).subarray(248, 250).toString('hex')).toBe('4900');
  });

  it('foreign-2023: the two English-name parts are joined before trimming', () => {
    // Character 35 (the last of part 1) is a blank: trimming part 1 alone would glue the words.
    const name = `${'A'.repeat(34)} BCDEFGHIJ`;
    const card = roundTrip({ ...FOREIGN_2023_SAMPLE, englishName: name });
    expect(card.type === 'foreign-2023' && card.englishName).toBe(name);
    const t = encodeCardText({ ...FOREIGN_2023_SAMPLE, englishName: name });
    expect(t.subarray(52 + 68, 52 + 70).toString('hex')).toBe('2000');
    expect(t.subarray(220, 242).toString('utf16le')).toBe('BCDEFGHIJ  ');
    const long = roundTrip(FOREIGN_2023_SAMPLE);
    expect(long.type === 'foreign-2023' && long.englishName).toBe('ABDULLAH SAMPLE EXAMPLE TESTNAME AL FICTIVA');
    expect(long.type === 'foreign-2023' && long.nationalityCode).toBe('682');
    expect(roundTrip(FOREIGN_2023_FEMALE_SAMPLE).sex).toBe('female');
  });

  it('refuses values longer than their field', () => {
    expect(() => encodeCardText({ ...RESIDENT_SAMPLE, name: '一二三四五六七八九十一二三四五六' })).toThrow(CardTextEncodeError);
    expect(() => encodeCardText({ ...RESIDENT_SAMPLE, name: '一二三四五六七八九十一二三四五六' })).toThrow(/name .* 16 characters; the field holds 15/);
    expect(() => encodeCardText({ ...FOREIGN_2023_SAMPLE, englishName: 'X'.repeat(47) })).toThrow(/46/);
  });

  it('rejects an unknown flag and a wrong block size', () => {
    const t = encodeCardText(RESIDENT_SAMPLE);
    t.writeUInt16LE('Q'.charCodeAt(0), 248);
    expect(() => decodeCardText(t, parts)).toThrow(CardTextError);
    expect(() => decodeCardText(t.subarray(0, 200), parts)).toThrow(/200 bytes/);
  });

  it('trims trailing U+0020/U+0000 only, never inner or leading blanks', () => {
    expect(trimPadding(' A B \u0000 \u0000')).toBe(' A B');
    expect(trimPadding('\u3000X')).toBe('\u3000X');
  });

  it('flags Private-Use-Area code units and unpaired surrogates, not proper pairs', () => {
    expect(hasUnusualCodeUnits('张三')).toBe(false);
    expect(hasUnusualCodeUnits('\ud840\udc00')).toBe(false); // U+20000 as a pair
    expect(hasUnusualCodeUnits('王\ue000')).toBe(true);
    expect(hasUnusualCodeUnits('王\ud840')).toBe(true);
    expect(hasUnusualCodeUnits('\udc00王')).toBe(true);
    const t = encodeCardText(RESIDENT_SAMPLE);
    t.writeUInt16LE(0xe123, 2); // a PUA unit in the name
    const card = decodeCardText(t, parts);
    expect(card.hasUnusualCharacters).toBe(true);
    expect(card.name.charCodeAt(1)).toBe(0xe123);
  });
});

describe('sex and nation codes', () => {
  it('maps all four GB/T 2261.1 codes; nothing defaults to female', () => {
    expect(['0', '1', '2', '9', '3', ''].map(sexFromCode)).toEqual(['unknown', 'male', 'female', 'not-stated', 'unknown', 'unknown']);
    for (const code of ['0', '9']) {
      const card = roundTrip({ ...RESIDENT_SAMPLE, sexCode: code, sex: code === '0' ? 'unknown' : 'not-stated' });
      expect(card.sex).not.toBe('female');
      expect(card.sexCode).toBe(code);
    }
  });

  it('keys GB 3304 on the code with the corrected names', () => {
    expect(NATION_CODES.size).toBe(58);
    expect(nationName('46')).toBe('德昂');
    expect(nationName('36')).toBe('毛南');
    expect(nationName('56')).toBe('基诺');
    expect(nationName('20')).toBe('傈僳');
    expect(nationName('98')).toBe('外国血统中国籍人士');
    expect(nationName('77')).toBe('');
    const card = roundTrip({ ...RESIDENT_SAMPLE, nationCode: '77', nation: '' });
    expect(card.type === 'resident' && card.nationCode).toBe('77');
  });
});
