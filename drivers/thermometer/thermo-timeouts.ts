/**
 * Every time limit of the thermometer driver, in one table (zigbee-herdsman style).
 *
 * | Field         | Default                        | Meaning                                                         |
 * |---------------|--------------------------------|-----------------------------------------------------------------|
 * | `replyMs`     | 500                            | query mode: from writing a query to its reply (Optris CT drivers use 500 ms) |
 * | `interByteMs` | 100                            | Optris: longest gap between the 2 reply bytes; then the half reply is discarded |
 * | `noDataMs`    | 10 × pollIntervalMs (2000)     | continuous mode: no valid frame this long → offline 'no data'  |
 */
export interface ThermoTimeouts {
  replyMs: number;
  interByteMs: number;
  noDataMs: number;
}

export const DEFAULT_POLL_INTERVAL_MS = 200;

/** Continuous mode: how many frame intervals may pass without a frame before the device counts as silent. */
export const SILENT_INTERVALS_BEFORE_OFFLINE = 10;

/** Query mode: consecutive unanswered queries before the device is reported offline. */
export const MISSED_REPLIES_BEFORE_OFFLINE = 3;

export function resolveThermoTimeouts(pollIntervalMs: number, overrides: Partial<ThermoTimeouts> = {}): ThermoTimeouts {
  const t: ThermoTimeouts = {
    replyMs: 500,
    interByteMs: 100,
    noDataMs: SILENT_INTERVALS_BEFORE_OFFLINE * pollIntervalMs,
    ...overrides,
  };
  for (const [key, value] of Object.entries(t)) {
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`timeouts.${key} must be a positive number of milliseconds, got ${value}`);
  }
  return t;
}
