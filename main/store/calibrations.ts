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
  ) {
    super();
  }

  async record(input: NewCalibration): Promise<CalibrationRecord> {
    const c: CalibrationRecord = { id: input.id ?? newRecordId(), deviceId: input.deviceId, performedAt: input.performedAt ?? this.now().toISOString(), gain: input.gain, offsetC: input.offsetC, points: input.points, technicianId: input.technicianId ?? null, note: input.note ?? null };
    assertRecordId(c.id, 'calibration');
    if (!Number.isFinite(c.gain) || !Number.isFinite(c.offsetC)) throw new Error(`calibration ${c.id}: gain and offsetC must be finite numbers`);
    const write = this.db.transaction(() => {
      const changes = this.db
        .prepare('INSERT INTO calibrations (id, device_id, performed_at, gain, offset_c, points, technician_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING')
        .run(c.id, c.deviceId, c.performedAt, c.gain, c.offsetC, JSON.stringify(c.points), c.technicianId, c.note).changes;
      if (changes === 1) this.outbox.enqueue('calibration', c.id, c, PRIORITY_NORMAL);
    });
    this.pending.run(c.id, () => write.immediate(), { kind: 'calibration', onWritten: () => this.emit('recorded', c) });
    return c;
  }

  /** The device's most recent calibration, or null. */
  latest(deviceId: string): CalibrationRecord | null {
    const r = this.db.prepare('SELECT * FROM calibrations WHERE device_id = ? ORDER BY performed_at DESC, id DESC LIMIT 1').get(deviceId) as CalibrationRow | undefined;
    return r ? fromRow(r) : null;
  }

  get(id: string): CalibrationRecord | null {
    const r = this.db.prepare('SELECT * FROM calibrations WHERE id = ?').get(id) as CalibrationRow | undefined;
    return r ? fromRow(r) : null;
  }
}

function fromRow(r: CalibrationRow): CalibrationRecord {
  return { id: r.id, deviceId: r.device_id, performedAt: r.performed_at, gain: r.gain, offsetC: r.offset_c, points: JSON.parse(r.points) as CalibrationRecord['points'], technicianId: r.technician_id, note: r.note };
}
