import { watchlistSnapshot, type WatchlistSnapshot, type WatchlistSource } from '../engine/watchlist-source.js';
import type { CentralState } from '../store/central-state.js';

/**
 * The engine's WatchlistSource for a list-fed kiosk: the lists central pushed, as held in the store.
 * `snapshot()` returns a prepared snapshot (called once per decision); `reload()` rebuilds it after
 * the uplink applied a version or central vouched the lists current, so the engine sees a new verified
 * list without a restart. Expired entries leave the snapshot when their time comes.
 */
export class CentralWatchlistSource implements WatchlistSource {
  private current: WatchlistSnapshot;
  private nextExpiry = Number.POSITIVE_INFINITY;

  constructor(
    private readonly state: CentralState,
    private readonly now: () => number = Date.now,
  ) {
    this.current = this.build();
  }

  snapshot(): WatchlistSnapshot {
    if (this.now() >= this.nextExpiry) this.current = this.build();
    return this.current;
  }

  reload(): void {
    this.current = this.build();
  }

  private build(): WatchlistSnapshot {
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    const live = this.state.entries().filter((e) => {
      if (e.expiresAt === null) return true;
      const at = Date.parse(e.expiresAt);
      if (at <= now) return false;
      next = Math.min(next, at);
      return true;
    });
    this.nextExpiry = next;
    return watchlistSnapshot(
      live.map((e) => ({ hmac: e.hmac, colour: e.colour, listId: e.listId, updatedAt: e.updatedAt })),
      this.state.keyRegions(),
      this.state.listState().refreshedAt,
      'central',
    );
  }
}
