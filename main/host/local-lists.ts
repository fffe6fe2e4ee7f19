import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { KioskConfig } from '../config/kiosk-config.js';
import { listSourceOf, type ListSource } from '../config/list-source.js';
import type { Calibration, CalibrationSource } from '../engine/calibration-source.js';
import { LIST_CLOCK_SKEW_MS, STANDALONE_LISTS, watchlistSnapshot, type WatchlistSnapshot } from '../engine/watchlist-source.js';
import type { CalibrationRecord } from '../store/calibrations.js';
import type { KioskStore } from '../store/kiosk-store.js';

/** The lists file the uplink keeps in the data directory (the central service's latest delivery). */
export const WATCHLIST_FILE = 'watchlist.json';
/** The deployment's ID key (HMAC of ID numbers for the lists): 32 random bytes, 0600. */
export const ID_KEY_FILE = 'id-hmac.key';

const colour = z.enum(['red', 'orange', 'yellow', 'blue']);
export const WatchlistFileSchema = z.strictObject({
  refreshedAt: z.iso.datetime({ offset: true }),
  entries: z.array(z.strictObject({ hmac: z.string().regex(/^[0-9a-fA-F]{64}$/), colour, listId: z.string().min(1), updatedAt: z.iso.datetime({ offset: true }) })),
  keyRegions: z.array(z.strictObject({ prefix: z.string().regex(/^\d{2,6}$/), colour })).default([]),
});

export interface LoadedWatchlist {
  snapshot: WatchlistSnapshot;
  source: ListSource;
  /** The file read (file source), or null. */
  file: string | null;
  /** A standalone kiosk found a lists file it will not consult (worth a log line). */
  ignoredFile: string | null;
  /** Why the file's lists were not taken (dated in the future, inconsistent); the host logs it. */
  refusal?: string;
}

/**
 * The lists a file-fed or standalone kiosk consults, by its list source (main/config/list-source.ts),
 * the same in simulation and on real devices (a central-fed kiosk's come from the uplink):
 * - standalone: none, whatever files lie in the data directory;
 * - file: `lists.path`, or `<data>/watchlist.json` as the uplink leaves it. No file yet means no
 *   lists were ever received (refreshedAt null: WATCHLIST_STALE as policy says). A malformed file is
 *   an error naming the field, never silently empty. A list dated in the future (`refreshedAt` beyond
 *   `LIST_CLOCK_SKEW_MS` ahead of `now`, or an entry changed after it) is refused with the reason:
 *   its date cannot be trusted, so it counts as no list received.
 */
export function loadWatchlist(dataDir: string, config: Pick<KioskConfig, 'lists' | 'central'>, now: Date = new Date()): LoadedWatchlist {
  const source = listSourceOf(config);
  // A central-fed kiosk's lists are the uplink's (main/uplink/central-watchlist-source.ts), never a file.
  if (source === 'central') throw new Error('loadWatchlist: a kiosk with a "central" section takes its lists from the uplink, not from a file');
  const file = config.lists?.path ?? join(dataDir, WATCHLIST_FILE);
  if (source === 'standalone') {
    return { snapshot: STANDALONE_LISTS, source, file: null, ignoredFile: existsSync(file) ? file : null };
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code}); check its permissions`);
    return { snapshot: watchlistSnapshot([], [], null), source, file, ignoredFile: null };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)}); fix the syntax or delete it`);
  }
  const r = WatchlistFileSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${file}: ${i.path.join('.') || '(top level)'}: ${i.message}; fix that field (the uplink rewrites this file on its next refresh)`);
  }
  const refreshedMs = Date.parse(r.data.refreshedAt);
  const ahead = refreshedMs - now.getTime();
  let refusal: string | undefined;
  if (ahead > LIST_CLOCK_SKEW_MS) {
    refusal = `${file}: refreshedAt ${r.data.refreshedAt} is ${Math.round(ahead / 60_000)} min ahead of this kiosk's clock (${now.toISOString()}); check both clocks`;
  } else {
    const late = r.data.entries.findIndex((e) => Date.parse(e.updatedAt) > refreshedMs + LIST_CLOCK_SKEW_MS);
    if (late !== -1) refusal = `${file}: entries[${late}].updatedAt ${r.data.entries[late]!.updatedAt} is after the list's refreshedAt ${r.data.refreshedAt}; the list is inconsistent`;
  }
  if (refusal) return { snapshot: watchlistSnapshot([], [], null), source, file, ignoredFile: null, refusal };
  return { snapshot: watchlistSnapshot(r.data.entries, r.data.keyRegions, r.data.refreshedAt), source, file, ignoredFile: null };
}

/**
 * The calibration of a simulated thermometer: the simulator's sensor reads its scene exactly (no
 * gain or offset error, drivers/sim/thermometer-simulator.ts), so the identity is its true
 * calibration. Records carry this id, so a simulated run is never mistaken for a calibrated real one.
 */
export const SIMULATED_CALIBRATION_ID = 'simulated-identity';

/**
 * The calibration in force: for a real thermometer the store's latest record for it (valid for
 * `calibration.validityDays`; none = missing; a flagged daily drift check marks it drifted); for a
 * simulated one the simulated identity, never a real device's calibration recorded under the same
 * id — except a simulated sensor given an error to calibrate (`devices.thermometer.sensorError`:
 * 'calibratable'), which uses the calibration a technician made of it, as a real one would.
 */
export class StoreCalibrationSource implements CalibrationSource {
  constructor(
    private readonly store: () => KioskStore | null,
    private readonly config: KioskConfig,
    private readonly simulatedThermometer: boolean | 'calibratable',
    private readonly startedAt = new Date(),
  ) {}

  current(deviceId: string): Calibration | null {
    const rec = this.simulatedThermometer === true ? null : this.store()?.calibrations.latest(deviceId);
    if (rec) {
      // The last daily drift check over its limit flags the calibration (recalibration required).
      const driftFlagged = this.store()?.calibrations.latestCheck(rec.id)?.flagged === true;
      return calibrationInForce(rec, this.config.calibration.validityDays, driftFlagged);
    }
    if (!this.simulatedThermometer) return null;
    return {
      id: SIMULATED_CALIBRATION_ID,
      deviceId,
      kind: 'one-point',
      gain: 1,
      offset: 0,
      createdAt: this.startedAt.toISOString(),
      validUntil: new Date(this.startedAt.getTime() + this.config.calibration.validityDays * 86_400_000).toISOString(),
    };
  }
}

/**
 * A recorded calibration as the engine uses it: valid for `validityDays` from when it was made,
 * drifted when its latest daily drift check was over the limit. One rule for the host and for
 * `kiosk doctor`.
 */
export function calibrationInForce(rec: CalibrationRecord, validityDays: number, driftFlagged = false): Calibration {
  const validUntil = new Date(Date.parse(rec.performedAt) + validityDays * 86_400_000).toISOString();
  return { id: rec.id, deviceId: rec.deviceId, kind: rec.points.length >= 2 ? 'two-point' : 'one-point', gain: rec.gain, offset: rec.offsetC, createdAt: rec.performedAt, validUntil, ...(driftFlagged && { driftFlagged }) };
}
