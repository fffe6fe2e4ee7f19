import { createHash } from 'node:crypto';
import type { AuditLog } from './audit-log.js';
import type { SqliteDatabase } from './database.js';
import type { Dispositions, StaffDisposition } from './dispositions.js';
import { PRIORITY_URGENT, type Outbox } from './outbox.js';
import { newRecordId } from './record-id.js';
import { deleteScreenings } from './retention.js';
import type { ScreeningStore, StoredScreening } from './screening-store.js';

/**
 * What the store holds about one person, found by the keyed blind index of the ID number
 * (`screenings.id_hash`, personal-data-cipher.ts): never by decrypting or scanning numbers. The
 * technician's answer to a person's request (PIPL arts. 44–47, docs/privacy.md):
 *
 * - `find`: the screening ids (no decryption at all);
 * - `read`: each screening as far as it can be read, with its dispositions and delivery state;
 * - `erase`: deletes the screenings, their dispositions and every outbox row of them in one
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
  /** Ids of the screenings and dispositions the kiosk deleted (central keys records by them). */
  recordIds: string[];
  /** The deployment's keyed hash of the ID number (main/engine/id-hasher.ts), for copies central got elsewhere; null when unknown. */
  idHash: string | null;
}

export interface SubjectErasure {
  screenings: number;
  dispositions: number;
  outboxRows: number;
  /** The erasure request queued for central, or null. */
  erasureRequestId: string | null;
  /** The audit entry's sequence number. */
  auditSeq: number;
}

export class SubjectData {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly screenings: ScreeningStore,
    private readonly dispositions: Dispositions,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    private readonly now: () => Date,
  ) {}

  /** Ids of this person's screenings (blind index), oldest first. */
  find(idNumber: string): string[] {
    return this.screenings.idsForIdNumber(idNumber);
  }

  /** Everything held about this person, oldest first. */
  read(idNumber: string): SubjectScreening[] {
    return this.db.transaction(() =>
      this.find(idNumber).flatMap((id) => {
        const stored = this.screenings.readOne(id);
        return stored ? [{ stored, dispositions: this.dispositions.forScreening(id), delivery: this.outbox.status(id) }] : [];
      }),
    )();
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
        const dispositionIds = ids.flatMap((id) => this.dispositions.idsForScreening(id));
        const recordIds = [...ids, ...dispositionIds];
        const delivered = recordIds.some((id) => this.outbox.status(id) === 'sent');
        this.db.exec('DROP TABLE IF EXISTS temp.subject_ids');
        this.db.exec('CREATE TEMP TABLE subject_ids (id TEXT PRIMARY KEY)');
        const add = this.db.prepare('INSERT INTO temp.subject_ids (id) VALUES (?)');
        for (const id of ids) add.run(id);
        const removed = deleteScreenings(this.db, 'temp.subject_ids');
        this.db.exec('DROP TABLE temp.subject_ids');
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
          outboxRows: removed.outboxRows,
          recordsDigest: recordsDigest(recordIds),
          erasureRequest: erasureRequestId,
        });
        return { ...removed, erasureRequestId, auditSeq: entry.seq };
      })
      .immediate();
    if (result.screenings > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
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
