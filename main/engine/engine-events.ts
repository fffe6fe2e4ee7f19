import type { DeviceStatus } from '../../drivers/device-status.js';
import type { IdentityRead } from '../../drivers/idcard/id-card.js';
import type { ThermoReading } from '../../drivers/thermometer/reading.js';
import type { EngineState, TransitionReason } from './engine-state.js';
import type { ReasonCode } from './reason-messages.js';
import type { ScreeningRecord, TemperatureSample } from './screening-record.js';

/** Events the engine emits. None carries personal data except `result.record.card` (for the store). */
export interface TransitionEvent {
  from: EngineState;
  to: EngineState;
  /** The screening concerned (null when idle is reached with none active). */
  screeningId: string | null;
  reason: TransitionReason;
  monotonicMs: number;
}

export interface PromptEvent {
  /** A key of the zh/en tables in reason-messages.ts. */
  messageKey: string;
  screeningId: string | null;
}

export interface StartedEvent {
  screeningId: string;
  trigger: 'card' | 'subject' | 'registration';
  monotonicMs: number;
}

export interface SampleEvent {
  screeningId: string;
  attempt: number;
  sample: TemperatureSample;
}

export interface ResultEvent {
  /** The record as shown (and as kept). */
  record: ScreeningRecord;
  /** True when the store confirmed the record; false = shown as HOLD STORE_UNAVAILABLE. */
  committed: boolean;
  /**
   * Where the record is: `committed` (durable), `queued` (waiting in the store's retry queue, as
   * shown), `not-kept` (the store refused it: logged as a store error).
   */
  storage: 'committed' | 'queued' | 'not-kept';
}

export interface StoreErrorEvent {
  screeningId: string;
  /** True when the record waits in the store's retry queue; false when it was not kept. */
  queued: boolean;
  message: string;
}

/** Why the kiosk cannot screen: one entry per cause, with a reason code for screens and logs. */
export interface ServiceProblem {
  cause: 'calibration' | 'store';
  code: ReasonCode;
  /** A key of the message tables, for the screen and the status bar. */
  messageKey: string;
  detail?: Record<string, string | number | boolean>;
}

export interface ServiceEvent {
  inService: boolean;
  /** Every current cause (empty when in service). */
  problems: ServiceProblem[];
}

export interface EngineEvents {
  transition: [TransitionEvent];
  prompt: [PromptEvent];
  started: [StartedEvent];
  sample: [SampleEvent];
  result: [ResultEvent];
  /** An abandoned screening's record (no result screen): committed or queued. */
  abandoned: [ResultEvent];
  'store-error': [StoreErrorEvent];
  /** The kiosk went out of service or came back (and whenever the causes change). */
  service: [ServiceEvent];
}

/** Device events into the engine: what the drivers emit, wired by the host (or the tests). */
export interface DeviceEvents {
  identity: [IdentityRead];
  reading: [ThermoReading];
  status: [DeviceStatus];
}
