import type { DeviceStatus } from '../../drivers/device-status.js';
import type { IdentityRead } from '../../drivers/idcard/id-card.js';
import type { ThermoReading } from '../../drivers/thermometer/reading.js';
import type { EngineState, TransitionReason } from './engine-state.js';
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
  record: ScreeningRecord;
  /** True when the store confirmed the record; false = HOLD STORE_UNAVAILABLE, the record waits in the backlog. */
  committed: boolean;
}

export interface StoreErrorEvent {
  screeningId: string;
  /** 1-based commit attempt that failed. */
  attempt: number;
  message: string;
}

export interface BacklogEvent {
  /** Records not yet committed (kept in memory and retried in the background). */
  pending: number;
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
  backlog: [BacklogEvent];
}

/** Device events into the engine: what the drivers emit, wired by the host (or the tests). */
export interface DeviceEvents {
  identity: [IdentityRead];
  reading: [ThermoReading];
  status: [DeviceStatus];
}
