import type { SqliteDatabase } from './database.js';

/** What the store holds now, in counts and dates only (the live processing summary; no personal data). */
export interface Holdings {
  screenings: number;
  /** Screenings with a card (name, ID number, address ... encrypted). */
  withCard: number;
  /** Screenings with the card photo kept (only when the site keeps photos). */
  withPhoto: number;
  dispositions: number;
  /** People registered by staff without a readable card (document number, name, phone encrypted). */
  registrations: number;
  /** When the oldest screening held was finished (ISO), or null when none is held. */
  oldestFinishedAt: string | null;
  audit: { entries: number; oldestAt: string | null };
}

export function countHoldings(db: SqliteDatabase): Holdings {
  return db.transaction((): Holdings => {
    const s = db
      .prepare('SELECT COUNT(*) AS n, COUNT(id_hash) AS card, COUNT(photo_enc) AS photo, MIN(finished_ms) AS oldest FROM screenings')
      .get() as { n: number; card: number; photo: number; oldest: number | null };
    const dispositions = db.prepare('SELECT COUNT(*) FROM dispositions').pluck().get() as number;
    const registrations = db.prepare('SELECT COUNT(*) FROM manual_registrations').pluck().get() as number;
    const audit = db.prepare('SELECT COUNT(*) AS n, MIN(at) AS oldest FROM audit_log').get() as { n: number; oldest: string | null };
    return {
      screenings: s.n,
      withCard: s.card,
      withPhoto: s.photo,
      dispositions,
      registrations,
      oldestFinishedAt: s.oldest === null ? null : new Date(s.oldest).toISOString(),
      audit: { entries: audit.n, oldestAt: audit.oldest },
    };
  })();
}
