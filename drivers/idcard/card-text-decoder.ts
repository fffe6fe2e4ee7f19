import {
  CARD_FLAG_OFFSET,
  CARD_FLAGS,
  FOREIGN_2017_LAYOUT,
  FOREIGN_2023_LAYOUT,
  HMT_PERMIT_LAYOUT,
  LONG_TERM_TEXT,
  RESIDENT_LAYOUT,
  TEXT_BLOCK_BYTES,
  type FieldSpec,
} from './card-text-layout.js';
import type { IdCard, ValidUntil } from './id-card.js';
import { isoCardDate } from './card-date.js';
import { isValidIdNumber, normaliseIdNumber } from './id-number.js';
import { nationName } from './nation-codes.js';
import { sexFromCode } from './sex-codes.js';

/** The text block cannot be decoded (wrong size, unknown card-type flag). */
export class CardTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CardTextError';
  }
}

/** Binary parts that travel with the text block. */
export interface CardBinaryParts {
  photoWlt: Uint8Array;
  fingerprint?: Uint8Array;
}

/** Raw UCS-2LE → string, code unit by code unit (no replacement of lone surrogates). */
export function decodeUcs2(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(bytes[i]! | (bytes[i + 1]! << 8));
  return s;
}

/** Removes trailing U+0020 and U+0000 padding only: inner and leading blanks are data. */
export function trimPadding(s: string): string {
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x00)) end--;
  return s.slice(0, end);
}

/** True if any code unit is in the Private Use Area (U+E000–U+F8FF) or is an unpaired surrogate. */
export function hasUnusualCodeUnits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xe000 && c <= 0xf8ff) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return true;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

/**
 * A real calendar date `YYYYMMDD` → `YYYY-MM-DD`; anything else (`20991399`, `ABCDEFGH`) is returned
 * as stored, so nothing is lost and the engine judges it (card-date.ts) instead of a string compare.
 */
export function decodeDate(raw: string): string {
  return /^\d{8}$/.test(raw) ? (isoCardDate(raw) ?? raw) : raw;
}

export function decodeValidUntil(raw: string): ValidUntil {
  return raw === LONG_TERM_TEXT ? 'long-term' : decodeDate(raw);
}

/**
 * Decodes the 256-byte text block, choosing the layout by the flag at offset 248. Fields are read at
 * fixed offsets and only trailing padding is trimmed; names are never split on blanks.
 */
export function decodeCardText(text: Uint8Array, parts: CardBinaryParts): IdCard {
  if (text.length !== TEXT_BLOCK_BYTES) {
    throw new CardTextError(`the text block has ${text.length} bytes; the card layouts need ${TEXT_BLOCK_BYTES}`);
  }
  const raw = (spec: FieldSpec) => decodeUcs2(text.subarray(spec.offset, spec.offset + spec.bytes));
  const field = (spec: FieldSpec) => trimPadding(raw(spec));
  const flagUnit = text[CARD_FLAG_OFFSET]! | (text[CARD_FLAG_OFFSET + 1]! << 8);
  const type = CARD_FLAGS.get(String.fromCharCode(flagUnit));
  if (!type) {
    throw new CardTextError(`unknown card-type flag 0x${flagUnit.toString(16).padStart(4, '0')} at text offset 248`);
  }
  const common = {
    photoWlt: parts.photoWlt,
    ...(parts.fingerprint ? { fingerprint: parts.fingerprint } : {}),
    hasUnusualCharacters: hasUnusualCodeUnits(decodeUcs2(text)),
    rawText: Uint8Array.from(text),
  };
  switch (type) {
    case 'resident': {
      const L = RESIDENT_LAYOUT;
      const sexCode = field(L.sex);
      const idNumber = normaliseIdNumber(field(L.idNumber));
      const nationCode = field(L.nation);
      return {
        type,
        name: field(L.name),
        sex: sexFromCode(sexCode),
        sexCode,
        nationCode,
        nation: nationName(nationCode),
        birthDate: decodeDate(field(L.birthDate)),
        address: field(L.address),
        idNumber,
        idNumberValid: isValidIdNumber(type, idNumber),
        issuer: field(L.issuer),
        validFrom: decodeDate(field(L.validFrom)),
        validUntil: decodeValidUntil(field(L.validUntil)),
        ...common,
      };
    }
    case 'hmt-permit': {
      const L = HMT_PERMIT_LAYOUT;
      const sexCode = field(L.sex);
      const idNumber = normaliseIdNumber(field(L.idNumber));
      return {
        type,
        name: field(L.name),
        sex: sexFromCode(sexCode),
        sexCode,
        birthDate: decodeDate(field(L.birthDate)),
        address: field(L.address),
        idNumber,
        idNumberValid: isValidIdNumber(type, idNumber),
        issuer: field(L.issuer),
        validFrom: decodeDate(field(L.validFrom)),
        validUntil: decodeValidUntil(field(L.validUntil)),
        passNumber: field(L.passNumber),
        issueCount: field(L.issueCount),
        ...common,
      };
    }
    case 'foreign-2017': {
      const L = FOREIGN_2017_LAYOUT;
      const sexCode = field(L.sex);
      const idNumber = normaliseIdNumber(field(L.idNumber));
      return {
        type,
        englishName: field(L.englishName),
        name: field(L.name),
        sex: sexFromCode(sexCode),
        sexCode,
        idNumber,
        idNumberValid: isValidIdNumber(type, idNumber),
        nationality: field(L.nationality),
        validFrom: decodeDate(field(L.validFrom)),
        validUntil: decodeValidUntil(field(L.validUntil)),
        birthDate: decodeDate(field(L.birthDate)),
        cardVersion: field(L.cardVersion),
        authorityCode: field(L.authorityCode),
        ...common,
      };
    }
    case 'foreign-2023': {
      const L = FOREIGN_2023_LAYOUT;
      const sexCode = field(L.sex);
      const idNumber = normaliseIdNumber(field(L.idNumber));
      return {
        type,
        name: field(L.name),
        sex: sexFromCode(sexCode),
        sexCode,
        renewalCount: field(L.renewalCount),
        birthDate: decodeDate(field(L.birthDate)),
        // Join the two parts untrimmed, then trim: a blank at character 35 is part of the name.
        englishName: trimPadding(raw(L.englishName1) + raw(L.englishName2)),
        idNumber,
        idNumberValid: isValidIdNumber(type, idNumber),
        validFrom: decodeDate(field(L.validFrom)),
        validUntil: decodeValidUntil(field(L.validUntil)),
        nationalityCode: field(L.nationalityCode),
        previousCardLink: field(L.previousCardLink),
        ...common,
      };
    }
  }
}
