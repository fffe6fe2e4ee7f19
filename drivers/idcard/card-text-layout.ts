import type { CardType } from './id-card.js';

/**
 * Fixed-width field layouts of the 256-byte text block (docs/protocols/sam-reader.md §6.3–6.6), shared by
 * the decoder and the synthetic-data encoder. Offsets and widths are in bytes (2 per UCS-2 unit).
 */
export interface FieldSpec {
  offset: number;
  bytes: number;
}

export const TEXT_BLOCK_BYTES = 256;
/** Byte offset of the card-type flag (character 124). */
export const CARD_FLAG_OFFSET = 248;

/** Flag character at offset 248 → card type (§6.2). */
export const CARD_FLAGS: ReadonlyMap<string, CardType> = new Map([
  [' ', 'resident'],
  ['J', 'hmt-permit'],
  ['I', 'foreign-2017'],
  ['Y', 'foreign-2023'],
]);

export const FLAG_FOR_TYPE: Readonly<Record<CardType, string>> = {
  resident: ' ',
  'hmt-permit': 'J',
  'foreign-2017': 'I',
  'foreign-2023': 'Y',
};

const f = (offset: number, bytes: number): FieldSpec => ({ offset, bytes });

/** §6.3 resident ID card. 220..255 reserved (spaces; byte 248 is the flag). */
export const RESIDENT_LAYOUT = {
  name: f(0, 30),
  sex: f(30, 2),
  nation: f(32, 4),
  birthDate: f(36, 16),
  address: f(52, 70),
  idNumber: f(122, 36),
  issuer: f(158, 30),
  validFrom: f(188, 16),
  validUntil: f(204, 16),
} as const;

/** §6.4 HK/Macau/Taiwan residence permit ('J'). 32..35 and 242..247, 250..255 reserved. */
export const HMT_PERMIT_LAYOUT = {
  name: f(0, 30),
  sex: f(30, 2),
  birthDate: f(36, 16),
  address: f(52, 70),
  idNumber: f(122, 36),
  issuer: f(158, 30),
  validFrom: f(188, 16),
  validUntil: f(204, 16),
  passNumber: f(220, 18),
  issueCount: f(238, 4),
} as const;

/** §6.5 foreign permanent residence card, 2017 ('I'). 250..255 reserved. */
export const FOREIGN_2017_LAYOUT = {
  englishName: f(0, 120),
  sex: f(120, 2),
  idNumber: f(122, 30),
  nationality: f(152, 6),
  name: f(158, 30),
  validFrom: f(188, 16),
  validUntil: f(204, 16),
  birthDate: f(220, 16),
  cardVersion: f(236, 4),
  authorityCode: f(240, 8),
} as const;

/** §6.6 foreign permanent residence card, 2023 ('Y'). 158..187 reserved. */
export const FOREIGN_2023_LAYOUT = {
  name: f(0, 30),
  sex: f(30, 2),
  renewalCount: f(32, 4),
  birthDate: f(36, 16),
  /** English name, characters 1–35. */
  englishName1: f(52, 70),
  idNumber: f(122, 36),
  validFrom: f(188, 16),
  validUntil: f(204, 16),
  /** English name continued, characters 36–46 (英文姓名备用). */
  englishName2: f(220, 22),
  nationalityCode: f(242, 6),
  previousCardLink: f(250, 6),
} as const;

/** The bytes of "长期" + six spaces as stored in a valid-until field (§6.9). */
export const LONG_TERM_TEXT = '长期';
