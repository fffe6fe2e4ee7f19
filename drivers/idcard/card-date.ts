/**
 * Calendar dates as ID cards carry them (docs/protocols/sam-reader.md §6.3–6.6: `YYYYMMDD`, or "长期" for a
 * long-term validity, §6.9). Dates are parsed into real calendar dates, never compared as strings:
 * `20991399` or `ABCDEFGH` is not a date, and a card valid only from 2099 is not valid today.
 *
 * Pure functions without a clock: "today" is always passed in as a parsed date, so the engine,
 * `kiosk policy try` and the tests judge a card the same way at the same instant.
 */

/** A real calendar date (proleptic Gregorian). */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
  /** `YYYY-MM-DD`: sorts like the date it names. */
  iso: string;
}

export type CardDateProblem =
  /** Not 8 digits (`ABCDEFGH`, blanks, a stray character). */
  | 'not-a-date'
  /** 8 digits that name no day (`20991399`, 30 February). */
  | 'impossible-date'
  /** A validity that only starts after today. */
  | 'not-yet-valid'
  /** A birth date after today. */
  | 'in-the-future'
  /** A validity that ends before it starts. */
  | 'ends-before-start'
  /** The field is blank on a card whose reader delivers it. */
  | 'missing';

export type ParsedCardDate = { ok: true; date: CalendarDate } | { ok: false; problem: 'not-a-date' | 'impossible-date' };

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days in `month` (1–12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/**
 * Parses `YYYYMMDD` (as on the card) or `YYYY-MM-DD` (as the decoder presents a real date). Years
 * 1800–2199 only: a card date outside them is a misread, not history or the far future.
 */
export function parseCardDate(text: string): ParsedCardDate {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  // Both separators or none: "2020-0101" is not a date either.
  if (!m || (text.length !== 8 && text.length !== 10)) return { ok: false, problem: 'not-a-date' };
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1800 || year > 2199 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, problem: 'impossible-date' };
  }
  return { ok: true, date: { year, month, day, iso: `${m[1]}-${m[2]}-${m[3]}` } };
}

/** A date's ISO form when it parses, else null. */
export function isoCardDate(text: string): string | null {
  const p = parseCardDate(text);
  return p.ok ? p.date.iso : null;
}

/** The dates a card states. `null` = the reader delivers no such field (an ASCII-line reader gives the number only). */
export interface CardDates {
  validFrom: string | null;
  /** A date, 'long-term' (长期), or null. */
  validUntil: string | null;
  birthDate: string | null;
}

export interface CardDateFinding {
  field: keyof CardDates;
  problem: CardDateProblem;
}

/** What the dates say about the card today. */
export interface CardDateVerdict {
  /** Dates that cannot be right (each an error with its reason). */
  problems: CardDateFinding[];
  /** The validity ended before `today` (`validUntil` is a real date). */
  expired: boolean;
  /** The real expiry date, when there is one. */
  validUntil: string | null;
}

/**
 * Judges a card's dates on `today` (the local calendar date, `YYYY-MM-DD`): every field that is
 * given must be a real date (validUntil may also be 'long-term'); validity may not start after
 * today nor end before it starts; nobody is born after today. Expiry is reported separately, since
 * an expired card is a genuine card (policy `cardExpired`), and an impossible date is not.
 */
export function judgeCardDates(dates: CardDates, today: string): CardDateVerdict {
  const problems: CardDateFinding[] = [];
  const parse = (field: keyof CardDates, value: string | null): CalendarDate | null => {
    if (value === null) return null;
    if (value.trim() === '') {
      problems.push({ field, problem: 'missing' });
      return null;
    }
    const p = parseCardDate(value);
    if (!p.ok) {
      problems.push({ field, problem: p.problem });
      return null;
    }
    return p.date;
  };
  const from = parse('validFrom', dates.validFrom);
  const until = dates.validUntil === 'long-term' ? null : parse('validUntil', dates.validUntil);
  const born = parse('birthDate', dates.birthDate);
  if (from && from.iso > today) problems.push({ field: 'validFrom', problem: 'not-yet-valid' });
  if (from && until && until.iso < from.iso) problems.push({ field: 'validUntil', problem: 'ends-before-start' });
  if (born && born.iso > today) problems.push({ field: 'birthDate', problem: 'in-the-future' });
  return { problems, expired: until !== null && until.iso < today, validUntil: until?.iso ?? null };
}
