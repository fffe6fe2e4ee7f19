import type { SqliteDatabase } from './database.js';

/** Counts for one hour. screened = passed + held (completed screenings); abandoned are counted apart. */
export interface HourStats {
  /** Local start of the hour, ISO with offset. */
  hourStart: string;
  /** Local hour of day 0..23. */
  hour: number;
  screened: number;
  passed: number;
  held: number;
  fever: number;
  abandoned: number;
}

const HOUR_MS = 3_600_000;
/** The counts table's bucket: 15 minutes (every UTC offset in use is a multiple of it). */
const BUCKET_MS = 900_000;

/**
 * Screened / passed / held / fever per hour, from `screening_counts` (kept per 15-minute bucket by
 * a trigger on every inserted screening): today's statistics read 96 small rows however many
 * records the store holds. Counts stay after retention purges the records (they are not personal).
 * Hours are local wall-clock hours from the start of the first day (China has no DST; in a zone
 * with DST a changeover day shows 23 or 25 rows).
 */
export class Statistics {
  private readonly query;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.query = db.prepare(`
      SELECT (bucket * ${BUCKET_MS} - CAST(@anchor AS INTEGER)) / ${HOUR_MS} AS hour_index,
             SUM(passed) AS passed, SUM(held) AS held, SUM(fever) AS fever, SUM(abandoned) AS abandoned
        FROM screening_counts
       WHERE bucket >= CAST(@from AS INTEGER) / ${BUCKET_MS} AND bucket < CAST(@to AS INTEGER) / ${BUCKET_MS}
       GROUP BY 1`);
  }

  /** Today's 24 hours (local time). */
  today(): HourStats[] {
    const start = startOfLocalDay(this.now());
    return this.hourly(start, addLocalDays(start, 1));
  }

  /** Every hour from the start of `fromDay` to the end of `toDay` (local dates, inclusive). */
  range(fromDay: Date, toDay: Date): HourStats[] {
    return this.hourly(startOfLocalDay(fromDay), addLocalDays(startOfLocalDay(toDay), 1));
  }

  /** Every hour in [from, to). */
  hourly(from: Date, to: Date): HourStats[] {
    const anchor = from.getTime();
    const rows = this.query.all({ anchor, from: anchor, to: to.getTime() }) as Array<{ hour_index: number; passed: number; held: number; fever: number; abandoned: number }>;
    const byBucket = new Map(rows.map((r) => [r.hour_index, r]));
    const hours: HourStats[] = [];
    for (let b = 0, t = anchor; t < to.getTime(); b++, t += HOUR_MS) {
      const r = byBucket.get(b);
      const at = new Date(t);
      hours.push({ hourStart: isoLocal(at), hour: at.getHours(), screened: (r?.passed ?? 0) + (r?.held ?? 0), passed: r?.passed ?? 0, held: r?.held ?? 0, fever: r?.fever ?? 0, abandoned: r?.abandoned ?? 0 });
    }
    return hours;
  }
}

/** Sums of a list of hours. */
export function totals(hours: readonly HourStats[]): Omit<HourStats, 'hourStart' | 'hour'> {
  return hours.reduce((a, h) => ({ screened: a.screened + h.screened, passed: a.passed + h.passed, held: a.held + h.held, fever: a.fever + h.fever, abandoned: a.abandoned + h.abandoned }), { screened: 0, passed: 0, held: 0, fever: 0, abandoned: 0 });
}

export function startOfLocalDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

export function addLocalDays(d: Date, days: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days);
}

function isoLocal(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:00:00${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}
