/**
 * A thermometer calibration in force: corrected = gain · raw + offset. Produced by the technician
 * procedure (see calibration.ts) and kept by the store; the engine only reads the current one.
 */
export interface Calibration {
  id: string;
  /** The thermometer it was made for. */
  deviceId: string;
  kind: 'one-point' | 'two-point';
  gain: number;
  offset: number;
  /** ISO wall-clock time it was made and until when it is valid. */
  createdAt: string;
  validUntil: string;
  /** The last daily drift check exceeded its limit: recalibration required. */
  driftFlagged?: boolean;
}

export interface CalibrationSource {
  /** The calibration in force for a thermometer, or null when none was ever made. */
  current(deviceId: string): Calibration | null;
}

/** A fixed calibration (or none), for tests, the CLI and simulators. */
export class StaticCalibrationSource implements CalibrationSource {
  constructor(private readonly calibration: Calibration | null) {}
  current(): Calibration | null {
    return this.calibration;
  }
}

export type CalibrationState = 'valid' | 'missing' | 'expired' | 'drift';

/** Whether a calibration may be used at a wall-clock time. */
export function calibrationState(cal: Calibration | null, now: Date): CalibrationState {
  if (!cal) return 'missing';
  if (Date.parse(cal.validUntil) <= now.getTime() || Number.isNaN(Date.parse(cal.validUntil))) return 'expired';
  if (cal.driftFlagged) return 'drift';
  return 'valid';
}
