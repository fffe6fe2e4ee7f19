import type { ListSource } from '../config/list-source.js';
import type { WatchColour } from './screening-record.js';

/** One person on a central list, known only by the keyed hash of their ID number. */
export interface WatchlistEntry {
  /** HMAC-SHA256 of the ID number (lower-case hex), keyed with the deployment's ID key. */
  hmac: string;
  colour: WatchColour;
  listId: string;
  /** ISO wall-clock time the entry was last changed centrally. */
  updatedAt: string;
}

/** A key region: ID numbers whose region code starts with `prefix` get `colour`. */
export interface KeyRegion {
  prefix: string;
  colour: WatchColour;
}

/**
 * How far a list's `refreshedAt` may lie ahead of the kiosk's clock (the central service's and the
 * kiosk's clocks differ a little). Further ahead, the date is wrong: the list is refused on load and
 * treated as stale by the policy.
 */
export const LIST_CLOCK_SKEW_MS = 5 * 60_000;

/** What the engine needs from the lists at decision time. */
export interface WatchlistSnapshot {
  /** Where the lists come from; 'standalone' = none are consulted (main/config/list-source.ts). */
  source: ListSource;
  /** Entries by HMAC (one person may be on several lists). */
  byHmac: ReadonlyMap<string, readonly WatchlistEntry[]>;
  keyRegions: readonly KeyRegion[];
  /** When the lists were last refreshed from the central service (ISO), or null if never. */
  refreshedAt: string | null;
}

/**
 * The watchlists as currently held by the kiosk. `snapshot()` is called once per decision and must
 * be cheap (return a prepared snapshot; rebuild it only when the lists change).
 */
export interface WatchlistSource {
  snapshot(): WatchlistSnapshot;
}

/** The snapshot of a standalone kiosk: no lists, none consulted. */
export const STANDALONE_LISTS: WatchlistSnapshot = { source: 'standalone', byHmac: new Map(), keyRegions: [], refreshedAt: null };

/** Builds a snapshot of lists from a list source (the index is by HMAC). */
export function watchlistSnapshot(entries: Iterable<WatchlistEntry>, keyRegions: readonly KeyRegion[], refreshedAt: string | null, source: Exclude<ListSource, 'standalone'> = 'file'): WatchlistSnapshot {
  const byHmac = new Map<string, WatchlistEntry[]>();
  for (const e of entries) {
    const key = e.hmac.toLowerCase();
    const list = byHmac.get(key);
    if (list) list.push(e);
    else byHmac.set(key, [e]);
  }
  return { source, byHmac, keyRegions: [...keyRegions], refreshedAt };
}

/** A source that always returns the same snapshot (tests, the CLI, a kiosk with a fixed list). */
export class StaticWatchlistSource implements WatchlistSource {
  constructor(private current: WatchlistSnapshot) {}
  snapshot(): WatchlistSnapshot {
    return this.current;
  }
  replace(next: WatchlistSnapshot): void {
    this.current = next;
  }
}
