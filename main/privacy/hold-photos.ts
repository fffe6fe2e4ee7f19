/**
 * The card photos of open holds, in memory only (minimum data, docs/privacy.md): when a site does
 * not keep photos, staff may still see the photo of a person waiting for them, to match face and
 * card, and only while the hold is open. A photo leaves when the hold is resolved (`release`), when
 * the person's records are deleted (`forget`), when it is older than `ttlMs`, or when more than
 * `max` holds are open (the oldest first). Its bytes are overwritten with zeros as it leaves.
 * Nothing here is ever written to disk or logged.
 */
export interface HoldPhotosOptions {
  /** How long a photo may stay at most (default 30 minutes: a hold resolved later is looked at without it). */
  ttlMs?: number;
  /** Open holds with a photo at most (default 50). */
  max?: number;
  now?: () => number;
}

export class HoldPhotos {
  private readonly photos = new Map<string, { bytes: Uint8Array; at: number }>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: HoldPhotosOptions = {}) {
    this.ttlMs = options.ttlMs ?? 30 * 60_000;
    this.max = options.max ?? 50;
    this.now = options.now ?? Date.now;
  }

  /** Keeps a copy of the photo of this held screening (an empty photo is not kept). */
  keep(screeningId: string, photo: Uint8Array): void {
    if (photo.length === 0) return;
    this.drop(screeningId);
    this.photos.set(screeningId, { bytes: Uint8Array.from(photo), at: this.now() });
    this.prune();
  }

  /** A copy of the photo of an open hold, or null (none, resolved, expired). */
  photo(screeningId: string): Uint8Array | null {
    this.prune();
    const p = this.photos.get(screeningId);
    return p ? Uint8Array.from(p.bytes) : null;
  }

  /** The hold was resolved: its photo goes. */
  release(screeningId: string): boolean {
    return this.drop(screeningId);
  }

  /** Forgets these screenings' photos (their records were deleted). */
  forget(screeningIds: readonly string[]): void {
    for (const id of screeningIds) this.drop(id);
  }

  /** Drops expired photos and the oldest beyond `max`. */
  prune(): void {
    const expired = this.now() - this.ttlMs;
    for (const [id, p] of this.photos) if (p.at <= expired) this.drop(id);
    // Map order is insertion order: the first ones are the oldest.
    for (const id of this.photos.keys()) {
      if (this.photos.size <= this.max) break;
      this.drop(id);
    }
  }

  get size(): number {
    return this.photos.size;
  }

  private drop(id: string): boolean {
    const p = this.photos.get(id);
    if (!p) return false;
    p.bytes.fill(0);
    return this.photos.delete(id);
  }
}
