import type { TemperatureConfig } from '../config/kiosk-config.js';
import type { ThermoReading } from '../../drivers/thermometer/reading.js';
import { applyCalibration } from './calibration.js';
import type { Calibration } from './calibration-source.js';
import type { Implausible, TemperatureEstimate, TemperatureSample } from './screening-record.js';
import { applySkinToBody, describeModel } from './skin-to-body.js';

/**
 * One measurement attempt: readings in, a body-temperature estimate out.
 *
 * Each reading is corrected with the device's calibration (gain, offset), then classified:
 * out-of-range (device flag, not finite, or above the skin ceiling), no-subject (below the skin
 * floor, near ambient) or too-far (below the floor but clearly warmer than ambient: the spot takes
 * in background). Accepted samples fill a window: complete after `samples` of them, or once
 * `windowMs` has passed since the first with at least `minSamples`. The estimate is the skin-to-body
 * model applied to their median (or max). Raw values are kept as received; nothing is clamped or rounded.
 *
 * The plausibility stage (the only one) then judges the estimate: the ambient the model used must
 * lie within `plausibility.ambientMinC…ambientMaxC` (the range the model holds for: a GY frame may
 * report an ambient of 125 °C, which is no room a person is screened in), and the body estimate
 * within `bodyMinC…bodyMaxC`. An estimate outside is kept as computed, marked `implausible`, and
 * is not a temperature: it can never PASS anyone.
 */
export class TemperaturePipeline {
  private readonly all: TemperatureSample[] = [];
  private readonly accepted: TemperatureSample[] = [];
  private firstAcceptedMs: number | null = null;

  constructor(
    private readonly config: TemperatureConfig,
    private readonly calibration: Calibration | null,
  ) {}

  /** Adds one reading; returns the sample (with its rejection, if any). */
  add(reading: Pick<ThermoReading, 'objectC' | 'ambientC' | 'outOfRange' | 'monotonicMs'>): TemperatureSample {
    const correctedC = applyCalibration(this.calibration, reading.objectC);
    const sample: TemperatureSample = { objectC: reading.objectC, correctedC, monotonicMs: reading.monotonicMs };
    if (reading.ambientC !== undefined) sample.ambientC = reading.ambientC;
    const rejected = this.classify(reading.outOfRange, correctedC, reading.ambientC);
    if (rejected) sample.rejected = rejected;
    this.all.push(sample);
    if (!rejected) {
      this.accepted.push(sample);
      if (this.firstAcceptedMs === null) this.firstAcceptedMs = reading.monotonicMs;
    }
    return sample;
  }

  private classify(outOfRange: boolean, c: number, ambientC: number | undefined): TemperatureSample['rejected'] | undefined {
    if (outOfRange || !Number.isFinite(c) || c > this.config.skinMaxC) return 'out-of-range';
    if (c < this.config.skinMinC) {
      return ambientC !== undefined && Number.isFinite(ambientC) && c - ambientC >= this.config.tooFarAboveAmbientC ? 'too-far' : 'no-subject';
    }
    return undefined;
  }

  get acceptedCount(): number {
    return this.accepted.length;
  }

  /** Monotonic time of the first accepted sample (a subject is present), or null. */
  get subjectSinceMs(): number | null {
    return this.firstAcceptedMs;
  }

  /** Every sample so far, accepted or rejected, in arrival order. */
  samples(): TemperatureSample[] {
    return [...this.all];
  }

  /** When the time-based completion is due (first accepted + windowMs), or null before a subject. */
  windowDueMs(): number | null {
    return this.firstAcceptedMs === null ? null : this.firstAcceptedMs + this.config.windowMs;
  }

  isComplete(nowMs: number): boolean {
    if (this.accepted.length >= this.config.samples) return true;
    const due = this.windowDueMs();
    return due !== null && nowMs >= due && this.accepted.length >= this.config.minSamples;
  }

  /**
   * The estimate from the accepted samples, or why there is none. Call once `isComplete`; with
   * fewer than `minSamples` accepted samples there is no estimate.
   */
  estimate(attempt: number): { ok: true; estimate: TemperatureEstimate } | { ok: false; problem: 'too-few-samples' | 'needs-ambient' | 'not-finite' } {
    if (this.accepted.length < this.config.minSamples || this.accepted.length === 0) return { ok: false, problem: 'too-few-samples' };
    const values = this.accepted.map((s) => s.correctedC);
    const medianC = median(values);
    const maxC = Math.max(...values);
    const ambients = this.accepted.flatMap((s) => (s.ambientC === undefined || !Number.isFinite(s.ambientC) ? [] : [s.ambientC]));
    const ambientC = ambients.length ? median(ambients) : undefined;
    const skinC = this.config.statistic === 'max' ? maxC : medianC;
    const modelled = applySkinToBody(this.config.model, skinC, ambientC);
    if (!modelled.ok) return { ok: false, problem: modelled.problem };
    if (!Number.isFinite(modelled.estimateC)) return { ok: false, problem: 'not-finite' };
    const estimate: TemperatureEstimate = {
      samples: this.samples(),
      medianC,
      maxC,
      estimateC: modelled.estimateC,
      model: describeModel(this.config.model),
      calibrationId: this.calibration?.id ?? null,
      attempt,
      statistic: this.config.statistic,
    };
    if (ambientC !== undefined) estimate.ambientC = ambientC;
    const implausible = this.judge(ambientC, modelled.estimateC);
    if (implausible) estimate.implausible = implausible;
    return { ok: true, estimate };
  }

  /** The plausibility stage: the first bound the estimate breaks, or undefined when it is plausible. */
  private judge(ambientC: number | undefined, estimateC: number): Implausible | undefined {
    const p = this.config.plausibility;
    if (ambientC !== undefined && !(ambientC >= p.ambientMinC && ambientC <= p.ambientMaxC)) {
      return { check: 'ambient', valueC: ambientC, minC: p.ambientMinC, maxC: p.ambientMaxC };
    }
    if (!(estimateC >= p.bodyMinC && estimateC <= p.bodyMaxC)) return { check: 'estimate', valueC: estimateC, minC: p.bodyMinC, maxC: p.bodyMaxC };
    return undefined;
  }
}

/** The median (mean of the middle two for an even count), computed as is. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
