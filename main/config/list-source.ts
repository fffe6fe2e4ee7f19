import type { KioskConfig } from './kiosk-config.js';

/**
 * Where a kiosk's watchlists come from:
 * - `standalone`: no list source is configured. Lists are not consulted at all (no watchlist, key
 *   region or staleness reasons), and every record says so. A standalone kiosk screens temperature
 *   and identity only.
 * - `file`: the lists file in the data directory (or `lists.path`), as the uplink leaves it. Such a
 *   kiosk expects lists: none, or older than `policy.watchlistMaxAgeHours`, is WATCHLIST_STALE.
 *
 * This is the one place that decides it; a configured central service will make a kiosk list-fed
 * here too.
 */
export type ListSource = 'standalone' | 'file';

export function listSourceOf(config: Pick<KioskConfig, 'lists'>): ListSource {
  return config.lists?.source === 'file' ? 'file' : 'standalone';
}
