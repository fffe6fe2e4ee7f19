import { parseCardDate } from './card-date.js';
import type { CardType } from './id-card.js';

/**
 * The one ID-number module (docs/protocols/sam-reader.md §7) for all four card families. The card
 * drivers, the screening engine, the store (masking, statistics) and `kiosk policy try` all judge a
 * number here, so the kiosk and the policy tool can never disagree about it.
 *
 * | Card (flag at 248)            | Number                                                          |
 * |-------------------------------|-----------------------------------------------------------------|
 * | resident (space)              | 18: 6 region + YYYYMMDD birth + 3 sequence + MOD 11-2 check      |
 * | HK/Macau/Taiwan permit (J)    | the same, region 810000 / 820000 / 830000 (§7.1)                |
 * | foreigner 2017 (I)            | 15: 3 letters (nationality) + 12 digits, no check character     |
 * | foreigner 2023 (Y)            | 18: 9 + 2 province + 3 nationality + YYYYMMDD + 3 + MOD 11-2    |
 *
 * ISO 7064 MOD 11-2: S = Σ dᵢ·wᵢ mod 11 with wᵢ = 2^(18−i) mod 11; check = "10X98765432"[S].
 * The embedded birth date must be a real calendar date. Values are never logged.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

const EIGHTEEN = /^\d{17}[\dX]$/;
const FOREIGN_2017 = /^[A-Z]{3}\d{12}$/;
/** HK, Macau, Taiwan residence permit address codes (§7.1). */
export const HMT_REGION_CODES: readonly string[] = ['810000', '820000', '830000'];

/** Why a number is not valid for its card type. */
export type IdNumberProblem = 'empty' | 'format' | 'birth-date' | 'check-character' | 'region';

export type IdNumberCheck = { valid: true } | { valid: false; problem: IdNumberProblem };

/** Upper-cases a trailing `x` and trims surrounding blanks; nothing else changes. */
export function normaliseIdNumber(raw: string): string {
  return raw.trim().toUpperCase();
}

/** The MOD 11-2 check character for 17 digits. */
export function mod112CheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('MOD 11-2 needs exactly 17 digits');
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[s % 11]!;
}

function checkEighteen(n: string): IdNumberCheck {
  if (!EIGHTEEN.test(n)) return { valid: false, problem: 'format' };
  if (!parseCardDate(n.slice(6, 14)).ok) return { valid: false, problem: 'birth-date' };
  if (mod112CheckChar(n.slice(0, 17)) !== n[17]) return { valid: false, problem: 'check-character' };
  return { valid: true };
}

/** Judges `raw` (normalised first: blanks trimmed, `x` → `X`) as the number of a card of `type`. */
export function checkIdNumber(type: CardType, raw: string): IdNumberCheck {
  const n = normaliseIdNumber(raw);
  if (n === '') return { valid: false, problem: 'empty' };
  switch (type) {
    case 'resident':
      return checkEighteen(n);
    case 'hmt-permit': {
      const r = checkEighteen(n);
      return r.valid && !HMT_REGION_CODES.includes(n.slice(0, 6)) ? { valid: false, problem: 'region' } : r;
    }
    case 'foreign-2023':
      return n.startsWith('9') ? checkEighteen(n) : { valid: false, problem: 'format' };
    case 'foreign-2017':
      return FOREIGN_2017.test(n) ? { valid: true } : { valid: false, problem: 'format' };
  }
}

export function isValidIdNumber(type: CardType, raw: string): boolean {
  return checkIdNumber(type, raw).valid;
}

/**
 * The card family a bare number belongs to, for readers and tools that see only the number (ASCII
 * line readers, `kiosk policy try`): 3 letters + 12 digits → foreigner 2017; leading 9 →
 * foreigner 2023; 810000/820000/830000 → HK/Macau/Taiwan permit; anything else → resident.
 */
export function cardTypeOfNumber(raw: string): CardType {
  const n = normaliseIdNumber(raw);
  if (/^[A-Z]{3}/.test(n)) return 'foreign-2017';
  if (n.startsWith('9')) return 'foreign-2023';
  if (HMT_REGION_CODES.includes(n.slice(0, 6))) return 'hmt-permit';
  return 'resident';
}

/**
 * The administrative region code (GB/T 2260, first six digits) of a resident or HK/Macau/Taiwan
 * permit number; null for foreigners' cards (their leading digits are a province of application
 * and a nationality, not a region) and for numbers without six leading digits.
 */
export function regionCodeOf(type: CardType, raw: string): string | null {
  if (type !== 'resident' && type !== 'hmt-permit') return null;
  return /^\d{6}/.exec(normaliseIdNumber(raw))?.[0] ?? null;
}

/** Whether a number's region code starts with a key-region prefix (foreigners' cards have none). */
export function matchesRegionPrefix(type: CardType, raw: string, prefix: string): boolean {
  const region = regionCodeOf(type, raw);
  return region !== null && prefix.length > 0 && region.startsWith(prefix);
}
