import type { Calibration } from './calibration-source.js';

/**
 * The technician's blackbody calibration (docs/calibration.md): stability detection,
 * one-point (offset) and two-point (gain + offset) fits, verification at 37 °C with residuals,
 * and the daily drift check. Pure functions: the store keeps the records, the UI drives the steps.
 * corrected = gain · raw + offset.
 */

export interface StabilityOptions {
  /** How many of the latest readings must agree. */
  samples: number;
  /** Their spread (max − min) must stay under this, in °C. */
  maxSpreadC: number;
}

export interface Stability {
  stable: boolean;
  /** The readings judged (the latest `samples`). */
  values: number[];
  meanC: number;
  sdC: number;
  spreadC: number;
  /** Why it is not stable, when it is not. */
  problem?: 'too-few-samples' | 'spread-too-large' | 'not-finite';
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sampleSd = (xs: readonly number[]) => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

/** Whether the latest N raw readings of a blackbody have settled. */
export function detectStability(readings: readonly number[], opts: StabilityOptions): Stability {
  const values = readings.slice(-opts.samples);
  if (values.some((v) => !Number.isFinite(v))) return { stable: false, values, meanC: Number.NaN, sdC: Number.NaN, spreadC: Number.NaN, problem: 'not-finite' };
  if (values.length < opts.samples) {
    return { stable: false, values, meanC: values.length ? mean(values) : Number.NaN, sdC: sampleSd(values), spreadC: values.length ? Math.max(...values) - Math.min(...values) : Number.NaN, problem: 'too-few-samples' };
  }
  const spreadC = Math.max(...values) - Math.min(...values);
  const result: Stability = { stable: spreadC < opts.maxSpreadC, values, meanC: mean(values), sdC: sampleSd(values), spreadC };
  if (!result.stable) result.problem = 'spread-too-large';
  return result;
}

/** One blackbody set-point and the raw readings taken at it. */
export interface CalibrationPoint {
  referenceC: number;
  readings: readonly number[];
}

export interface FittedPoint {
  referenceC: number;
  n: number;
  meanC: number;
  sdC: number;
}

export type Fit =
  | { ok: true; kind: 'one-point' | 'two-point'; gain: number; offset: number; points: FittedPoint[] }
  | { ok: false; problem: string };

function settle(point: CalibrationPoint, stability: StabilityOptions): { ok: true; point: FittedPoint } | { ok: false; problem: string } {
  const s = detectStability(point.readings, stability);
  if (!s.stable) {
    const why = s.problem === 'too-few-samples' ? `${s.values.length} of ${stability.samples} readings` : s.problem === 'not-finite' ? 'a reading is not a number' : `spread ${s.spreadC.toFixed(3)} °C ≥ ${stability.maxSpreadC} °C`;
    return { ok: false, problem: `readings at ${point.referenceC} °C are not stable (${why}); wait for the blackbody and the device to settle and measure again` };
  }
  return { ok: true, point: { referenceC: point.referenceC, n: s.values.length, meanC: s.meanC, sdC: s.sdC } };
}

/** One-point (offset) calibration: offset = T_bb − mean(R), gain 1. Refuses unstable data. */
export function fitOnePoint(point: CalibrationPoint, stability: StabilityOptions): Fit {
  const p = settle(point, stability);
  if (!p.ok) return p;
  return { ok: true, kind: 'one-point', gain: 1, offset: point.referenceC - p.point.meanC, points: [p.point] };
}

/** Plausible gains for a working IR sensor: outside, the data or the set-up is wrong. */
export const GAIN_BOUNDS = { min: 0.8, max: 1.25 } as const;

/**
 * Two-point calibration: gain = (T2 − T1) / (R2 − R1), offset = T1 − gain·R1.
 * Refuses unstable data, set-points less than 2 °C apart and implausible gains.
 */
export function fitTwoPoint(low: CalibrationPoint, high: CalibrationPoint, stability: StabilityOptions): Fit {
  if (Math.abs(high.referenceC - low.referenceC) < 2) return { ok: false, problem: `set-points ${low.referenceC} °C and ${high.referenceC} °C are less than 2 °C apart; use e.g. 35 °C and 39 °C` };
  const a = settle(low, stability);
  if (!a.ok) return a;
  const b = settle(high, stability);
  if (!b.ok) return b;
  const dr = b.point.meanC - a.point.meanC;
  if (dr === 0) return { ok: false, problem: 'the device read the same value at both set-points; check that it sees the blackbody' };
  const gain = (high.referenceC - low.referenceC) / dr;
  if (!(gain >= GAIN_BOUNDS.min && gain <= GAIN_BOUNDS.max)) {
    return { ok: false, problem: `fitted gain ${gain.toFixed(4)} is outside ${GAIN_BOUNDS.min}–${GAIN_BOUNDS.max}; check distance, emissivity and that the aperture fills the field of view` };
  }
  return { ok: true, kind: 'two-point', gain, offset: low.referenceC - gain * a.point.meanC, points: [a.point, b.point] };
}

/** corrected = gain · raw + offset (identity when there is no calibration). */
export function applyCalibration(cal: Pick<Calibration, 'gain' | 'offset'> | null, rawC: number): number {
  return cal ? cal.gain * rawC + cal.offset : rawC;
}

export interface Verification {
  pass: boolean;
  referenceC: number;
  /** corrected − reference, per reading. */
  residualsC: number[];
  meanResidualC: number;
  maxAbsResidualC: number;
  maxResidualAllowedC: number;
}

/** Verification at 37 °C: every corrected reading must be within the allowed residual. */
export function verifyAt37(cal: Pick<Calibration, 'gain' | 'offset'>, readings: readonly number[], maxResidualC: number, referenceC = 37): Verification {
  const residualsC = readings.map((r) => applyCalibration(cal, r) - referenceC);
  const maxAbs = residualsC.length ? Math.max(...residualsC.map(Math.abs)) : Number.POSITIVE_INFINITY;
  return {
    pass: residualsC.length > 0 && maxAbs <= maxResidualC,
    referenceC,
    residualsC,
    meanResidualC: residualsC.length ? mean(residualsC) : Number.NaN,
    maxAbsResidualC: maxAbs,
    maxResidualAllowedC: maxResidualC,
  };
}

export interface DriftCheck {
  flagged: boolean;
  /** mean(corrected) − reference. */
  errorC: number;
  limitC: number;
  referenceC: number;
  n: number;
}

/** Daily drift check: the calibrated mean at the reference; |error| above the limit flags it. */
export function checkDrift(cal: Pick<Calibration, 'gain' | 'offset'>, readings: readonly number[], limitC = 0.2, referenceC = 37): DriftCheck {
  if (readings.length === 0) return { flagged: true, errorC: Number.NaN, limitC, referenceC, n: 0 };
  const errorC = mean(readings.map((r) => applyCalibration(cal, r))) - referenceC;
  return { flagged: !(Math.abs(errorC) <= limitC), errorC, limitC, referenceC, n: readings.length };
}

/** Turns a fit into the calibration record the store keeps and the engine uses. */
export function calibrationFromFit(
  fit: Extract<Fit, { ok: true }>,
  meta: { id: string; deviceId: string; createdAt: Date; validityDays: number },
): Calibration {
  return {
    id: meta.id,
    deviceId: meta.deviceId,
    kind: fit.kind,
    gain: fit.gain,
    offset: fit.offset,
    createdAt: meta.createdAt.toISOString(),
    validUntil: new Date(meta.createdAt.getTime() + meta.validityDays * 86_400_000).toISOString(),
  };
}
