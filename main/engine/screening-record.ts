import type { IdCard } from '../../drivers/idcard/id-card.js';
import type { ListSource } from '../config/list-source.js';

/**
 * Shapes shared by the screening engine (which produces them) and the store (which keeps them).
 * The engine owns this file; the store must not add fields the engine does not fill.
 */

export type Decision = 'PASS' | 'HOLD';
export type WatchColour = 'red' | 'orange' | 'yellow' | 'blue';
export type Outcome = 'pass' | 'hold' | 'abandoned';

/** A reason for a decision: a stable code plus message keys for both languages. */
export interface Reason {
  code: string; // e.g. 'FEVER', 'WATCHLIST', 'KEY_REGION', 'INVALID_ID', 'CARD_EXPIRED', 'DEVICE_FAULT'
  messageKey: string; // looked up in the renderer's zh/en tables
  colour?: WatchColour;
  detail?: Record<string, string | number | boolean>;
  /** What the reason does under the policy: holds the person, is a notice for staff, or asks for a re-measurement. */
  effect?: 'hold' | 'notice' | 'remeasure';
}

export interface TemperatureSample {
  objectC: number; // raw, as the device reported
  ambientC?: number;
  correctedC: number; // after calibration gain/offset
  monotonicMs: number;
  rejected?: 'no-subject' | 'too-far' | 'out-of-range';
}

export interface TemperatureEstimate {
  samples: TemperatureSample[];
  medianC: number;
  maxC: number;
  /** Body-temperature estimate after the skin-to-body model, as computed (never clamped). */
  estimateC: number;
  /** The skin-to-body model: name, formula version (absent on records made before versions), parameters. */
  model: { name: string; version?: number; params: Record<string, number> };
  calibrationId: string | null;
  attempt: number; // 1 = first measurement, 2 = re-measure
  /** The ambient value the model used (median of the accepted samples' ambient), when it had one. */
  ambientC?: number;
  /** The statistic fed to the model ('median' or 'max'). */
  statistic?: 'median' | 'max';
  /**
   * Set when the plausibility stage refused the estimate: the ambient the model used, or the body
   * estimate itself, lay outside the configured bounds. Such an attempt is not a temperature.
   */
  implausible?: Implausible;
}

export interface Implausible {
  check: 'ambient' | 'estimate';
  valueC: number;
  minC: number;
  maxC: number;
}

/** Which lists a decision consulted: none (a standalone kiosk), or the lists of that refresh. */
export interface ListsConsulted {
  source: ListSource;
  /** When the lists were refreshed (ISO), or null (never; always null when standalone). */
  refreshedAt: string | null;
}

/** Exactly one per started screening, whatever happened. */
export interface ScreeningRecord {
  id: string; // UUIDv7: also the upload idempotency key
  checkpointId: string;
  deviceId: string;
  startedAt: string; // ISO wall-clock
  finishedAt: string;
  stationMode: 'card-then-temp' | 'temp-then-card' | 'temp-only';
  outcome: Outcome;
  decision: Decision | null; // null when abandoned
  mode: 'hard' | 'soft';
  colour: WatchColour | null;
  reasons: Reason[];
  card: IdCard | null; // personal data: the store encrypts it
  /** The person had no readable card and was registered by staff (main/store/manual-registrations.ts). */
  registrationId?: string;
  /** Card presented twice within the duplicate window. */
  duplicateOf: string | null;
  temperatures: TemperatureEstimate[];
  fever: boolean;
  policyVersion: string;
  abandonReason?: string;
  /** Staff should look at this one: any HOLD, and any PASS carrying a notice (SOFT mode, duplicate, warnings). */
  flaggedForStaff?: boolean;
  /** Raw samples of a measurement attempt that never completed (kept: nothing measured is dropped). */
  incompleteSamples?: TemperatureSample[];
  /** The lists the decision consulted (absent on records made before this field existed). */
  lists?: ListsConsulted;
}
