import type { AuditLog } from './audit-log.js';
import type { SqliteDatabase } from './database.js';
import { PRIORITY_NORMAL, type Outbox } from './outbox.js';
import type { PendingWrites } from './pending-writes.js';
import { aadFor, type PersonalDataCipher } from './personal-data-cipher.js';
import { assertRecordId, newRecordId } from './record-id.js';

/** Someone registered by staff because no card could be read (children, passports, damaged cards, ...). */
export interface ManualRegistration {
  id: string; // UUIDv7
  at: string;
  staffId: string;
  /** resident, hmt-permit, foreign-2017, foreign-2023, passport, other (main/console/document-rules.ts). */
  documentType: string;
  /** 'valid': the number passed its document's rule; 'no-rule': the document has no checkable rule. */
  numberCheck: 'valid' | 'no-rule';
  documentNumber: string;
  name: string;
  phone: string | null;
  /** The measurement that followed, once it started. */
  screeningId: string | null;
}

export type NewManualRegistration = Omit<ManualRegistration, 'id' | 'at' | 'screeningId'>;

interface RegistrationRow {
  id: string;
  at: string;
  staff_id: string;
  document_type: string;
  number_check: 'valid' | 'no-rule';
  document_number_enc: Buffer;
  name_enc: Buffer;
  phone_enc: Buffer | null;
  screening_id: string | null;
}

const T = 'manual_registrations';

/**
 * Manual registrations: number, name and phone encrypted per value (AAD = table.column:id), the
 * number also as a blind index; written with an outbox row and an audit entry (no personal data in it).
 * The link to the screening is set when the measurement starts and travels as its own outbox row.
 */
export class ManualRegistrations {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly cipher: PersonalDataCipher,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    private readonly pending: PendingWrites,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(input: NewManualRegistration): Promise<ManualRegistration> {
    const at = this.now();
    const r: ManualRegistration = { ...input, id: newRecordId(), at: at.toISOString(), screeningId: null };
    assertRecordId(r.id, 'manual registration');
    const aad = (c: string) => aadFor(T, c, r.id);
    const write = this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO manual_registrations (id, at, at_ms, staff_id, document_type, number_check, id_hash, document_number_enc, name_enc, phone_enc)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          r.id,
          r.at,
          at.getTime(),
          r.staffId,
          r.documentType,
          r.numberCheck,
          this.cipher.blindIndex(r.documentNumber),
          this.cipher.encryptText(r.documentNumber, aad('document_number')),
          this.cipher.encryptText(r.name, aad('name')),
          r.phone === null ? null : this.cipher.encryptText(r.phone, aad('phone')),
        );
      this.outbox.enqueue('manual-registration', r.id, r, PRIORITY_NORMAL);
      this.audit.append(r.staffId, 'registration.created', { registration: r.id, documentType: r.documentType, numberCheck: r.numberCheck });
    });
    this.pending.run(r.id, () => write.immediate());
    return r;
  }

  /** Links the registration to the screening that measures the person (once). */
  linkScreening(registrationId: string, screeningId: string): void {
    const write = this.db.transaction(() => {
      const changes = this.db.prepare('UPDATE manual_registrations SET screening_id = ? WHERE id = ? AND screening_id IS NULL').run(screeningId, registrationId).changes;
      if (changes === 1) this.outbox.enqueue('registration-link', `${registrationId}.${screeningId}`, { registrationId, screeningId }, PRIORITY_NORMAL);
    });
    this.pending.run(`link:${registrationId}`, () => write.immediate());
  }

  get(id: string): ManualRegistration | null {
    const row = this.db.prepare('SELECT * FROM manual_registrations WHERE id = ?').get(id) as RegistrationRow | undefined;
    if (!row) return null;
    const aad = (c: string) => aadFor(T, c, row.id);
    return {
      id: row.id,
      at: row.at,
      staffId: row.staff_id,
      documentType: row.document_type,
      numberCheck: row.number_check,
      documentNumber: this.cipher.decryptText(row.document_number_enc, aad('document_number')),
      name: this.cipher.decryptText(row.name_enc, aad('name')),
      phone: row.phone_enc ? this.cipher.decryptText(row.phone_enc, aad('phone')) : null,
      screeningId: row.screening_id,
    };
  }

  forScreening(screeningId: string): string | null {
    return (this.db.prepare('SELECT id FROM manual_registrations WHERE screening_id = ?').pluck().get(screeningId) as string | undefined) ?? null;
  }
}
