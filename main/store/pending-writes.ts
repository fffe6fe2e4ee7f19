import { EventEmitter } from 'node:events';
import { isStoreFull, StoreFullError } from './store-errors.js';

export interface PendingWritesOptions {
  /** First retry delay after SQLITE_FULL (ms). */
  initialRetryMs?: number;
  /** Longest retry delay (ms). */
  maxRetryMs?: number;
}

export interface DegradedEvent {
  reason: 'disk-full';
  pending: number;
}

interface Pending {
  key: string;
  write: () => void;
}

/**
 * Keeps writes that hit a full disk (SQLITE_FULL) in memory, in order, and retries them with
 * exponential backoff until space returns. While anything is pending the store is degraded
 * ('degraded' event: the kiosk shows HOLD-for-staff) and new writes queue behind the pending ones so
 * the order of records is kept; when the queue drains, 'recovered' is emitted.
 *
 * Each write must be one complete transaction: SQLite rolls it back on SQLITE_FULL, so retrying it
 * later cannot half-apply it. Writes must be idempotent per key (the record modules insert with the
 * record id as primary key and treat an existing id as done). A write submitted again with the key
 * of a queued one replaces it in place (the engine retries a failed screening with the same id and
 * its decision changed to HOLD: that latest version is the one written).
 *
 * The queue is memory: a power cut while the disk is full loses the queued records. That is why the
 * kiosk stops passing people (HOLD-for-staff) as soon as the first write fails.
 */
export class PendingWrites extends EventEmitter<{ degraded: [DegradedEvent]; recovered: [{ committed: number }]; 'retry-error': [unknown] }> {
  private readonly queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private readonly initialRetryMs: number;
  private readonly maxRetryMs: number;

  constructor(options: PendingWritesOptions = {}) {
    super();
    this.initialRetryMs = options.initialRetryMs ?? 1000;
    this.maxRetryMs = options.maxRetryMs ?? 30_000;
  }

  get size(): number {
    return this.queue.length;
  }

  get degraded(): boolean {
    return this.queue.length > 0;
  }

  /**
   * Runs `write` now, or queues it when the disk is full. Resolves once committed; rejects with a
   * StoreFullError (pending = true) when the write is queued, and with the original error for any
   * other failure (nothing queued: e.g. a constraint violation is a bug, not a full disk).
   */
  run(key: string, write: () => void): void {
    if (this.queue.length > 0) this.flush();
    if (this.queue.length > 0) {
      const queued = this.queue.find((p) => p.key === key);
      // A retry of a queued record (same id) replaces it in place: the latest version is written.
      if (queued) queued.write = write;
      else this.queue.push({ key, write });
      this.emit('degraded', { reason: 'disk-full', pending: this.queue.length });
      throw new StoreFullError(`the disk is full: record ${key} is kept in memory with ${this.queue.length - 1} other(s) and will be written when space returns`, true);
    }
    try {
      write();
    } catch (err) {
      if (!isStoreFull(err)) throw err;
      this.queue.push({ key, write });
      this.emit('degraded', { reason: 'disk-full', pending: this.queue.length });
      this.schedule();
      throw new StoreFullError(`the disk is full: record ${key} is kept in memory and will be written when space returns; free disk space in the data directory`, true, { cause: err });
    }
  }

  /** Tries the queued writes in order now. Returns the number still pending. */
  flush(): number {
    let committed = 0;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      try {
        head.write();
      } catch (err) {
        if (isStoreFull(err)) break;
        // Not a full disk: surface it and keep the record (dropping it would lose it).
        this.emit('retry-error', err);
        break;
      }
      this.queue.shift();
      committed++;
    }
    if (this.queue.length === 0 && committed > 0) {
      this.attempt = 0;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.emit('recovered', { committed });
    }
    return this.queue.length;
  }

  /** Stops the retry timer (the queue itself is kept). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) return;
    const delay = Math.min(this.maxRetryMs, this.initialRetryMs * 2 ** this.attempt);
    this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.flush() > 0) this.schedule();
    }, delay);
    this.timer.unref();
  }
}
