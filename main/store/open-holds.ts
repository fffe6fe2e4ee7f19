import type { Reason, TemperatureEstimate, WatchColour } from '../engine/screening-record.js';
import type { SqliteDatabase } from './database.js';
import { maskIdNumber, maskName } from './masking.js';
import { aadFor, type PersonalDataCipher } from './personal-data-cipher.js';

/** A held screening nobody has resolved yet, as staff may see it: identity masked here, in the store. */
export interface OpenHold {
  screeningId: string;
  finishedAt: string;
  finishedMs: number;
  reasons: Reason[];
  colour: WatchColour | null;
  fever: boolean;
  /** The last body-temperature estimate, as computed (null: none was made). */
  estimateC: number | null;
  identity: { idNumber: string; name: string; document: string; source: 'card' | 'registration' } | null;
}

interface HoldRow {
  id: string;
  finished_at: string;
  finished_ms: number;
  reasons: string;
  colour: WatchColour | null;
  fever: number;
  temperatures: string;
  card_type: string | null;
  name_enc: Buffer | null;
  id_number_enc: Buffer | null;
  reg_id: string | null;
  reg_type: string | null;
  reg_number_enc: Buffer | null;
  reg_name_enc: Buffer | null;
}

/**
 * The staff hold queue: screenings decided HOLD with no disposition yet, oldest first. Reads the
 * partial index on held screenings; decrypts only name and number, and masks them at once
 * (`330784********1234`, `张*`): nothing unmasked leaves this module.
 */
export class OpenHolds {
  private readonly listQuery;
  private readonly oneQuery;

  constructor(
    db: SqliteDatabase,
    private readonly cipher: PersonalDataCipher,
  ) {
    const select = `
      SELECT s.id, s.finished_at, s.finished_ms, s.reasons, s.colour, s.fever, s.temperatures, s.card_type, s.name_enc, s.id_number_enc,
             r.id AS reg_id, r.document_type AS reg_type, r.document_number_enc AS reg_number_enc, r.name_enc AS reg_name_enc
        FROM screenings s
        LEFT JOIN manual_registrations r ON r.screening_id = s.id
       WHERE s.outcome = 'hold' AND NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.screening_id = s.id)`;
    this.listQuery = db.prepare(`${select} ORDER BY s.finished_ms, s.id LIMIT ?`);
    this.oneQuery = db.prepare(`${select} AND s.id = ?`);
  }

  list(limit = 200): OpenHold[] {
    return (this.listQuery.all(limit) as HoldRow[]).map((r) => this.toHold(r));
  }

  /** The hold, when it is still open; null when resolved or not a hold. */
  get(screeningId: string): OpenHold | null {
    const row = this.oneQuery.get(screeningId) as HoldRow | undefined;
    return row ? this.toHold(row) : null;
  }

  private toHold(r: HoldRow): OpenHold {
    const temperatures = JSON.parse(r.temperatures) as TemperatureEstimate[];
    return {
      screeningId: r.id,
      finishedAt: r.finished_at,
      finishedMs: r.finished_ms,
      reasons: JSON.parse(r.reasons) as Reason[],
      colour: r.colour,
      fever: r.fever === 1,
      estimateC: temperatures.at(-1)?.estimateC ?? null,
      identity: this.identityOf(r),
    };
  }

  private identityOf(r: HoldRow): OpenHold['identity'] {
    if (r.id_number_enc && r.name_enc) {
      const aad = (c: string) => aadFor('screenings', c, r.id);
      return {
        idNumber: maskIdNumber(this.cipher.decryptText(r.id_number_enc, aad('id_number'))),
        name: maskName(this.cipher.decryptText(r.name_enc, aad('name'))),
        document: r.card_type ?? 'resident',
        source: 'card',
      };
    }
    if (r.reg_id && r.reg_number_enc && r.reg_name_enc) {
      const aad = (c: string) => aadFor('manual_registrations', c, r.reg_id!);
      return {
        idNumber: maskIdNumber(this.cipher.decryptText(r.reg_number_enc, aad('document_number'))),
        name: maskName(this.cipher.decryptText(r.reg_name_enc, aad('name'))),
        document: r.reg_type ?? 'other',
        source: 'registration',
      };
    }
    return null;
  }
}
