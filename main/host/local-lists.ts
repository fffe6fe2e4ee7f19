import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { KioskConfig } from '../config/kiosk-config.js';
import type { Calibration, CalibrationSource } from '../engine/calibration-source.js';
import { watchlistSnapshot, type WatchlistSnapshot } from '../engine/watchlist-source.js';
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

export type LoadedWatchlist = { snapshot: WatchlistSnapshot; source: 'file' | 'none' | 'simulated' };

/**
 * Reads `<data>/watchlist.json`. Without one, a real kiosk has no fresh list (refreshedAt null: the
 * engine flags WATCHLIST_STALE as policy says); in simulation the simulated central service has an
 * empty list refreshed now. A malformed file is an error naming the field, never silently empty.
 */
export function loadWatchlist(dataDir: string, simulated: boolean): LoadedWatchlist {
  const file = join(dataDir, WATCHLIST_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code}); check its permissions`);
    return simulated
      ? { snapshot: watchlistSnapshot([], [], new Date().toISOString()), source: 'simulated' }
      : { snapshot: watchlistSnapshot([], [], null), source: 'none' };
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
  return { snapshot: watchlistSnapshot(r.data.entries, r.data.keyRegions, r.data.refreshedAt), source: 'file' };
}

/** The identity calibration of a simulated thermometer: the simulator's values are exact by definition. */
export const SIMULATED_CALIBRATION_ID = 'sim-identity';

/**
 * The calibration in force, from the store's latest record for the thermometer (valid for
 * `calibration.validityDays`). A simulated thermometer without a stored calibration uses the
 * identity calibration `sim-identity`, which records carry, so a simulated run is never mistaken
 * for a calibrated real one.
 */
export class StoreCalibrationSource implements CalibrationSource {
  constructor(
    private readonly store: KioskStore,
    private readonly config: KioskConfig,
    private readonly simulatedThermometer: boolean,
    private readonly startedAt = new Date(),
  ) {}

  current(deviceId: string): Calibration | null {
    const rec = this.store.calibrations.latest(deviceId);
    if (rec) {
      const validUntil = new Date(Date.parse(rec.performedAt) + this.config.calibration.validityDays * 86_400_000).toISOString();
      // The last daily drift check over its limit flags the calibration (recalibration required).
      const driftFlagged = this.store.calibrations.latestCheck(rec.id)?.flagged === true;
      return { id: rec.id, deviceId, kind: rec.points.length >= 2 ? 'two-point' : 'one-point', gain: rec.gain, offset: rec.offsetC, createdAt: rec.performedAt, validUntil, ...(driftFlagged && { driftFlagged }) };
    }
    if (!this.simulatedThermometer) return null;
    return {
      id: SIMULATED_CALIBRATION_ID,
      deviceId,
      kind: 'one-point',
      gain: 1,
      offset: 0,
      createdAt: this.startedAt.toISOString(),
      validUntil: new Date(this.startedAt.getTime() + 86_400_000).toISOString(),
    };
  }
}
