import type { SqliteDatabase } from './database.js';
import { PRIORITY_URGENT, type Outbox } from './outbox.js';
import type { PendingWrites } from './pending-writes.js';
import { aadFor, type PersonalDataCipher } from './personal-data-cipher.js';
import { assertRecordId, newRecordId } from './record-id.js';

/** What staff did with a held person. */
export interface StaffDisposition {
  id: string; // UUIDv7
  screeningId: string;
  staffId: string;
  /** e.g. 'released', 'referred', 'remeasured', 'denied'. */
  action: string;
  /** Free text: may name a person, so it is encrypted. */
  note: string | null;
  at: string; // ISO
  /** The re-check with a contact thermometer, when staff made one (°C as read, never rounded). */
  recheck?: { temperatureC: number; method: RecheckMethod };
}

/** How staff re-checked a held person. */
export type RecheckMethod = 'handheld-ir' | 'axillary' | 'oral' | 'tympanic';
export const RECHECK_METHODS: readonly RecheckMethod[] = ['handheld-ir', 'axillary', 'oral', 'tympanic'];

export type NewDisposition = Omit<StaffDisposition, 'id' | 'at'> & { id?: string; at?: string };

interface DispositionRow {
  id: string;
  screening_id: string;
  staff_id: string;
  action: string;
  note_enc: Buffer | null;
  at: string;
  recheck_c: number | null;
  recheck_method: RecheckMethod | null;
}

/** Staff dispositions, each linked (foreign key) to its screening, with its outbox row, sent urgently. */
export class Dispositions {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly cipher: PersonalDataCipher,
    private readonly outbox: Outbox,
    private readonly pending: PendingWrites,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(input: NewDisposition): Promise<StaffDisposition> {
    const d: StaffDisposition = { id: input.id ?? newRecordId(), screeningId: input.screeningId, staffId: input.staffId, action: input.action, note: input.note ?? null, at: input.at ?? this.now().toISOString() };
    if (input.recheck) d.recheck = { temperatureC: input.recheck.temperatureC, method: input.recheck.method };
    assertRecordId(d.id, 'disposition');
    const atMs = Date.parse(d.at);
    if (!Number.isFinite(atMs)) throw new Error(`disposition ${d.id}: "at" is not an ISO date-time`);
    const write = this.db.transaction(() => {
      if (!this.db.prepare('SELECT 1 FROM screenings WHERE id = ?').get(d.screeningId)) {
        throw new Error(`disposition ${d.id}: screening ${d.screeningId} does not exist`);
      }
      const changes = this.db
        .prepare('INSERT INTO dispositions (id, screening_id, staff_id, action, note_enc, at, at_ms, recheck_c, recheck_method) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING')
        .run(d.id, d.screeningId, d.staffId, d.action, d.note === null ? null : this.cipher.encryptText(d.note, aadFor('dispositions', 'note', d.id)), d.at, atMs, d.recheck?.temperatureC ?? null, d.recheck?.method ?? null).changes;
      if (changes === 1) this.outbox.enqueue('disposition', d.id, d, PRIORITY_URGENT);
    });
    this.pending.run(d.id, () => write.immediate(), { kind: 'disposition' });
    return d;
  }

  /** Ids of a screening's dispositions (nothing decrypted). */
  idsForScreening(screeningId: string): string[] {
    return this.db.prepare('SELECT id FROM dispositions WHERE screening_id = ? ORDER BY at_ms, id').pluck().all(screeningId) as string[];
  }

  forScreening(screeningId: string): StaffDisposition[] {
    const rows = this.db.prepare('SELECT * FROM dispositions WHERE screening_id = ? ORDER BY at_ms, id').all(screeningId) as DispositionRow[];
    return rows.map((r) => {
      const d: StaffDisposition = {
        id: r.id,
        screeningId: r.screening_id,
        staffId: r.staff_id,
        action: r.action,
        note: r.note_enc ? this.cipher.decryptText(r.note_enc, aadFor('dispositions', 'note', r.id)) : null,
        at: r.at,
      };
      if (r.recheck_c !== null && r.recheck_method !== null) d.recheck = { temperatureC: r.recheck_c, method: r.recheck_method };
      return d;
    });
  }
}
