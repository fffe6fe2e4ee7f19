import { parseCardDate } from '../../drivers/idcard/card-date.js';
import type { IdCard } from '../../drivers/idcard/id-card.js';
import { isValidIdNumber, regionCodeOf } from '../../drivers/idcard/id-number.js';

/**
 * Splits an IdCard into what the store encrypts column by column (name, ID number, address, photo)
 * and the rest (dates, issuer, nationality, ...), also encrypted, as JSON. Binary fields travel as base64.
 */
export interface CardParts {
  name: string;
  idNumber: string;
  address: string | null;
  photo: Buffer;
  /** Every other field, JSON-serialisable. */
  rest: Record<string, unknown>;
}

/** What the store collects beyond the minimum (config `privacy`, docs/privacy.md). */
export interface CollectionSettings {
  /** Keep the card photo with the record (and upload it). Default off. */
  storePhoto: boolean;
}

export const MINIMUM_COLLECTION: CollectionSettings = { storePhoto: false };

/**
 * The card as the store keeps it (minimum data, PIPL art. 6): no fingerprint templates (no decision
 * uses them), no photo unless the site keeps photos (`photoWlt` left empty, as a line reader's
 * card has it), and the raw text block only when the decoded text lost something (rare characters:
 * `hasUnusualCharacters`), since the name then cannot be read right from the decoded fields.
 */
export function minimiseCard(card: IdCard, collection: CollectionSettings): IdCard {
  const { fingerprint: _fingerprint, rawText, photoWlt, ...fields } = card;
  return {
    ...fields,
    photoWlt: collection.storePhoto ? photoWlt : new Uint8Array(0),
    ...(rawText !== undefined && card.hasUnusualCharacters && { rawText }),
  } as IdCard;
}

export function splitCard(card: IdCard): CardParts {
  const { name, idNumber, photoWlt, fingerprint, rawText, ...others } = card;
  const rest: Record<string, unknown> = { ...others };
  let address: string | null = null;
  if ('address' in rest && typeof rest.address === 'string') {
    address = rest.address;
    delete rest.address;
  }
  if (fingerprint !== undefined) rest.fingerprint = Buffer.from(fingerprint).toString('base64');
  if (rawText !== undefined) rest.rawText = Buffer.from(rawText).toString('base64');
  return { name, idNumber, address, photo: Buffer.from(photoWlt), rest };
}

export function joinCard(parts: CardParts): IdCard {
  const { fingerprint, rawText, ...others } = parts.rest;
  const card: Record<string, unknown> = { ...others, name: parts.name, idNumber: parts.idNumber, photoWlt: new Uint8Array(parts.photo) };
  if (parts.address !== null) card.address = parts.address;
  if (typeof fingerprint === 'string') card.fingerprint = new Uint8Array(Buffer.from(fingerprint, 'base64'));
  if (typeof rawText === 'string') card.rawText = new Uint8Array(Buffer.from(rawText, 'base64'));
  return card as unknown as IdCard;
}

/**
 * The card as plain JSON for the upload payload: the photo (base64) only when there is one (a site
 * that keeps photos); never fingerprints or the raw text block.
 */
export function cardToJson(card: IdCard): Record<string, unknown> {
  const { photoWlt, fingerprint: _fingerprint, rawText: _rawText, ...others } = card;
  return { ...others, ...(photoWlt.length > 0 && { photoWltBase64: Buffer.from(photoWlt).toString('base64') }) };
}

/** The birth year when the card's birth date is a real date (card-date.ts), else null. */
export function birthYearOf(card: IdCard): number | null {
  const born = parseCardDate(card.birthDate);
  return born.ok ? born.date.year : null;
}

/**
 * Statistics fields kept in clear: region code (first 6 digits of a resident or permit number, by
 * id-number.ts; foreigners' numbers have none), birth year, sex, and whether the number is valid
 * for its card type (judged by id-number.ts, as the decision was).
 */
export function clearStatistics(card: IdCard): { regionCode: string | null; birthYear: number | null; sex: string; idValid: boolean } {
  return { regionCode: regionCodeOf(card.type, card.idNumber), birthYear: birthYearOf(card), sex: card.sex, idValid: isValidIdNumber(card.type, card.idNumber) };
}
