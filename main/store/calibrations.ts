import type { AuditLog } from './audit-log.js';
import { EventEmitter } from 'node:events';
import type { SqliteDatabase } from './database.js';
import { PRIORITY_NORMAL, type Outbox } from './outbox.js';
import type { PendingWrites } from './pending-writes.js';
import { assertRecordId, newRecordId } from './record-id.js';

/** A thermometer calibration against a reference (blackbody): corrected = gain * raw + offsetC. */
export interface CalibrationRecord {
  id: string; // UUIDv7; ScreeningRecord temperatures reference it as calibrationId
  deviceId: string;
  performedAt: string;
  gain: number;
  offsetC: number;
  points: Array<{ referenceC: number; measuredC: number }>;
  technicianId: string | null;
  note: string | null;
  /** The blackbody run behind it (wizard or `kiosk calibrate`); null for records made before runs were kept. */
  run?: CalibrationRun | null;
}

/**
 * What the technician procedure records beside the fit (docs/calibration.md §2, step 5):
 * blackbody and its certificate, ambient, each point's statistics, the verification, validity.
 */
export interface CalibrationRun {
  kind: 'one-point' | 'two-point';
  blackbody: { id: string; certificateDate: string };
  ambientC: number;
  /** Minutes the device had been running when the run started (warm-up check). */
  warmUpMinutes: number;
  points: Array<{ referenceC: number; n: number; meanC: number; sdC: number; spreadC: number }>;
  verification: { referenceC: number; readings: number[]; residualsC: number[]; maxAbsResidualC: number; limitC: number; pass: boolean };
  validUntil: string;
  protocol: string;
  softwareVersion: string;
}

/** A daily drift check against a blackbody at the reference temperature (docs/calibration.md §3). */
export interface CalibrationCheck {
  id: string;
  calibrationId: string;
  deviceId: string;
  at: string;
  referenceC: number;
  errorC: number;
  limitC: number;
  flagged: boolean;
  readings: number[];
  technicianId: string | null;
}

export type NewCalibration = Omit<CalibrationRecord, 'id' | 'performedAt' | 'note' | 'technicianId'> & Partial<Pick<CalibrationRecord, 'id' | 'performedAt' | 'note' | 'technicianId'>>;

interface CalibrationRow {
  id: string;
  device_id: string;
  performed_at: string;
  gain: number;
  offset_c: number;
  points: string;
  technician_id: string | null;
  note: string | null;
  run: string | null;
}

/**
 * Thermometer calibrations, append-only. `recorded` is emitted once a calibration is durably
 * written (at once, or when a full disk lets it through): the host hands it to the engine, which
 * brings an out-of-service kiosk back without polling.
 */
export class Calibrations extends EventEmitter<{ recorded: [CalibrationRecord] }> {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly outbox: Outbox,
    private readonly pending: PendingWrites,
    private readonly now: () => Date = () => new Date(),
    private readonly audit: AuditLog | null = null,
  ) {
    super();
  }

  async record(input: NewCalibration): Promise<CalibrationRecord> {
    const c: CalibrationRecord = { id: input.id ?? newRecordId(), deviceId: input.deviceId, performedAt: input.performedAt ?? this.now().toISOString(), gain: input.gain, offsetC: input.offsetC, points: input.points, technicianId: input.technicianId ?? null, note: input.note ?? null };
    if (input.run) c.run = input.run;
    assertRecordId(c.id, 'calibration');
    if (!Number.isFinite(c.gain) || !Number.isFinite(c.offsetC)) throw new Error(`calibration ${c.id}: gain and offsetC must be finite numbers`);
    const write = this.db.transaction(() => {
      const changes = this.db
        .prepare('INSERT INTO calibrations (id, device_id, performed_at, gain, offset_c, points, technician_id, note, run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING')
        .run(c.id, c.deviceId, c.performedAt, c.gain, c.offsetC, JSON.stringify(c.points), c.technicianId, c.note, c.run ? JSON.stringify(c.run) : null).changes;
      if (changes === 1) {
        this.outbox.enqueue('calibration', c.id, c, PRIORITY_NORMAL);
        this.audit?.append(c.technicianId ?? 'system', 'calibration.saved', { calibration: c.id, device: c.deviceId, gain: c.gain, offsetC: c.offsetC, kind: c.run?.kind ?? (c.points.length >= 2 ? 'two-point' : 'one-point') });
      }
    });
    this.pending.run(c.id, () => write.immediate(), { kind: 'calibration', onWritten: () => this.emit('recorded', c) });
    return c;
  }

  /** The device's most recent calibration, or null. */
  latest(deviceId: string): CalibrationRecord | null {
    const r = this.db.prepare('SELECT * FROM calibrations WHERE device_id = ? ORDER BY performed_at DESC, id DESC LIMIT 1').get(deviceId) as CalibrationRow | undefined;
    return r ? fromRow(r) : null;
  }

  /** The device's calibrations, newest first. */
  history(deviceId: string, limit = 50): CalibrationRecord[] {
    return (this.db.prepare('SELECT * FROM calibrations WHERE device_id = ? ORDER BY performed_at DESC, id DESC LIMIT ?').all(deviceId, limit) as CalibrationRow[]).map(fromRow);
  }

  /** Records a daily drift check of a calibration (with its outbox row and an audit entry). */
  async recordCheck(input: Omit<CalibrationCheck, 'id' | 'at'>): Promise<CalibrationCheck> {
    const check: CalibrationCheck = { ...input, id: newRecordId(), at: this.now().toISOString() };
    const write = this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO calibration_checks (id, calibration_id, device_id, at, reference_c, error_c, limit_c, flagged, readings, technician_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(check.id, check.calibrationId, check.deviceId, check.at, check.referenceC, check.errorC, check.limitC, check.flagged ? 1 : 0, JSON.stringify(check.readings), check.technicianId);
      this.outbox.enqueue('calibration-check', check.id, check, PRIORITY_NORMAL);
      this.audit?.append(check.technicianId ?? 'system', 'calibration.drift-check', { calibration: check.calibrationId, errorC: check.errorC, limitC: check.limitC, flagged: check.flagged });
    });
    this.pending.run(check.id, () => write.immediate());
    return check;
  }

  /** The latest drift check of a calibration, or null. */
  latestCheck(calibrationId: string): CalibrationCheck | null {
    const r = this.db.prepare('SELECT * FROM calibration_checks WHERE calibration_id = ? ORDER BY at DESC, id DESC LIMIT 1').get(calibrationId) as
      | { id: string; calibration_id: string; device_id: string; at: string; reference_c: number; error_c: number; limit_c: number; flagged: number; readings: string; technician_id: string | null }
      | undefined;
    if (!r) return null;
    return { id: r.id, calibrationId: r.calibration_id, deviceId: r.device_id, at: r.at, referenceC: r.reference_c, errorC: r.error_c, limitC: r.limit_c, flagged: r.flagged === 1, readings: JSON.parse(r.readings) as number[], technicianId: r.technician_id };
  }

  get(id: string): CalibrationRecord | null {
    const r = this.db.prepare('SELECT * FROM calibrations WHERE id = ?').get(id) as CalibrationRow | undefined;
    return r ? fromRow(r) : null;
  }
}

function fromRow(r: CalibrationRow): CalibrationRecord {
  const c: CalibrationRecord = { id: r.id, deviceId: r.device_id, performedAt: r.performed_at, gain: r.gain, offsetC: r.offset_c, points: JSON.parse(r.points) as CalibrationRecord['points'], technicianId: r.technician_id, note: r.note };
  if (r.run !== null) c.run = JSON.parse(r.run) as CalibrationRun;
  return c;
}
