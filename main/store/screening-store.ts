import type { RecordSink } from '../engine/record-sink.js';
import type { ScreeningRecord } from '../engine/screening-record.js';
import type { SqliteDatabase } from './database.js';
import { clearStatistics, cardToJson, joinCard, splitCard } from './id-card-codec.js';
import { PRIORITY_NORMAL, PRIORITY_URGENT, type Outbox } from './outbox.js';
import { GroupCommit } from './group-commit.js';
import type { PendingWrites } from './pending-writes.js';
import { aadFor, type PersonalDataCipher } from './personal-data-cipher.js';
import { assertRecordId } from './record-id.js';

/** The engine's sink (main/engine/record-sink.ts), implemented by ScreeningStore. */
export type { RecordSink };

interface ScreeningRow {
  id: string;
  checkpoint_id: string;
  device_id: string;
  started_at: string;
  finished_at: string;
  station_mode: ScreeningRecord['stationMode'];
  outcome: ScreeningRecord['outcome'];
  decision: ScreeningRecord['decision'];
  mode: ScreeningRecord['mode'];
  colour: ScreeningRecord['colour'];
  fever: number;
  reasons: string;
  temperatures: string;
  duplicate_of: string | null;
  policy_version: string;
  abandon_reason: string | null;
  name_enc: Buffer | null;
  id_number_enc: Buffer | null;
  address_enc: Buffer | null;
  photo_enc: Buffer | null;
  card_rest_enc: Buffer | null;
}

const T = 'screenings';

/**
 * Screenings: one row per started screening plus its outbox row, in one IMMEDIATE transaction.
 * Personal fields are encrypted per value; only statistics fields are in clear.
 *
 * `commit` resolves once the record and its outbox row are durably committed (synchronous=FULL).
 * It rejects with StoreFullError (`isStoreFull(err)`, `err.pending === true`) when the disk is full:
 * the record is then kept in memory and retried, and the kiosk must hold people for staff. A second
 * commit of a committed id is a no-op (the first version is kept); of a queued id, it replaces it.
 */
export class ScreeningStore implements RecordSink {
  private readonly insert;
  private readonly write;
  private readonly group: GroupCommit;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly cipher: PersonalDataCipher,
    private readonly outbox: Outbox,
    pending: PendingWrites,
  ) {
    this.group = new GroupCommit(db, pending);
    this.insert = db.prepare(`INSERT INTO screenings (
        id, checkpoint_id, device_id, started_at, finished_at, finished_ms, station_mode, outcome, decision, mode,
        colour, fever, reasons, temperatures, duplicate_of, policy_version, abandon_reason, card_type, region_code,
        birth_year, sex, id_valid, id_hash, name_enc, id_number_enc, address_enc, photo_enc, card_rest_enc
      ) VALUES (
        @id, @checkpointId, @deviceId, @startedAt, @finishedAt, @finishedMs, @stationMode, @outcome, @decision, @mode,
        @colour, @fever, @reasons, @temperatures, @duplicateOf, @policyVersion, @abandonReason, @cardType, @regionCode,
        @birthYear, @sex, @idValid, @idHash, @nameEnc, @idNumberEnc, @addressEnc, @photoEnc, @cardRestEnc
      ) ON CONFLICT(id) DO NOTHING`);
    this.write = db.transaction((row: Record<string, unknown>, id: string, payload: unknown, priority: number) => {
      if (this.insert.run(row).changes === 0) return; // already committed (a retry): nothing more to do
      this.outbox.enqueue('screening', id, payload, priority);
    });
  }

  async commit(record: ScreeningRecord): Promise<void> {
    assertRecordId(record.id, 'screening');
    const finishedMs = Date.parse(record.finishedAt);
    if (!Number.isFinite(finishedMs)) throw new Error(`screening ${record.id}: finishedAt "${record.finishedAt}" is not an ISO date-time`);
    const row = this.toRow(record, finishedMs);
    const payload = { ...record, card: record.card ? cardToJson(record.card) : null };
    const priority = record.decision === 'HOLD' || record.fever ? PRIORITY_URGENT : PRIORITY_NORMAL;
    await this.group.submit(record.id, () => this.write.immediate(row, record.id, payload, priority));
  }

  /** The record as committed, personal fields decrypted. */
  get(id: string): ScreeningRecord | null {
    const r = this.db.prepare('SELECT * FROM screenings WHERE id = ?').get(id) as ScreeningRow | undefined;
    return r ? this.fromRow(r) : null;
  }

  /** Ids of screenings of the person with this ID number (via the blind index; never decrypts). */
  idsForIdNumber(idNumber: string): string[] {
    const rows = this.db.prepare('SELECT id FROM screenings WHERE id_hash = ? ORDER BY id').all(this.cipher.blindIndex(idNumber)) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM screenings').get() as { n: number }).n;
  }

  /** Screenings finished in [fromMs, toMs), oldest first, decrypted. */
  *between(fromMs: number, toMs: number): Generator<ScreeningRecord> {
    const ids = this.db.prepare('SELECT id FROM screenings WHERE finished_ms >= ? AND finished_ms < ? ORDER BY finished_ms, id').pluck().all(fromMs, toMs) as string[];
    for (const id of ids) {
      const record = this.get(id);
      if (record) yield record;
    }
  }

  private toRow(record: ScreeningRecord, finishedMs: number): Record<string, unknown> {
    const base = {
      id: record.id,
      checkpointId: record.checkpointId,
      deviceId: record.deviceId,
      startedAt: record.startedAt,
      finishedAt: record.finishedAt,
      finishedMs,
      stationMode: record.stationMode,
      outcome: record.outcome,
      decision: record.decision,
      mode: record.mode,
      colour: record.colour,
      fever: record.fever ? 1 : 0,
      reasons: JSON.stringify(record.reasons),
      temperatures: JSON.stringify(record.temperatures),
      duplicateOf: record.duplicateOf,
      policyVersion: record.policyVersion,
      abandonReason: record.abandonReason ?? null,
    };
    if (!record.card) {
      return { ...base, cardType: null, regionCode: null, birthYear: null, sex: null, idValid: null, idHash: null, nameEnc: null, idNumberEnc: null, addressEnc: null, photoEnc: null, cardRestEnc: null };
    }
    const parts = splitCard(record.card);
    const stats = clearStatistics(record.card);
    const aad = (column: string) => aadFor(T, column, record.id);
    return {
      ...base,
      cardType: record.card.type,
      regionCode: stats.regionCode,
      birthYear: stats.birthYear,
      sex: stats.sex,
      idValid: stats.idValid ? 1 : 0,
      idHash: this.cipher.blindIndex(parts.idNumber),
      nameEnc: this.cipher.encryptText(parts.name, aad('name')),
      idNumberEnc: this.cipher.encryptText(parts.idNumber, aad('id_number')),
      addressEnc: parts.address === null ? null : this.cipher.encryptText(parts.address, aad('address')),
      photoEnc: this.cipher.encrypt(parts.photo, aad('photo')),
      cardRestEnc: this.cipher.encryptText(JSON.stringify(parts.rest), aad('card_rest')),
    };
  }

  private fromRow(r: ScreeningRow): ScreeningRecord {
    const aad = (column: string) => aadFor(T, column, r.id);
    const card =
      r.id_number_enc && r.name_enc && r.photo_enc && r.card_rest_enc
        ? joinCard({
            name: this.cipher.decryptText(r.name_enc, aad('name')),
            idNumber: this.cipher.decryptText(r.id_number_enc, aad('id_number')),
            address: r.address_enc ? this.cipher.decryptText(r.address_enc, aad('address')) : null,
            photo: this.cipher.decrypt(r.photo_enc, aad('photo')),
            rest: JSON.parse(this.cipher.decryptText(r.card_rest_enc, aad('card_rest'))) as Record<string, unknown>,
          })
        : null;
    const record: ScreeningRecord = {
      id: r.id,
      checkpointId: r.checkpoint_id,
      deviceId: r.device_id,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      stationMode: r.station_mode,
      outcome: r.outcome,
      decision: r.decision,
      mode: r.mode,
      colour: r.colour,
      reasons: JSON.parse(r.reasons) as ScreeningRecord['reasons'],
      card,
      duplicateOf: r.duplicate_of,
      temperatures: JSON.parse(r.temperatures) as ScreeningRecord['temperatures'],
      fever: r.fever === 1,
      policyVersion: r.policy_version,
    };
    if (r.abandon_reason !== null) record.abandonReason = r.abandon_reason;
    return record;
  }
}
