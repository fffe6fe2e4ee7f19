import type { CalibrationCheck, CalibrationRecord } from './calibrations.js';
import { Calibrations } from './calibrations.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { currentSchemaVersion } from './migrations.js';
import type { OutboxCounts } from './outbox.js';
import { PendingWrites } from './pending-writes.js';
import { Outbox } from './outbox.js';
import type { PersonalDataCipher } from './personal-data-cipher.js';

/**
 * A read-only look at a kiosk database without its key, for `kiosk doctor`: it may run beside the
 * running kiosk (SQLite's WAL lets a reader in) and must change nothing. What it reads needs no
 * decryption: counts, times, calibrations (which hold no personal data), the outbox's size. The
 * queries are the store modules' own; nothing here writes.
 */
export interface StoreInspection {
  /** The database's schema version (the kiosk migrates it at its next start when older than the build's). */
  schemaVersion: number;
  screenings: number;
  /** Epoch ms of the newest screening's end, or null when there is none. */
  newestFinishedMs: number | null;
  /** The thermometer's latest calibration (Calibrations.latest). */
  latestCalibration(deviceId: string): CalibrationRecord | null;
  /**
   * The latest daily drift check of a calibration (Calibrations.latestCheck); null when there is
   * none, or the database predates the drift-check table (its migration runs at the kiosk's start).
   */
  latestDriftCheck(calibrationId: string): CalibrationCheck | null;
  /** Upload queue: rows by status (Outbox.counts), and the oldest pending row's age. */
  outbox: OutboxCounts & { oldestPendingMs: number | null };
  close(): void;
}

/**
 * Opens `file` read-only with SQLite's quick check (a damaged file throws DatabaseCorruptError,
 * after the store preserved a copy of it).
 */
export function inspectStore(file: string): StoreInspection {
  const db: SqliteDatabase = openDatabase(file, { readonly: true, integrityCheck: 'quick' });
  try {
    // Neither the outbox's cipher nor the write queue is touched by the read-only queries used here.
    const noCipher = null as unknown as PersonalDataCipher;
    const outbox: Outbox = new Outbox(db, noCipher);
    const calibrations = new Calibrations(db, outbox, new PendingWrites());
    const row = db.prepare('SELECT COUNT(*) AS n, MAX(finished_ms) AS newest FROM screenings').get() as { n: number; newest: number | null };
    const oldest = db.prepare("SELECT MIN(created_at) AS at FROM outbox WHERE status = 'pending'").get() as { at: number | null };
    const hasDriftChecks = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'calibration_checks'").get() !== undefined;
    return {
      schemaVersion: currentSchemaVersion(db),
      screenings: row.n,
      newestFinishedMs: row.newest,
      latestCalibration: (deviceId) => calibrations.latest(deviceId),
      latestDriftCheck: (calibrationId) => (hasDriftChecks ? calibrations.latestCheck(calibrationId) : null),
      outbox: { ...outbox.counts(), oldestPendingMs: oldest.at },
      close: () => db.close(),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
