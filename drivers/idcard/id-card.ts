/** The four card families a SAM reader returns, chosen by the flag at text offset 248. */
export type CardType = 'resident' | 'hmt-permit' | 'foreign-2017' | 'foreign-2023';

/** GB/T 2261.1 sex codes: 0 unknown, 1 male, 2 female, 9 not stated. */
export type Sex = 'unknown' | 'male' | 'female' | 'not-stated';

/** Validity end: a date (YYYY-MM-DD) or 长期 (long-term). */
export type ValidUntil = string | 'long-term';

interface CardCommon {
  type: CardType;
  /** Chinese name (foreign cards: the Chinese name field, may be empty). Trailing padding trimmed only. */
  name: string;
  sex: Sex;
  sexCode: string;
  /** Resident/permit number, or the foreigner card number. */
  idNumber: string;
  /** Whether idNumber passes its check (MOD 11-2, or the 2017 foreigner format). */
  idNumberValid: boolean;
  birthDate: string; // YYYY-MM-DD
  validFrom: string; // YYYY-MM-DD
  validUntil: ValidUntil;
  /** Raw 1024-byte WLT photo (not decoded: no open decoder exists). */
  photoWlt: Uint8Array;
  /** Fingerprint templates when read with `30 10` (0, 512 or 1024 bytes). */
  fingerprint?: Uint8Array;
  /** Code units in the Private Use Area or unpaired surrogates (rare characters) were found. */
  hasUnusualCharacters: boolean;
  /**
   * The raw 256-byte UCS-2LE text block as read, kept next to the decoded strings so rare
   * characters (生僻字) can be re-examined without a lossy round trip. Personal data.
   */
  rawText?: Uint8Array;
  /** Address appended after issue (`30 03`), when the driver was asked to read it and the card has one. */
  newAddress?: string;
}

export interface ResidentCard extends CardCommon {
  type: 'resident';
  nationCode: string;
  nation: string;
  address: string;
  issuer: string;
}

export interface HmtPermitCard extends CardCommon {
  type: 'hmt-permit';
  address: string;
  issuer: string;
  passNumber: string;
  issueCount: string;
}

export interface Foreign2017Card extends CardCommon {
  type: 'foreign-2017';
  englishName: string;
  nationality: string; // GB/T 2659 alpha-3
  cardVersion: string;
  authorityCode: string;
}

export interface Foreign2023Card extends CardCommon {
  type: 'foreign-2023';
  englishName: string;
  nationalityCode: string; // 3-digit numeric
  renewalCount: string;
  previousCardLink: string;
}

export type IdCard = ResidentCard | HmtPermitCard | Foreign2017Card | Foreign2023Card;

/** A card read by a reader: emitted once per placement. */
export interface IdentityRead {
  deviceId: string;
  card: IdCard;
  /** Monotonic milliseconds when the read-base reply was decoded. */
  monotonicMs: number;
  /** Read without SAM (line-mode readers only give the number). */
  source: 'sam' | 'line';
}
