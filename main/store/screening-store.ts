import type { CommitOptions, RecordSink } from '../engine/record-sink.js';
import type { ScreeningRecord } from '../engine/screening-record.js';
import type { SqliteDatabase } from './database.js';
import { clearStatistics, cardToJson, joinCard, MINIMUM_COLLECTION, minimiseCard, splitCard, type CollectionSettings } from './id-card-codec.js';
import { PRIORITY_NORMAL, PRIORITY_URGENT, type Outbox } from './outbox.js';
import { GroupCommit } from './group-commit.js';
import type { PendingWrites } from './pending-writes.js';
import { aadFor, type PersonalDataCipher } from './personal-data-cipher.js';
import { assertRecordId } from './record-id.js';
import type { StoreSeal } from './store-seal.js';

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
  lists: string | null;
  name_enc: Buffer | null;
  id_number_enc: Buffer | null;
  address_enc: Buffer | null;
  photo_enc: Buffer | null;
  card_rest_enc: Buffer | null;
  mac: Buffer | null;
}

const T = 'screenings';

/**
 * One stored screening as read for an export or a check, whatever state it is in: `record` holds
 * everything that could be read (the card is null when a personal field could not be decrypted,
 * listed in `unreadable`); `seal` says whether the row is still what the kiosk wrote.
 */
export interface StoredScreening {
  id: string;
  finishedAt: string;
  record: ScreeningRecord | null;
  /** Columns that could not be decrypted or parsed (e.g. `name_enc`, `reasons`). */
  unreadable: string[];
  /** 'ok': the row's MAC matches; 'altered': it does not; 'unsealed': the row has no MAC. */
  seal: 'ok' | 'altered' | 'unsealed';
}

/** What `kiosk audit verify` reports about the screening rows. */
export interface RecordSealCheck {
  checked: number;
  altered: string[];
  unsealed: string[];
}

/**
 * Screenings: one row per started screening plus its outbox row, in one IMMEDIATE transaction.
 * Personal fields are encrypted per value; only statistics fields are in clear.
 *
 * `commit` resolves once the record and its outbox row are durably committed (synchronous=FULL).
 * It rejects with StoreFullError / StoreWriteError (`err.pending === true`) when the record cannot be
 * written now: the version to keep (`options.whenQueued(record)`, the HOLD STORE_UNAVAILABLE the
 * engine shows) then waits in the store's one retry queue, and the kiosk must hold people for staff.
 * A second commit of a committed id is a no-op (the first version is kept); of a waiting id, it
 * replaces it (the latest version wins). The outbox priority follows the version written: a HOLD or
 * a fever is urgent.
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
    private readonly seal: StoreSeal,
    private readonly collection: CollectionSettings = MINIMUM_COLLECTION,
  ) {
    this.group = new GroupCommit(db, pending);
    this.insert = db.prepare(`INSERT INTO screenings (
        id, checkpoint_id, device_id, started_at, finished_at, finished_ms, station_mode, outcome, decision, mode,
        colour, fever, reasons, temperatures, duplicate_of, policy_version, abandon_reason, card_type, region_code,
        birth_year, sex, id_valid, id_hash, name_enc, id_number_enc, address_enc, photo_enc, card_rest_enc, lists
      ) VALUES (
        @id, @checkpointId, @deviceId, @startedAt, @finishedAt, @finishedMs, @stationMode, @outcome, @decision, @mode,
        @colour, @fever, @reasons, @temperatures, @duplicateOf, @policyVersion, @abandonReason, @cardType, @regionCode,
        @birthYear, @sex, @idValid, @idHash, @nameEnc, @idNumberEnc, @addressEnc, @photoEnc, @cardRestEnc, @lists
      ) ON CONFLICT(id) DO NOTHING`);
    const readRow = db.prepare('SELECT * FROM screenings WHERE id = ?');
    const setMac = db.prepare('UPDATE screenings SET mac = ? WHERE id = ?');
    this.write = db.transaction((row: Record<string, unknown>, id: string, payload: unknown, priority: number) => {
      if (this.insert.run(row).changes === 0) return; // already committed (a retry): nothing more to do
      // Sealed as stored (every column, as SQLite returns it), in the same transaction.
      setMac.run(this.seal.rowMac(T, readRow.get(id) as Record<string, unknown>), id);
      this.outbox.enqueue('screening', id, payload, priority);
    });
  }

  async commit(record: ScreeningRecord, options: CommitOptions = {}): Promise<void> {
    const write = this.writeOf(record);
    const { whenQueued, signal } = options;
    await this.group.submit({
      key: record.id,
      write,
      ...(whenQueued && { fallback: () => this.writeOf(whenQueued(record)) }),
      ...(signal && { signal }),
      run: { kind: 'screening' },
    });
  }

  /** The transaction that writes this version of a record and its outbox row (validated first). */
  private writeOf(record: ScreeningRecord): () => void {
    assertRecordId(record.id, 'screening');
    const finishedMs = Date.parse(record.finishedAt);
    if (!Number.isFinite(finishedMs)) throw new Error(`screening ${record.id}: finishedAt "${record.finishedAt}" is not an ISO date-time`);
    // Minimum data: what the store and the upload keep of the card (id-card-codec.ts).
    const card = record.card ? minimiseCard(record.card, this.collection) : null;
    const row = this.toRow({ ...record, card }, finishedMs);
    const payload = { ...record, card: card ? cardToJson(card) : null };
    const priority = record.decision === 'HOLD' || record.fever ? PRIORITY_URGENT : PRIORITY_NORMAL;
    return () => this.write.immediate(row, record.id, payload, priority);
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

  /**
   * Screenings finished in [fromMs, toMs), oldest first, each read as far as it can be: a damaged
   * value or an altered row is reported with the record, never stops the reading (export).
   */
  *readBetween(fromMs: number, toMs: number): Generator<StoredScreening> {
    const ids = this.db.prepare('SELECT id FROM screenings WHERE finished_ms >= ? AND finished_ms < ? ORDER BY finished_ms, id').pluck().all(fromMs, toMs) as string[];
    const one = this.db.prepare('SELECT * FROM screenings WHERE id = ?');
    for (const id of ids) {
      const row = one.get(id) as (ScreeningRow & Record<string, unknown>) | undefined;
      if (row) yield this.readStored(row);
    }
  }

  /** One screening read as far as it can be (a damaged value is listed, never thrown), or null. */
  readOne(id: string): StoredScreening | null {
    const row = this.db.prepare('SELECT * FROM screenings WHERE id = ?').get(id) as (ScreeningRow & Record<string, unknown>) | undefined;
    return row ? this.readStored(row) : null;
  }

  /** Seals every row without a seal (once, when a store from before seals is opened). Returns how many. */
  sealUnsealed(): number {
    const rows = this.db.prepare('SELECT * FROM screenings WHERE mac IS NULL').all() as Array<Record<string, unknown>>;
    const setMac = this.db.prepare('UPDATE screenings SET mac = ? WHERE id = ?');
    for (const row of rows) setMac.run(this.seal.rowMac(T, row), row.id);
    return rows.length;
  }

  /** Checks the seal of every screening row (kiosk audit verify). */
  checkSeals(): RecordSealCheck {
    return checkRecordSeals(this.db, this.seal);
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
      lists: record.lists ? JSON.stringify(record.lists) : null,
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
      photoEnc: parts.photo.length === 0 ? null : this.cipher.encrypt(parts.photo, aad('photo')),
      cardRestEnc: this.cipher.encryptText(JSON.stringify(parts.rest), aad('card_rest')),
    };
  }

  private readStored(row: ScreeningRow & Record<string, unknown>): StoredScreening {
    const seal = !Buffer.isBuffer(row.mac) ? 'unsealed' : this.seal.rowIsSealed(T, row) ? 'ok' : 'altered';
    const unreadable: string[] = [];
    let record: ScreeningRecord | null = null;
    try {
      record = this.fromRow(row, unreadable);
    } catch {
      // A clear column (reasons, temperatures) is not JSON: listed in `unreadable`.
    }
    return { id: row.id, finishedAt: row.finished_at, record, unreadable, seal };
  }

  /**
   * The record from its row. Without `unreadable`, a damaged value throws (DecryptionError); with
   * it, each column that cannot be read is listed there and the card is left out (null).
   */
  private fromRow(r: ScreeningRow, unreadable?: string[]): ScreeningRecord {
    const aad = (column: string) => aadFor(T, column, r.id);
    const read = <V>(column: string, f: () => V): V | null => {
      if (!unreadable) return f();
      try {
        return f();
      } catch {
        unreadable.push(column);
        return null;
      }
    };
    let card: ScreeningRecord['card'] = null;
    if (r.id_number_enc && r.name_enc && r.card_rest_enc) {
      const parts = {
        name: read('name_enc', () => this.cipher.decryptText(r.name_enc!, aad('name'))),
        idNumber: read('id_number_enc', () => this.cipher.decryptText(r.id_number_enc!, aad('id_number'))),
        address: r.address_enc ? read('address_enc', () => this.cipher.decryptText(r.address_enc!, aad('address'))) : null,
        // No photo kept (the default, docs/privacy.md): the card comes back with an empty photo.
        photo: r.photo_enc ? read('photo_enc', () => this.cipher.decrypt(r.photo_enc!, aad('photo'))) : Buffer.alloc(0),
        rest: read('card_rest_enc', () => JSON.parse(this.cipher.decryptText(r.card_rest_enc!, aad('card_rest'))) as Record<string, unknown>),
      };
      if (parts.name !== null && parts.idNumber !== null && parts.photo !== null && parts.rest !== null && (parts.address !== null || !r.address_enc)) {
        card = joinCard({ name: parts.name, idNumber: parts.idNumber, address: parts.address, photo: parts.photo, rest: parts.rest });
      }
    }
    const json = <V>(column: 'reasons' | 'temperatures'): V => {
      try {
        return JSON.parse(r[column]) as V;
      } catch (err) {
        unreadable?.push(column);
        throw err;
      }
    };
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
      reasons: json<ScreeningRecord['reasons']>('reasons'),
      card,
      duplicateOf: r.duplicate_of,
      temperatures: json<ScreeningRecord['temperatures']>('temperatures'),
      fever: r.fever === 1,
      policyVersion: r.policy_version,
    };
    if (r.abandon_reason !== null) record.abandonReason = r.abandon_reason;
    if (r.lists !== null) record.lists = JSON.parse(r.lists) as NonNullable<ScreeningRecord['lists']>;
    return record;
  }
}

/** Checks the seal of every screening row; needs no more than a read-only connection and the key. */
export function checkRecordSeals(db: SqliteDatabase, seal: StoreSeal): RecordSealCheck {
  const result: RecordSealCheck = { checked: 0, altered: [], unsealed: [] };
  for (const row of db.prepare('SELECT * FROM screenings ORDER BY finished_ms, id').iterate() as IterableIterator<Record<string, unknown>>) {
    result.checked++;
    if (!Buffer.isBuffer(row.mac)) result.unsealed.push(String(row.id));
    else if (!seal.rowIsSealed(T, row)) result.altered.push(String(row.id));
  }
  return result;
}
