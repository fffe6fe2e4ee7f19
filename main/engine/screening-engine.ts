import { EventEmitter } from 'node:events';
import { uuidv7 } from 'uuidv7';
import type { KioskConfig } from '../config/kiosk-config.js';
import type { DeviceStatus } from '../../drivers/device-status.js';
import type { IdCard, IdentityRead } from '../../drivers/idcard/id-card.js';
import type { ThermoReading } from '../../drivers/thermometer/reading.js';
import { calibrationState, type Calibration, type CalibrationSource, type CalibrationState } from './calibration-source.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import type { DeviceEvents, EngineEvents, ResultEvent, ServiceProblem } from './engine-events.js';
import { isAllowedTransition, type EngineState, type TransitionReason } from './engine-state.js';
import type { IdHasher } from './id-hasher.js';
import { decide, decisionIdentityOf, decisionPolicyOf, policyVersionOf, reason, type DecisionPolicy, type PolicyDecision } from './policy.js';
import { isPendingCommit, type RecordSink } from './record-sink.js';
import { REASON_MESSAGE_KEYS, type ReasonCode } from './reason-messages.js';
import type { ListsConsulted, ScreeningRecord, TemperatureEstimate, TemperatureSample } from './screening-record.js';
import type { RegisteredIdentity } from './registered-identity.js';
import { TemperaturePipeline } from './temperature-pipeline.js';
import type { WatchlistSource } from './watchlist-source.js';

export interface ScreeningEngineOptions {
  config: KioskConfig;
  sink: RecordSink;
  watchlist: WatchlistSource;
  hasher: IdHasher;
  calibration: CalibrationSource;
  /** Defaults to the system clock (timers through the global setTimeout, so fake timers work). */
  clock?: Clock;
  /** Screening ids; defaults to UUIDv7. */
  newId?: () => string;
}

/** One person going through the workflow. */
interface Screening {
  id: string;
  startedAt: Date;
  startedMs: number;
  trigger: 'card' | 'subject' | 'registration';
  card: IdCard | null;
  /** Staff registered the person instead of a card read. */
  registered: RegisteredIdentity | null;
  /** How the card was read (a line reader delivers the number only). */
  cardSource: IdentityRead['source'] | null;
  idHmac: string | null;
  duplicateOf: string | null;
  calibration: Calibration | null;
  attempts: TemperatureEstimate[];
  pipeline: TemperaturePipeline | null;
  attemptNo: number;
  promptedCloser: boolean;
  incompleteSamples: TemperatureSample[];
  deviceFault: string | null;
  timedOutIn: EngineState | null;
  remeasureAvailable: boolean;
}

const DEVICE_ROLE = { idcard: 'idcard', thermometer: 'thermometer' } as const;

/** The longest delay a Node timer takes (about 24.8 days); a longer wait is re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;

const CALIBRATION_REASON: Record<Exclude<CalibrationState, 'valid'>, ReasonCode> = {
  missing: 'CALIBRATION_MISSING',
  expired: 'CALIBRATION_EXPIRED',
  drift: 'CALIBRATION_DRIFT',
};

/**
 * The screening engine: device events in, exactly one record per started screening out, and a
 * PASS/HOLD result only after the record is committed.
 *
 * Guarantees (tested, including by property tests):
 * - every state but idle has a timeout that is never extended by incoming events, so the machine
 *   is back in idle at most `maxScreeningMs()` after a screening starts;
 * - no PASS without a valid temperature estimate, nor without an identity in the card modes;
 * - every started screening yields exactly one record (pass, hold or abandoned);
 * - if the store cannot write the record, the person sees HOLD with STORE_UNAVAILABLE and that
 *   very version is what the store keeps in its one retry queue: the engine never shows PASS for a
 *   record it could not save, and never retries by itself;
 * - while the kiosk cannot screen honestly (no valid calibration under the out-of-service policy,
 *   or a cause the host reports), it is out of service: nobody is screened.
 */
export class ScreeningEngine extends EventEmitter<EngineEvents> {
  private readonly config: KioskConfig;
  private readonly policy: DecisionPolicy;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly requireIdentity: boolean;

  private current: EngineState = 'idle';
  private screening: Screening | null = null;
  private stateTimer: TimerHandle | null = null;
  private windowTimer: TimerHandle | null = null;
  private calibrationTimer: TimerHandle | null = null;
  /** Why the kiosk cannot screen, by cause; empty = in service. */
  private readonly problems = new Map<ServiceProblem['cause'], ServiceProblem>();
  private readonly devices = new Map<string, DeviceStatus>();
  /** Recent cards by HMAC: first screening id and its time, for the duplicate window. */
  private readonly recentCards = new Map<string, { screeningId: string; atMs: number }>();
  private promptedCardInIdle = false;
  /** Subject modes: idle since (monotonic ms) a screening ended with the person possibly still there; null = armed. */
  private rearmSince: number | null = null;
  /** The screening whose result is on screen. */
  private shownId: string | null = null;
  private stopped = false;
  /** Commits in flight (a decision being saved, abandoned records): `stop()` waits for them. */
  private readonly inflight = new Set<Promise<unknown>>();
  /** Increments whenever a screening ends, so a late async step cannot touch the next one. */
  private generation = 0;

  constructor(private readonly opts: ScreeningEngineOptions) {
    super();
    this.config = opts.config;
    this.policy = decisionPolicyOf(opts.config);
    this.clock = opts.clock ?? systemClock;
    this.newId = opts.newId ?? uuidv7;
    this.requireIdentity = this.config.station.mode !== 'temp-only';
  }

  get state(): EngineState {
    return this.current;
  }

  get screeningId(): string | null {
    return this.screening?.id ?? null;
  }

  /** Whether the kiosk can screen now. */
  get inService(): boolean {
    return this.problems.size === 0;
  }

  /** Why the kiosk is out of service (empty when in service). */
  get serviceProblems(): ServiceProblem[] {
    return [...this.problems.values()];
  }

  /**
   * The longest a screening can keep the machine away from idle: every state's timeout along the
   * longest path plus the commit budget and the result screen.
   */
  maxScreeningMs(): number {
    const t = this.config.screening.timeouts;
    return t.identifyingMs + t.measuringMs + t.remeasuringMs + this.commitBudgetMs() + t.resultMs;
  }

  /** Worst-case time spent committing one record before the result is shown: one attempt. */
  commitBudgetMs(): number {
    return this.config.screening.commit.attemptTimeoutMs;
  }

  /** Subscribes to a driver-side emitter (`identity`, `reading`, `status`); returns the unsubscribe. */
  attach(source: EventEmitter<DeviceEvents>): () => void {
    const onIdentity = (r: IdentityRead) => this.onIdentity(r);
    const onReading = (r: ThermoReading) => this.onReading(r);
    const onStatus = (s: DeviceStatus) => this.onDeviceStatus(s);
    source.on('identity', onIdentity);
    source.on('reading', onReading);
    source.on('status', onStatus);
    return () => {
      source.off('identity', onIdentity);
      source.off('reading', onReading);
      source.off('status', onStatus);
    };
  }

  /** Checks the calibration, then shows the idle prompt (or goes out of service). Call once after wiring. */
  start(): void {
    this.stopped = false;
    this.calibrationChanged();
    if (this.inService) this.promptIdle();
  }

  /**
   * Stops the engine: an active screening is abandoned and its record handed to the store;
   * resolves when that is done. Timers are cancelled.
   */
  async stop(): Promise<void> {
    const s = this.screening;
    if (s && this.current !== 'deciding' && this.current !== 'result') {
      const record = this.buildAbandoned(s, 'engine-stopped');
      this.endScreening();
      this.go('idle', 'stopped', s.id);
      this.track(this.commitAbandoned(record));
    }
    this.stopped = true;
    // A decision being committed finishes (its result is still emitted).
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    this.cancelStateTimer();
    this.cancelWindowTimer();
    this.calibrationTimer?.cancel();
    this.calibrationTimer = null;
  }

  // ---- service -------------------------------------------------------------------------------

  /**
   * A cause the kiosk cannot screen for (the host reports the store), or its end (null). Out of
   * service, nobody is screened; a screening already under way finishes first.
   */
  setServiceProblem(cause: ServiceProblem['cause'], problem: Omit<ServiceProblem, 'cause'> | null): void {
    const before = JSON.stringify(this.serviceProblems);
    if (problem) this.problems.set(cause, { cause, ...problem });
    else this.problems.delete(cause);
    if (JSON.stringify(this.serviceProblems) === before) return;
    this.emit('service', { inService: this.inService, problems: this.serviceProblems });
    this.applyService();
  }

  /**
   * Reads the thermometer's calibration again: call whenever one is recorded (the store notifies
   * the host). Under `calibration.whenMissingOrExpired: out-of-service` a missing, expired or drifted
   * calibration puts the kiosk out of service; a valid one brings it back, and a timer takes it out
   * again the moment it expires.
   */
  calibrationChanged(): void {
    this.calibrationTimer?.cancel();
    this.calibrationTimer = null;
    if (this.policy.whenCalibrationInvalid !== 'out-of-service') {
      this.setServiceProblem('calibration', null);
      return;
    }
    const deviceId = this.config.devices.thermometer.id;
    const cal = this.opts.calibration.current(deviceId);
    const now = this.clock.now();
    const state = calibrationState(cal, now);
    if (state !== 'valid') {
      const code = CALIBRATION_REASON[state];
      this.setServiceProblem('calibration', { code, messageKey: REASON_MESSAGE_KEYS[code], detail: { deviceId } });
      return;
    }
    this.setServiceProblem('calibration', null);
    const untilExpiry = Date.parse(cal!.validUntil) - now.getTime();
    this.calibrationTimer = this.clock.setTimer(Math.min(untilExpiry, MAX_TIMER_MS), () => {
      this.calibrationTimer = null;
      this.calibrationChanged();
    });
  }

  /** Moves between idle and out-of-service when no screening is under way. */
  private applyService(): void {
    if (this.stopped) return;
    if (!this.inService && this.current === 'idle') {
      this.go('out-of-service', 'out-of-service', null);
      this.prompt('prompt.outOfService', null);
    } else if (this.inService && this.current === 'out-of-service') {
      this.go('idle', 'back-in-service', null);
      this.promptIdle();
    }
  }

  /** Where a screening ends: idle, or out-of-service when a cause arose meanwhile. */
  private rest(why: TransitionReason, screeningId: string | null): void {
    if (this.inService) {
      this.go('idle', why, screeningId);
      return;
    }
    this.go('out-of-service', why, screeningId);
    this.prompt('prompt.outOfService', null);
  }

  // ---- device events -------------------------------------------------------------------------

  onIdentity(read: IdentityRead): void {
    if (this.stopped) return;
    if (this.config.station.mode === 'temp-only') return; // identity is registered by staff
    switch (this.current) {
      case 'out-of-service':
        this.prompt('prompt.outOfService', null);
        return;
      case 'idle': {
        const s = this.begin('card');
        this.go('identifying', 'card-read');
        this.acceptIdentity(s, read);
        if (this.faultIfDeviceMissing(s)) return;
        if (s.attempts.length === 0) this.enterMeasuring(s, 'identity-accepted');
        else this.toDeciding('identity-accepted');
        return;
      }
      case 'identifying':
        if (this.screening && !this.hasIdentity(this.screening)) {
          this.acceptIdentity(this.screening, read);
          this.toDeciding('identity-accepted');
        }
        return;
      case 'measuring':
      case 're-measuring':
        // temp-then-card: the card may come early; keep it. A second card mid-screening is ignored.
        if (this.screening && !this.hasIdentity(this.screening)) this.acceptIdentity(this.screening, read);
        else this.prompt('prompt.wait');
        return;
      case 'deciding':
        this.prompt('prompt.wait');
        return;
      case 'result':
        this.rest('card-during-result', this.shownId);
        if (this.inService) this.onIdentity(read);
        return;
    }
  }

  /**
   * Staff registered a person who has no readable card (main/console/console-service.ts): the
   * registration stands in for the card read, and the normal measurement follows. Only from idle;
   * returns false when nothing was started (a screening is under way).
   */
  onRegisteredIdentity(identity: RegisteredIdentity): boolean {
    if (this.stopped || this.current !== 'idle') return false;
    const s = this.begin('registration');
    s.registered = identity;
    this.go('identifying', 'identity-registered');
    this.keepIdentity(s, identity.idNumber);
    if (this.faultIfDeviceMissing(s)) return true;
    this.enterMeasuring(s, 'identity-accepted');
    return true;
  }

  onReading(reading: ThermoReading): void {
    if (this.stopped) return;
    switch (this.current) {
      case 'idle': {
        if (this.config.station.mode === 'card-then-temp') {
          if (!this.promptedCardInIdle && this.looksLikeSubject(reading)) {
            this.promptedCardInIdle = true;
            this.prompt('prompt.presentCard');
          }
          return;
        }
        if (!this.looksLikeSubject(reading)) {
          this.rearmSince = null; // the sensor sees nobody: the next subject is a new person
          return;
        }
        if (this.rearmSince !== null) {
          if (this.clock.monotonicMs() - this.rearmSince < this.config.screening.subjectRearmMs) return;
          this.rearmSince = null;
        }
        const s = this.begin('subject');
        this.enterMeasuring(s, 'subject-detected');
        if ((this.current as EngineState) === 'measuring') this.addReading(s, reading);
        return;
      }
      case 'measuring':
      case 're-measuring':
        if (this.screening) this.addReading(this.screening, reading);
        return;
      default:
        return; // identifying (measured already), deciding, result: not used
    }
  }

  onDeviceStatus(status: DeviceStatus): void {
    this.devices.set(status.kind, status);
    if (this.stopped) return;
    const s = this.screening;
    if (status.state === 'online') {
      if (this.current === 'idle') this.promptIdle();
      return;
    }
    if (!s) {
      if (this.current === 'idle') this.prompt('prompt.deviceOffline');
      return;
    }
    if (this.needs(s, status.kind)) this.fault(s, status.deviceId);
  }

  // ---- workflow ------------------------------------------------------------------------------

  private begin(trigger: Screening['trigger']): Screening {
    const thermoId = this.config.devices.thermometer.id;
    const s: Screening = {
      id: this.newId(),
      startedAt: this.clock.now(),
      startedMs: this.clock.monotonicMs(),
      trigger,
      card: null,
      registered: null,
      cardSource: null,
      idHmac: null,
      duplicateOf: null,
      calibration: this.opts.calibration.current(thermoId),
      attempts: [],
      pipeline: null,
      attemptNo: 0,
      promptedCloser: false,
      incompleteSamples: [],
      deviceFault: null,
      timedOutIn: null,
      remeasureAvailable: true,
    };
    this.screening = s;
    this.promptedCardInIdle = false;
    this.emit('started', { screeningId: s.id, trigger, monotonicMs: s.startedMs });
    return s;
  }

  private acceptIdentity(s: Screening, read: IdentityRead): void {
    const card = read.card;
    s.card = card;
    s.cardSource = read.source;
    this.keepIdentity(s, card.idNumber);
  }

  private hasIdentity(s: Screening): boolean {
    return s.card !== null || s.registered !== null;
  }

  /** The identity's HMAC and the duplicate check (a card or a registration alike). */
  private keepIdentity(s: Screening, idNumber: string): void {
    const hmac = this.opts.hasher.hashIdNumber(idNumber);
    s.idHmac = hmac;
    const now = this.clock.monotonicMs();
    const windowMs = this.config.screening.duplicateWindowMs;
    // Drop expired entries (insertion order is time order).
    for (const [k, v] of this.recentCards) {
      if (now - v.atMs < windowMs) break;
      this.recentCards.delete(k);
    }
    const previous = this.recentCards.get(hmac);
    if (previous && now - previous.atMs < windowMs) {
      s.duplicateOf = previous.screeningId;
      this.prompt('prompt.duplicate');
    } else if (windowMs > 0) {
      this.recentCards.set(hmac, { screeningId: s.id, atMs: now });
    }
  }

  /** Whether the screening still needs a device of this kind. */
  private needs(s: Screening, kind: DeviceStatus['kind']): boolean {
    if (this.current === 'deciding' || this.current === 'result' || this.current === 'idle') return false;
    if (kind === DEVICE_ROLE.thermometer) return this.current === 'measuring' || this.current === 're-measuring';
    return this.requireIdentity && !this.hasIdentity(s);
  }

  private deviceUnavailable(kind: DeviceStatus['kind']): DeviceStatus | null {
    const st = this.devices.get(kind);
    return st && st.state !== 'online' ? st : null;
  }

  /** A screening that starts while a device it needs is offline ends at once by the fault policy. */
  private faultIfDeviceMissing(s: Screening): boolean {
    for (const kind of ['thermometer', 'idcard'] as const) {
      const st = this.deviceUnavailable(kind);
      if (st && (kind === 'thermometer' ? s.attempts.length === 0 : this.requireIdentity && !this.hasIdentity(s))) {
        this.fault(s, st.deviceId);
        return true;
      }
    }
    return false;
  }

  private fault(s: Screening, deviceId: string): void {
    this.cancelWindowTimer();
    this.keepIncomplete(s);
    if (this.config.screening.onDeviceFault === 'hold') {
      s.deviceFault = deviceId;
      this.toDeciding('device-fault');
    } else {
      const record = this.buildAbandoned(s, 'device-offline');
      this.endScreening();
      this.rest('device-fault-abandon', s.id);
      if (this.inService) this.prompt('prompt.deviceOffline');
      this.track(this.commitAbandoned(record));
    }
  }

  private enterMeasuring(s: Screening, why: TransitionReason): void {
    s.attemptNo = 1;
    s.pipeline = new TemperaturePipeline(this.config.temperature, s.calibration);
    s.promptedCloser = false;
    this.go('measuring', why);
    this.prompt('prompt.measure');
    this.armStateTimer(this.config.screening.timeouts.measuringMs, () => this.onMeasureTimeout());
    if (this.deviceUnavailable('thermometer')) this.fault(s, this.devices.get('thermometer')!.deviceId);
  }

  private enterRemeasuring(s: Screening): void {
    s.attemptNo = 2;
    s.pipeline = new TemperaturePipeline(this.config.temperature, s.calibration);
    s.promptedCloser = false;
    this.go('re-measuring', 'remeasure-required');
    this.prompt('prompt.remeasure');
    this.armStateTimer(this.config.screening.timeouts.remeasuringMs, () => this.onMeasureTimeout());
  }

  private looksLikeSubject(reading: ThermoReading): boolean {
    const probe = new TemperaturePipeline(this.config.temperature, this.opts.calibration.current(this.config.devices.thermometer.id));
    return probe.add(reading).rejected === undefined;
  }

  private addReading(s: Screening, reading: ThermoReading): void {
    const p = s.pipeline;
    if (!p) return;
    const before = p.acceptedCount;
    const sample = p.add(reading);
    this.emit('sample', { screeningId: s.id, attempt: s.attemptNo, sample });
    if (sample.rejected === 'too-far' && !s.promptedCloser) {
      s.promptedCloser = true;
      this.prompt('prompt.comeCloser');
    }
    if (before === 0 && p.acceptedCount === 1) {
      this.prompt('prompt.holdStill');
      const due = p.windowDueMs();
      if (due !== null) this.armWindowTimer(Math.max(0, due - this.clock.monotonicMs()));
    }
    this.checkWindow(s);
  }

  private checkWindow(s: Screening): void {
    const p = s.pipeline;
    if (!p || !p.isComplete(this.clock.monotonicMs())) return;
    this.finishAttempt(s);
  }

  /** A complete window: record the estimate, then re-measure, wait for the card, or decide. */
  private finishAttempt(s: Screening): void {
    this.cancelWindowTimer();
    const p = s.pipeline!;
    s.pipeline = null;
    const est = p.estimate(s.attemptNo);
    if (!est.ok) {
      s.incompleteSamples.push(...p.samples());
      this.toDeciding('measurement-complete');
      return;
    }
    s.attempts.push(est.estimate);
    if (s.attemptNo >= 2) s.remeasureAvailable = false;
    const early = this.evaluate(s);
    if (early.next === 'remeasure') {
      this.enterRemeasuring(s);
      return;
    }
    if (this.requireIdentity && !this.hasIdentity(s)) {
      this.go('identifying', 'identity-required');
      this.prompt('prompt.presentCard');
      this.armStateTimer(this.config.screening.timeouts.identifyingMs, () => this.onIdentifyTimeout());
      if (this.deviceUnavailable('idcard')) this.fault(s, this.devices.get('idcard')!.deviceId);
      return;
    }
    this.toDeciding('measurement-complete');
  }

  private onMeasureTimeout(): void {
    const s = this.screening;
    if (!s || (this.current !== 'measuring' && this.current !== 're-measuring')) return;
    const p = s.pipeline;
    // A window that reached its minimum counts even if the full count did not arrive.
    if (p && p.acceptedCount >= this.config.temperature.minSamples) {
      this.finishAttempt(s);
      return;
    }
    s.timedOutIn = this.current;
    s.remeasureAvailable = false;
    this.keepIncomplete(s);
    this.prompt('prompt.timeout');
    this.toDeciding('timeout');
  }

  private onIdentifyTimeout(): void {
    const s = this.screening;
    if (!s || this.current !== 'identifying') return;
    s.timedOutIn = 'identifying';
    this.prompt('prompt.timeout');
    this.toDeciding('timeout');
  }

  private keepIncomplete(s: Screening): void {
    if (s.pipeline) {
      s.incompleteSamples.push(...s.pipeline.samples());
      s.pipeline = null;
    }
  }

  private evaluate(s: Screening): PolicyDecision & { lists: ListsConsulted } {
    const card = s.card;
    const watchlist = this.opts.watchlist.snapshot();
    const lists: ListsConsulted = { source: watchlist.source, refreshedAt: watchlist.source === 'standalone' ? null : watchlist.refreshedAt };
    const d = decide(this.policy, {
      requireIdentity: this.requireIdentity,
      identity:
        card && s.idHmac
          ? decisionIdentityOf(card, s.idHmac, s.cardSource ?? 'sam')
          : s.registered && s.idHmac
            ? { idNumber: s.registered.idNumber, cardType: s.registered.cardType, idHmac: s.idHmac, dates: { validFrom: null, validUntil: null, birthDate: null } }
            : null,
      attempts: s.attempts,
      remeasureAvailable: s.remeasureAvailable,
      watchlist,
      calibration: calibrationState(s.calibration, this.clock.now()),
      now: this.clock.now(),
      duplicateOf: s.duplicateOf,
      deviceFault: s.deviceFault,
      timedOutIn: s.timedOutIn,
    });
    return { ...d, lists };
  }

  /** Decide, commit (awaited), then show the result. */
  private toDeciding(why: TransitionReason): void {
    const s = this.screening;
    if (!s) return;
    this.cancelWindowTimer();
    this.keepIncomplete(s);
    s.remeasureAvailable = false; // deciding is final: no re-measurement from here
    this.go('deciding', why);
    const d = this.evaluate(s);
    const record = this.buildRecord(s, d);
    const gen = this.generation;
    this.track(this.commit(record, (r) => this.storeUnavailable(r)).then((storage) => {
      if (gen !== this.generation || this.screening !== s) return; // stopped meanwhile
      const committed = storage === 'committed';
      // Not on disk: the HOLD STORE_UNAVAILABLE version, which is also the one the store keeps.
      const shown = committed ? record : this.storeUnavailable(record);
      this.endScreening();
      this.shownId = s.id;
      this.go('result', 'decided', s.id);
      this.emit('result', { record: shown, committed, storage });
      this.prompt(shown.decision === 'PASS' ? (shown.flaggedForStaff ? 'decision.passNotice' : 'decision.pass') : 'decision.hold', s.id);
      if (this.stopped) {
        this.go('idle', 'stopped', s.id);
        return;
      }
      this.armStateTimer(this.config.screening.timeouts.resultMs, () => {
        if (this.current === 'result') {
          this.rest('result-shown', s.id);
          if (this.inService) this.promptIdle();
        }
      });
    }));
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** The fields every record of a screening carries, however it ended. */
  private recordBase(s: Screening) {
    return {
      id: s.id,
      checkpointId: this.config.checkpoint.id,
      deviceId: this.config.checkpoint.kioskId,
      startedAt: s.startedAt.toISOString(),
      finishedAt: this.clock.now().toISOString(),
      stationMode: this.config.station.mode,
      card: s.card,
      ...(s.registered && { registrationId: s.registered.registrationId }),
      duplicateOf: s.duplicateOf,
      temperatures: [...s.attempts],
    };
  }

  private buildRecord(s: Screening, d: PolicyDecision & { lists: ListsConsulted }): ScreeningRecord {
    const decision = d.decision ?? 'HOLD';
    const record: ScreeningRecord = {
      ...this.recordBase(s),
      outcome: decision === 'PASS' ? 'pass' : 'hold',
      decision,
      mode: d.mode,
      colour: d.colour,
      reasons: d.reasons,
      fever: d.fever,
      policyVersion: d.policyVersion,
      flaggedForStaff: d.flaggedForStaff,
      lists: d.lists,
    };
    if (s.incompleteSamples.length) record.incompleteSamples = [...s.incompleteSamples];
    return record;
  }

  private buildAbandoned(s: Screening, why: string): ScreeningRecord {
    this.keepIncomplete(s);
    const last = s.attempts[s.attempts.length - 1];
    const record: ScreeningRecord = {
      ...this.recordBase(s),
      outcome: 'abandoned',
      decision: null,
      mode: this.policy.mode,
      colour: null,
      reasons: s.deviceFault || why === 'device-offline' ? [reason('DEVICE_FAULT', 'hold')] : [],
      fever: last !== undefined && last.estimateC >= this.policy.feverThresholdC,
      policyVersion: policyVersionOf(this.policy),
      abandonReason: why,
      flaggedForStaff: true,
    };
    if (s.incompleteSamples.length) record.incompleteSamples = [...s.incompleteSamples];
    return record;
  }

  /** The record shown and kept when the store would not take it: HOLD for staff. */
  private storeUnavailable(record: ScreeningRecord): ScreeningRecord {
    return {
      ...record,
      outcome: 'hold',
      decision: 'HOLD',
      reasons: [...record.reasons, reason('STORE_UNAVAILABLE', 'hold')],
      flaggedForStaff: true,
    };
  }

  private endScreening(): void {
    this.cancelStateTimer();
    this.cancelWindowTimer();
    this.screening = null;
    this.promptedCardInIdle = false;
    this.generation++;
  }

  // ---- store ---------------------------------------------------------------------------------

  /**
   * Hands the record to the store, once (the store's queue is the one retry path): `committed`;
   * `queued` when the store keeps `whenQueued(record)` for a later write (or was told to, because
   * this attempt timed out); `not-kept` when the store refused it.
   */
  private async commit(record: ScreeningRecord, whenQueued: (r: ScreeningRecord) => ScreeningRecord): Promise<ResultEvent['storage']> {
    const abort = new AbortController();
    try {
      await this.withTimeout(this.opts.sink.commit(record, { whenQueued, signal: abort.signal }), this.config.screening.commit.attemptTimeoutMs, () => abort.abort());
      return 'committed';
    } catch (err) {
      const queued = isPendingCommit(err) || abort.signal.aborted;
      this.emit('store-error', { screeningId: record.id, queued, message: err instanceof Error ? err.message : String(err) });
      return queued ? 'queued' : 'not-kept';
    }
  }

  private async commitAbandoned(record: ScreeningRecord): Promise<void> {
    const storage = await this.commit(record, (r) => r);
    this.emit('abandoned', { record, committed: storage === 'committed', storage });
  }

  private withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const t = this.clock.setTimer(ms, () => {
        onTimeout();
        reject(new Error(`store commit did not finish within ${ms} ms`));
      });
      p.then(
        (v) => {
          t.cancel();
          resolve(v);
        },
        (e: unknown) => {
          t.cancel();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private go(to: EngineState, why: TransitionReason, screeningId: string | null = this.screening?.id ?? null): void {
    const from = this.current;
    if (!isAllowedTransition(from, to)) throw new Error(`engine: transition ${from} → ${to} (${why}) is not allowed`);
    this.cancelStateTimer();
    this.current = to;
    if ((to === 'idle' || to === 'out-of-service') && this.config.station.mode !== 'card-then-temp') this.rearmSince = this.clock.monotonicMs();
    this.emit('transition', { from, to, screeningId, reason: why, monotonicMs: this.clock.monotonicMs() });
  }

  private prompt(messageKey: string, screeningId: string | null = this.screening?.id ?? null): void {
    this.emit('prompt', { messageKey, screeningId });
  }

  private promptIdle(): void {
    const off = this.deviceUnavailable('thermometer') || (this.requireIdentity && this.deviceUnavailable('idcard'));
    if (off) this.prompt('prompt.deviceOffline', null);
    else this.prompt(this.config.station.mode === 'card-then-temp' ? 'prompt.presentCard' : 'prompt.measure', null);
  }

  private armStateTimer(ms: number, fn: () => void): void {
    this.cancelStateTimer();
    this.stateTimer = this.clock.setTimer(ms, () => {
      this.stateTimer = null;
      fn();
    });
  }

  private cancelStateTimer(): void {
    this.stateTimer?.cancel();
    this.stateTimer = null;
  }

  private armWindowTimer(ms: number): void {
    this.cancelWindowTimer();
    this.windowTimer = this.clock.setTimer(ms, () => {
      this.windowTimer = null;
      if (this.screening) this.checkWindow(this.screening);
    });
  }

  private cancelWindowTimer(): void {
    this.windowTimer?.cancel();
    this.windowTimer = null;
  }
}
