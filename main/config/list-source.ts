import type { KioskConfig } from './kiosk-config.js';

/**
 * Where a kiosk's watchlists come from:
 * - `standalone`: no list source is configured. Lists are not consulted at all (no watchlist, key
 *   region or staleness reasons), and every record says so. A standalone kiosk screens temperature
 *   and identity only.
 * - `file`: the lists file in the data directory (or `lists.path`). Such a kiosk expects lists:
 *   none, or older than `policy.watchlistMaxAgeHours`, is WATCHLIST_STALE.
 * - `central`: the configuration has a `central` section. The uplink receives the lists central
 *   pushes (signed, versioned; main/uplink/), and the engine sees each verified version without a
 *   restart. List-fed like `file`: none yet, or not vouched current by central within the maximum
 *   age, is WATCHLIST_STALE. Its ID key comes from central too (docs/uplink-protocol.md).
 *
 * This is the one place that decides it.
 */
export type ListSource = 'standalone' | 'file' | 'central';

export function listSourceOf(config: Pick<KioskConfig, 'lists' | 'central'>): ListSource {
  if (config.central !== undefined) return 'central';
  return config.lists?.source === 'file' ? 'file' : 'standalone';
}
