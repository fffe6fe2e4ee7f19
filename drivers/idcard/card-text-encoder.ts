import {
  CARD_FLAG_OFFSET,
  FLAG_FOR_TYPE,
  FOREIGN_2017_LAYOUT,
  FOREIGN_2023_LAYOUT,
  HMT_PERMIT_LAYOUT,
  LONG_TERM_TEXT,
  RESIDENT_LAYOUT,
  TEXT_BLOCK_BYTES,
  type FieldSpec,
} from './card-text-layout.js';
import type { IdCard, ValidUntil } from './id-card.js';
import { buildSamFrame } from './sam-frame.js';
import { SW3 } from './sw3.js';
import { WLT_MAGIC, WLT_PHOTO_BYTES } from './wlt-photo.js';

/**
 * Builds synthetic card data (docs/protocols/sam-reader.md §12): text blocks for every card type and complete
 * read-base replies. For the simulator, fixtures and tests; never for real personal data.
 */
export class CardTextEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CardTextEncodeError';
  }
}

/** Chars of the 2023 English name held in the first / second part. */
const EN_2023_PART1_CHARS = FOREIGN_2023_LAYOUT.englishName1.bytes / 2;
const EN_2023_MAX_CHARS = EN_2023_PART1_CHARS + FOREIGN_2023_LAYOUT.englishName2.bytes / 2;

function writeField(block: Buffer, spec: FieldSpec, value: string, name: string): void {
  const bytes = Buffer.from(value, 'utf16le');
  if (bytes.length > spec.bytes) {
    throw new CardTextEncodeError(
      `${name} "${value.length > 20 ? `${value.slice(0, 20)}…` : value}" needs ${bytes.length / 2} characters; the field holds ${spec.bytes / 2}`,
    );
  }
  bytes.copy(block, spec.offset);
  // Right-pad with U+0020.
  for (let i = spec.offset + bytes.length; i < spec.offset + spec.bytes; i += 2) block.writeUInt16LE(0x20, i);
}

const encodeDate = (d: string) => (/^\d{4}-\d{2}-\d{2}$/.test(d) ? d.replace(/-/g, '') : d);
const encodeValidUntil = (v: ValidUntil) => (v === 'long-term' ? LONG_TERM_TEXT : encodeDate(v));

/** The 256-byte UCS-2LE text block for `card`, flag at offset 248. Fails if a value is too long. */
export function encodeCardText(card: IdCard): Buffer {
  const block = Buffer.alloc(TEXT_BLOCK_BYTES);
  for (let i = 0; i < TEXT_BLOCK_BYTES; i += 2) block.writeUInt16LE(0x20, i);
  const w = (spec: FieldSpec, value: string, name: string) => writeField(block, spec, value, name);
  switch (card.type) {
    case 'resident': {
      const L = RESIDENT_LAYOUT;
      w(L.name, card.name, 'name');
      w(L.sex, card.sexCode, 'sexCode');
      w(L.nation, card.nationCode, 'nationCode');
      w(L.birthDate, encodeDate(card.birthDate), 'birthDate');
      w(L.address, card.address, 'address');
      w(L.idNumber, card.idNumber, 'idNumber');
      w(L.issuer, card.issuer, 'issuer');
      w(L.validFrom, encodeDate(card.validFrom), 'validFrom');
      w(L.validUntil, encodeValidUntil(card.validUntil), 'validUntil');
      break;
    }
    case 'hmt-permit': {
      const L = HMT_PERMIT_LAYOUT;
      w(L.name, card.name, 'name');
      w(L.sex, card.sexCode, 'sexCode');
      w(L.birthDate, encodeDate(card.birthDate), 'birthDate');
      w(L.address, card.address, 'address');
      w(L.idNumber, card.idNumber, 'idNumber');
      w(L.issuer, card.issuer, 'issuer');
      w(L.validFrom, encodeDate(card.validFrom), 'validFrom');
      w(L.validUntil, encodeValidUntil(card.validUntil), 'validUntil');
      w(L.passNumber, card.passNumber, 'passNumber');
      w(L.issueCount, card.issueCount, 'issueCount');
      break;
    }
    case 'foreign-2017': {
      const L = FOREIGN_2017_LAYOUT;
      w(L.englishName, card.englishName, 'englishName');
      w(L.sex, card.sexCode, 'sexCode');
      w(L.idNumber, card.idNumber, 'idNumber');
      w(L.nationality, card.nationality, 'nationality');
      w(L.name, card.name, 'name');
      w(L.validFrom, encodeDate(card.validFrom), 'validFrom');
      w(L.validUntil, encodeValidUntil(card.validUntil), 'validUntil');
      w(L.birthDate, encodeDate(card.birthDate), 'birthDate');
      w(L.cardVersion, card.cardVersion, 'cardVersion');
      w(L.authorityCode, card.authorityCode, 'authorityCode');
      break;
    }
    case 'foreign-2023': {
      const L = FOREIGN_2023_LAYOUT;
      if (card.englishName.length > EN_2023_MAX_CHARS) {
        throw new CardTextEncodeError(`englishName needs ${card.englishName.length} characters; the two fields hold ${EN_2023_MAX_CHARS}`);
      }
      w(L.name, card.name, 'name');
      w(L.sex, card.sexCode, 'sexCode');
      w(L.renewalCount, card.renewalCount, 'renewalCount');
      w(L.birthDate, encodeDate(card.birthDate), 'birthDate');
      w(L.englishName1, card.englishName.slice(0, EN_2023_PART1_CHARS), 'englishName (part 1)');
      w(L.idNumber, card.idNumber, 'idNumber');
      w(L.validFrom, encodeDate(card.validFrom), 'validFrom');
      w(L.validUntil, encodeValidUntil(card.validUntil), 'validUntil');
      w(L.englishName2, card.englishName.slice(EN_2023_PART1_CHARS), 'englishName (part 2)');
      w(L.nationalityCode, card.nationalityCode, 'nationalityCode');
      w(L.previousCardLink, card.previousCardLink, 'previousCardLink');
      break;
    }
  }
  block.writeUInt16LE(FLAG_FOR_TYPE[card.type].charCodeAt(0), CARD_FLAG_OFFSET);
  return block;
}

/** A 1024-byte stand-in photo: the WLT magic, then zeros (it will not decode; that is fine). */
export function syntheticWlt(): Uint8Array {
  const photo = new Uint8Array(WLT_PHOTO_BYTES);
  photo.set(WLT_MAGIC, 0);
  return photo;
}

export interface ReadBaseReplyOptions {
  /**
   * Build a `30 10` reply carrying these fingerprint bytes (0, 512 or 1024). Without it, a `30 01`
   * reply (1295 bytes).
   */
  fingerprint?: Uint8Array;
}

/**
 * A complete read-base reply frame: 1295 bytes for `30 01`, 1297 / 1809 / 2321 for `30 10` with
 * 0 / 512 / 1024 fingerprint bytes. The photo is `card.photoWlt` (a synthetic one if empty).
 */
export function buildReadBaseReply(card: IdCard, options: ReadBaseReplyOptions = {}): Buffer {
  const text = encodeCardText(card);
  const photo = card.photoWlt.length > 0 ? card.photoWlt : syntheticWlt();
  const fp = options.fingerprint;
  const lengths = Buffer.alloc(fp ? 6 : 4);
  lengths.writeUInt16BE(text.length, 0);
  lengths.writeUInt16BE(photo.length, 2);
  if (fp) lengths.writeUInt16BE(fp.length, 4);
  return buildSamFrame(Buffer.concat([Buffer.from([0x00, 0x00, SW3.SUCCESS]), lengths, text, photo, ...(fp ? [fp] : [])]));
}
