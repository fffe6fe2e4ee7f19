import { createHash } from 'node:crypto';
import type { AuditLog } from './audit-log.js';
import type { SqliteDatabase } from './database.js';
import type { Dispositions, StaffDisposition } from './dispositions.js';
import type { ManualRegistration, ManualRegistrations } from './manual-registrations.js';
import { PRIORITY_URGENT, type Outbox } from './outbox.js';
import type { PersonalDataCipher } from './personal-data-cipher.js';
import { newRecordId } from './record-id.js';
import { deleteRegistrations, deleteScreenings } from './retention.js';
import type { ScreeningStore, StoredScreening } from './screening-store.js';

/**
 * What the store holds about one person, found by the keyed blind index of the ID number
 * (`screenings.id_hash`, and `manual_registrations.id_hash` for someone staff registered without a
 * readable card, with the screening that measured them; personal-data-cipher.ts): never by
 * decrypting or scanning numbers. The
 * technician's answer to a person's request (PIPL arts. 44–47, docs/privacy.md):
 *
 * - `find`: the screening and registration ids (no decryption at all);
 * - `read`: each screening as far as it can be read, with its dispositions and delivery state, and
 *   each registration;
 * - `erase`: deletes the screenings, their dispositions, the registrations and every outbox row of
 *   them in one
 *   transaction (secure_delete zeroes the pages; the WAL is truncated after), appends one audit
 *   entry (counts, the request's reference, a digest of the ids: no personal data) and, when asked,
 *   queues an erasure request for central as an outbox row of kind `erasure`.
 *
 * Screening counts per quarter hour (statistics) are not personal data and stay.
 */
export interface SubjectScreening {
  stored: StoredScreening;
  dispositions: StaffDisposition[];
  /** The upload state of the screening: pending, sent (acknowledged by central), dead, or null (no row). */
  delivery: 'pending' | 'sent' | 'dead' | null;
}

/** A manual registration of the person, with its upload state. */
export interface SubjectRegistration {
  registration: ManualRegistration | null;
  id: string;
  /** Set when a value could not be decrypted (the registration is then null). */
  unreadable: boolean;
  delivery: 'pending' | 'sent' | 'dead' | null;
}

/** Everything held about one person. */
export interface SubjectHoldings {
  screenings: SubjectScreening[];
  registrations: SubjectRegistration[];
}

/** Whether to ask central to erase what it received (the caller decides by delivery mode). */
export type ErasureToCentral =
  /** Always queue one (a kiosk with a central service: central may hold records not yet acknowledged). */
  | { queue: 'always'; idHash: string | null }
  /** Only if central acknowledged one of the records (a standalone kiosk that once had a central service). */
  | { queue: 'if-delivered'; idHash: string | null }
  | { queue: 'never' };

/** The payload of an `erasure` outbox row: what central needs to find and delete its copies. */
export interface ErasureRequest {
  requestId: string;
  requestedAt: string;
  /** The documented request's reference (e.g. a ticket number), as the technician gave it. */
  reference: string;
  /** Ids of the screenings, dispositions, registrations and registration links the kiosk deleted (central keys records by them). */
  recordIds: string[];
  /** The deployment's keyed hash of the ID number (main/engine/id-hasher.ts), for copies central got elsewhere; null when unknown. */
  idHash: string | null;
}

export interface SubjectErasure {
  screenings: number;
  dispositions: number;
  registrations: number;
  outboxRows: number;
  /** The erasure request queued for central, or null. */
  erasureRequestId: string | null;
  /** The audit entry's sequence number. */
  auditSeq: number;
}

export class SubjectData {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly cipher: PersonalDataCipher,
    private readonly screenings: ScreeningStore,
    private readonly dispositions: Dispositions,
    private readonly registrations: ManualRegistrations,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    private readonly now: () => Date,
  ) {}

  /** Ids of this person's screenings (by card, or measuring a registration of them) and registrations (blind index), oldest first. */
  find(idNumber: string): { screenings: string[]; registrations: string[] } {
    const hash = this.cipher.blindIndex(idNumber);
    const screenings = this.db
      .prepare(
        `SELECT s.id FROM screenings s WHERE s.id_hash = @hash
         UNION SELECT r.screening_id FROM manual_registrations r WHERE r.id_hash = @hash AND r.screening_id IS NOT NULL
         ORDER BY 1`,
      )
      .pluck()
      .all({ hash }) as string[];
    const registrations = this.db.prepare('SELECT id FROM manual_registrations WHERE id_hash = ? ORDER BY id').pluck().all(hash) as string[];
    return { screenings, registrations };
  }

  /** Everything held about this person, oldest first. */
  read(idNumber: string): SubjectHoldings {
    return this.db.transaction((): SubjectHoldings => {
      const ids = this.find(idNumber);
      return {
        screenings: ids.screenings.flatMap((id) => {
          const stored = this.screenings.readOne(id);
          return stored ? [{ stored, dispositions: this.dispositions.forScreening(id), delivery: this.outbox.status(id) }] : [];
        }),
        registrations: ids.registrations.map((id) => {
          let registration: ManualRegistration | null = null;
          try {
            registration = this.registrations.get(id);
          } catch {
            // A damaged value: reported as unreadable, never stops the answer.
          }
          return { id, registration, unreadable: registration === null, delivery: this.outbox.status(id) };
        }),
      };
    })();
  }

  /**
   * Deletes everything held about this person (see the class comment). `reference` names the
   * documented request; `actor` who carried it out. Returns what was deleted; a person with no
   * records is recorded too (the request was answered: nothing held).
   */
  erase(idNumber: string, request: { actor: string; reference: string; toCentral: ErasureToCentral }): SubjectErasure {
    const result = this.db
      .transaction((): SubjectErasure => {
        const ids = this.find(idNumber);
        const dispositionIds = ids.screenings.flatMap((id) => this.dispositions.idsForScreening(id));
        const where = ids.registrations.map(() => '?').join(',');
        const links = ids.registrations.length === 0 ? [] : (this.db.prepare(`SELECT id || '.' || screening_id FROM manual_registrations WHERE screening_id IS NOT NULL AND id IN (${where})`).pluck().all(...ids.registrations) as string[]);
        const recordIds = [...ids.screenings, ...dispositionIds, ...ids.registrations, ...links];
        const delivered = recordIds.some((id) => this.outbox.status(id) === 'sent');
        this.db.exec('DROP TABLE IF EXISTS temp.subject_ids');
        this.db.exec('CREATE TEMP TABLE subject_ids (id TEXT PRIMARY KEY)');
        const add = this.db.prepare('INSERT OR IGNORE INTO temp.subject_ids (id) VALUES (?)');
        for (const id of ids.screenings) add.run(id);
        const removed = deleteScreenings(this.db, 'temp.subject_ids');
        this.db.exec('DELETE FROM temp.subject_ids');
        for (const id of ids.registrations) add.run(id);
        const alone = deleteRegistrations(this.db, 'temp.subject_ids');
        this.db.exec('DROP TABLE temp.subject_ids');
        removed.registrations += alone.registrations;
        removed.outboxRows += alone.outboxRows;
        const { toCentral } = request;
        let erasureRequestId: string | null = null;
        if (recordIds.length > 0 && (toCentral.queue === 'always' || (toCentral.queue === 'if-delivered' && delivered))) {
          erasureRequestId = newRecordId();
          const payload: ErasureRequest = { requestId: erasureRequestId, requestedAt: this.now().toISOString(), reference: request.reference, recordIds, idHash: toCentral.idHash };
          this.outbox.enqueue('erasure', erasureRequestId, payload, PRIORITY_URGENT);
        }
        const entry = this.audit.append(request.actor, 'privacy.subject.delete', {
          reference: request.reference,
          screenings: removed.screenings,
          dispositions: removed.dispositions,
          registrations: removed.registrations,
          outboxRows: removed.outboxRows,
          recordsDigest: recordsDigest(recordIds),
          erasureRequest: erasureRequestId,
        });
        return { ...removed, erasureRequestId, auditSeq: entry.seq };
      })
      .immediate();
    if (result.screenings > 0 || result.registrations > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return result;
  }
}

/**
 * SHA-256 of the sorted record ids (hex), or null for none: whoever holds the ids (central, from an
 * erasure request) can match them to the audit entry, which itself names no record.
 */
export function recordsDigest(ids: readonly string[]): string | null {
  if (ids.length === 0) return null;
  return createHash('sha256').update([...ids].sort().join('\n'), 'utf8').digest('hex');
}
