import type { CalibrationConfig } from '../config/kiosk-config.js';
import type { CalibrationStateView } from '../contract/console-messages.js';
import { checkDrift, detectStability, fitOnePoint, fitTwoPoint, verifyAt37, type Fit, type Verification } from '../engine/calibration.js';
import type { Calibration } from '../engine/calibration-source.js';
import type { CalibrationCheck, CalibrationRecord, CalibrationRun } from '../store/calibrations.js';

/**
 * The technician's blackbody procedure (docs/calibration.md §2–§3), as steps one UI or the CLI
 * drives: warm-up check → one or two set-points, each captured once its readings are stable →
 * verification at 37 °C with the residual against the limit → save; and the daily drift check.
 * The maths is main/engine/calibration.ts; this class only keeps the steps and the raw readings.
 *
 * Readings are the thermometer's raw object temperatures as decoded (never corrected here). A
 * change of set-point starts a fresh window, so readings taken while the blackbody moved never count.
 */
export interface WizardDeps {
  config: CalibrationConfig;
  deviceId: string;
  protocol: string;
  softwareVersion: string;
  /** Monotonic ms. */
  now(): number;
  /** Minutes the thermometer has been online (warm-up), and the minutes required. */
  warmUp(): { minutes: number; requiredMinutes: number };
  /** The calibration in force (for the drift check and the status line), or null. */
  current(): (Calibration & { state: string }) | null;
  history(): CalibrationRecord[];
  save(record: { gain: number; offsetC: number; points: Array<{ referenceC: number; measuredC: number }>; technicianId: string; run: CalibrationRun }): Promise<CalibrationRecord>;
  saveCheck(check: Omit<CalibrationCheck, 'id' | 'at'>): Promise<CalibrationCheck>;
  /** Simulation only: moves the simulated blackbody to the set-point (null = takes it away). */
  simulatedBlackbody?: ((setPointC: number | null) => void) | undefined;
  /**
   * Simulation only: the simulated blackbody's "at temperature" indication. Readings taken while it
   * still moves are not kept (a technician confirms a set-point only once the blackbody shows ready).
   */
  blackbodyReady?: (() => boolean) | undefined;
}

export interface RunMeta {
  kind: 'one-point' | 'two-point';
  blackbodyId: string;
  certificateDate: string;
  ambientC: number;
  technicianId: string;
}

type Step = CalibrationStateView['step'];
const WINDOW_KEEP = 200;
/** Default set-points: §2 (one-point at 37 °C; two-point 35 and 39 °C) and the 37 °C verification. */
export const SET_POINTS = { 'one-point': [37], 'two-point': [35, 39] } as const;
export const VERIFY_AT_C = 37;

export class WizardError extends Error {
  override name = 'WizardError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class CalibrationWizard {
  private step: Step = 'idle';
  private meta: RunMeta | null = null;
  private warmUpAtStart = { minutes: 0, requiredMinutes: 0 };
  private setPoints: number[] = [];
  private setPointC: number | null = null;
  private window: number[] = [];
  private captured: CalibrationStateView['captured'] = [];
  private capturedReadings: number[][] = [];
  private fit: Extract<Fit, { ok: true }> | null = null;
  private verification: Verification | null = null;
  private drift: CalibrationStateView['drift'] = null;
  private problem: string | null = null;
  private savedId: string | null = null;
  private driftTechnician: string | null = null;
  private verificationReadings: number[] = [];

  constructor(private readonly deps: WizardDeps) {}

  /** True while the procedure needs the thermometer (the kiosk must not screen meanwhile). */
  get active(): boolean {
    return this.step === 'set-point' || this.step === 'verify' || this.step === 'review' || this.step === 'drift-check' || this.step === 'warm-up';
  }

  /** A raw reading from the thermometer (objectC as decoded). */
  onReading(objectC: number): void {
    if (this.setPointC === null) return;
    if (this.deps.blackbodyReady && !this.deps.blackbodyReady()) return;
    this.window.push(objectC);
    if (this.window.length > WINDOW_KEEP) this.window.splice(0, this.window.length - WINDOW_KEEP);
  }

  start(meta: RunMeta): void {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(meta.certificateDate) || Number.isNaN(Date.parse(meta.certificateDate))) throw new WizardError('certificateDate', 'the blackbody certificate date is YYYY-MM-DD');
    if (meta.blackbodyId.trim() === '') throw new WizardError('blackbodyId', 'give the blackbody id (as on its certificate)');
    if (Date.parse(meta.certificateDate) > Date.now()) throw new WizardError('certificateDate', 'the certificate date lies in the future');
    this.reset();
    this.meta = { ...meta, blackbodyId: meta.blackbodyId.trim() };
    this.warmUpAtStart = this.deps.warmUp();
    this.setPoints = [...SET_POINTS[meta.kind]];
    this.step = 'set-point';
    this.moveTo(this.setPoints[0]!);
    if (this.warmUpAtStart.minutes < this.warmUpAtStart.requiredMinutes) {
      this.problem = `warm-up: the thermometer has run ${this.warmUpAtStart.minutes.toFixed(0)} of ${this.warmUpAtStart.requiredMinutes} minutes; results may drift (recorded with the calibration)`;
    }
  }

  /** The technician set the blackbody to another temperature than proposed. */
  setPoint(c: number): void {
    if (this.step !== 'set-point' && this.step !== 'verify' && this.step !== 'drift-check') throw new WizardError('setPointC', 'no set-point is being measured now');
    if (this.step === 'set-point') this.setPoints[this.captured.length] = c;
    this.moveTo(c);
  }

  /** Takes the stable window at the current set-point; refuses unstable data. */
  capture(): void {
    const st = this.stabilityNow();
    if (!st || !st.stable) throw new WizardError('stability', `readings at ${this.setPointC ?? '?'} °C are not stable yet (${st ? `${st.values.length} of ${this.deps.config.stabilitySamples} readings, spread ${Number.isFinite(st.spreadC) ? st.spreadC.toFixed(3) : '–'} °C` : 'no readings'}); wait`);
    const readings = st.values;
    if (this.step === 'set-point') {
      this.captured.push({ referenceC: this.setPointC!, n: readings.length, meanC: st.meanC, sdC: st.sdC, spreadC: st.spreadC });
      this.capturedReadings.push(readings);
      if (this.captured.length < this.setPoints.length) {
        this.moveTo(this.setPoints[this.captured.length]!);
        return;
      }
      const stability = { samples: this.deps.config.stabilitySamples, maxSpreadC: this.deps.config.stabilityMaxSpreadC };
      const points = this.captured.map((p, i) => ({ referenceC: p.referenceC, readings: this.capturedReadings[i]! }));
      const fit = points.length === 1 ? fitOnePoint(points[0]!, stability) : fitTwoPoint(points[0]!, points[1]!, stability);
      if (!fit.ok) {
        this.problem = fit.problem;
        this.captured = [];
        this.capturedReadings = [];
        this.moveTo(this.setPoints[0]!);
        throw new WizardError('fit', fit.problem);
      }
      this.fit = fit;
      this.step = 'verify';
      this.moveTo(VERIFY_AT_C);
      return;
    }
    if (this.step === 'verify') {
      this.verificationReadings = [...readings];
      this.verification = verifyAt37({ gain: this.fit!.gain, offset: this.fit!.offset }, readings, this.deps.config.verifyMaxResidualC, this.setPointC!);
      this.step = 'review';
      this.problem = this.verification.pass ? null : `verification failed: residual ${this.verification.maxAbsResidualC.toFixed(3)} °C exceeds ${this.verification.maxResidualAllowedC} °C; check the set-up and calibrate again`;
      this.deps.simulatedBlackbody?.(null);
      this.setPointC = null;
      return;
    }
    if (this.step === 'drift-check') {
      const cal = this.deps.current();
      if (!cal) throw new WizardError('calibration', 'there is no calibration to check');
      const d = checkDrift(cal, readings, this.deps.config.driftLimitC, this.setPointC!);
      this.drift = { errorC: d.errorC, limitC: d.limitC, flagged: d.flagged };
      this.step = 'drift-done';
      this.deps.simulatedBlackbody?.(null);
      this.setPointC = null;
      void this.deps
        .saveCheck({ calibrationId: cal.id, deviceId: this.deps.deviceId, referenceC: d.referenceC, errorC: d.errorC, limitC: d.limitC, flagged: d.flagged, readings, technicianId: this.driftTechnician })
        .catch((err: unknown) => (this.problem = `the drift check could not be saved: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    throw new WizardError('step', 'nothing to capture now');
  }

  /** Saves a verified calibration; refuses one whose verification failed. */
  async save(): Promise<CalibrationRecord> {
    if (this.step !== 'review' || !this.fit || !this.verification || !this.meta) throw new WizardError('step', 'measure and verify before saving');
    if (!this.verification.pass) throw new WizardError('verification', this.problem ?? 'verification failed');
    const validUntil = new Date(Date.now() + this.deps.config.validityDays * 86_400_000).toISOString();
    const run: CalibrationRun = {
      kind: this.meta.kind,
      blackbody: { id: this.meta.blackbodyId, certificateDate: this.meta.certificateDate },
      ambientC: this.meta.ambientC,
      warmUpMinutes: this.warmUpAtStart.minutes,
      points: this.captured.map((p) => ({ ...p })),
      verification: {
        referenceC: this.verification.referenceC,
        readings: this.verificationReadings,
        residualsC: this.verification.residualsC,
        maxAbsResidualC: this.verification.maxAbsResidualC,
        limitC: this.verification.maxResidualAllowedC,
        pass: true,
      },
      validUntil,
      protocol: this.deps.protocol,
      softwareVersion: this.deps.softwareVersion,
    };
    const record = await this.deps.save({
      gain: this.fit.gain,
      offsetC: this.fit.offset,
      points: this.captured.map((p) => ({ referenceC: p.referenceC, measuredC: p.meanC })),
      technicianId: this.meta.technicianId,
      run,
    });
    this.savedId = record.id;
    this.step = 'saved';
    return record;
  }

  startDriftCheck(technicianId: string): void {
    if (!this.deps.current()) throw new WizardError('calibration', 'there is no calibration to check; calibrate first');
    this.reset();
    this.driftTechnician = technicianId;
    this.step = 'drift-check';
    this.moveTo(VERIFY_AT_C);
  }

  cancel(): void {
    this.deps.simulatedBlackbody?.(null);
    this.reset();
  }

  private reset(): void {
    this.step = 'idle';
    this.meta = null;
    this.setPoints = [];
    this.setPointC = null;
    this.window = [];
    this.captured = [];
    this.capturedReadings = [];
    this.fit = null;
    this.verification = null;
    this.drift = null;
    this.problem = null;
    this.savedId = null;
  }

  private moveTo(c: number): void {
    this.setPointC = c;
    this.window = [];
    this.deps.simulatedBlackbody?.(c);
  }

  private stabilityNow() {
    if (this.setPointC === null) return null;
    return detectStability(this.window, { samples: this.deps.config.stabilitySamples, maxSpreadC: this.deps.config.stabilityMaxSpreadC });
  }

  view(): CalibrationStateView {
    const st = this.stabilityNow();
    const current = this.deps.current();
    return {
      step: this.step,
      kind: this.meta?.kind ?? null,
      deviceId: this.deps.deviceId,
      warmUp: { ...this.deps.warmUp(), ok: this.deps.warmUp().minutes >= this.deps.warmUp().requiredMinutes },
      setPoints: this.setPoints,
      currentSetPointC: this.setPointC,
      captured: this.captured,
      stability: st
        ? {
            n: st.values.length,
            needed: this.deps.config.stabilitySamples,
            meanC: Number.isFinite(st.meanC) ? st.meanC : null,
            spreadC: Number.isFinite(st.spreadC) ? st.spreadC : null,
            maxSpreadC: this.deps.config.stabilityMaxSpreadC,
            stable: st.stable,
            latestC: this.window.at(-1) ?? null,
          }
        : null,
      fit: this.fit ? { gain: this.fit.gain, offsetC: this.fit.offset } : null,
      verification: this.verification
        ? { referenceC: this.verification.referenceC, residualsC: this.verification.residualsC, maxAbsResidualC: this.verification.maxAbsResidualC, limitC: this.verification.maxResidualAllowedC, pass: this.verification.pass }
        : null,
      drift: this.drift,
      problem: this.problem,
      savedId: this.savedId,
      simulatedBlackbody: this.deps.simulatedBlackbody !== undefined,
      current: current ? { id: current.id, performedAt: current.createdAt, gain: current.gain, offsetC: current.offset, validUntil: current.validUntil, state: current.state } : null,
      history: this.deps.history().map((h) => ({
        id: h.id,
        performedAt: h.performedAt,
        gain: h.gain,
        offsetC: h.offsetC,
        technician: h.technicianId,
        kind: h.run?.kind ?? (h.points.length >= 2 ? 'two-point' : 'one-point'),
        maxAbsResidualC: h.run?.verification.maxAbsResidualC ?? null,
      })),
    };
  }
}
