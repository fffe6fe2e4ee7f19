import { EventEmitter } from 'node:events';
import { ExponentialBackoff, noJitterGenerator, type IBackoff } from 'cockatiel';
import { isStoreFull, isTransientWriteError, StoreFullError, storeErrorCode, StoreWriteError } from './store-errors.js';

export interface PendingWritesOptions {
  /** First retry delay after a failed write (ms). */
  initialRetryMs?: number;
  /** Longest retry delay (ms). */
  maxRetryMs?: number;
}

export interface DegradedEvent {
  /** `disk-full` (SQLITE_FULL) or `write-failed` (I/O error, read-only or locked database, ...). */
  reason: 'disk-full' | 'write-failed';
  /** The SQLite code of the latest failure. */
  code: string;
  pending: number;
}

/** One waiting record, as a shutdown report names it: never its content. */
export interface PendingEntry {
  kind: string;
  key: string;
}

export interface RunOptions {
  /** What the record is (screening, disposition, ...), for reports. Default 'record'. */
  kind?: string;
  /** Called once the write has landed: at once, or on a later retry. */
  onWritten?: () => void;
}

interface Pending {
  key: string;
  kind: string;
  write: () => void;
  onWritten: (() => void) | undefined;
}

/**
 * The store's one retry path: writes that fail for a reason that can clear by itself (a full disk,
 * an I/O error, a read-only or locked database) wait here, in memory and in order, and are retried
 * with exponential backoff until they land. While anything waits the store is degraded
 * ('degraded': the kiosk holds people for staff) and new writes queue behind, so the order of
 * records is kept; when the queue drains, 'recovered' is emitted.
 *
 * One place per record: a write submitted with the key of a waiting one replaces it in place, before
 * anything is retried, so the latest version is the one written (the engine's HOLD
 * STORE_UNAVAILABLE version of a screening, with its reasons and its priority).
 *
 * Each write must be one complete transaction: SQLite rolls it back on failure, so retrying it later
 * cannot half-apply it. Writes must be idempotent per key (the record modules insert with the
 * record id as primary key and treat an existing id as done).
 *
 * The queue is memory: a power cut while records wait loses them, which is why the kiosk stops
 * passing people (HOLD for staff) as soon as the first write fails, and why `abandon()` (shutdown)
 * reports what it drops.
 */
export class PendingWrites extends EventEmitter<{ degraded: [DegradedEvent]; recovered: [{ committed: number }]; 'retry-error': [unknown] }> {
  private readonly queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly backoffFactory: ExponentialBackoff<unknown>;
  private backoff: IBackoff<unknown> | undefined;
  private lastError: unknown;

  constructor(options: PendingWritesOptions = {}) {
    super();
    this.backoffFactory = new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: options.initialRetryMs ?? 1000, maxDelay: options.maxRetryMs ?? 30_000 });
  }

  get size(): number {
    return this.queue.length;
  }

  get degraded(): boolean {
    return this.queue.length > 0;
  }

  /** The waiting records, oldest first (kinds and keys only). */
  entries(): PendingEntry[] {
    return this.queue.map(({ kind, key }) => ({ kind, key }));
  }

  /**
   * Runs `write` now, or keeps it when it cannot be written. Returns once written; throws a
   * StoreFullError or StoreWriteError (pending = true) when the write waits here, and the original
   * error for any other failure (nothing kept: e.g. a constraint violation is a bug, not an outage).
   */
  run(key: string, write: () => void, options: RunOptions = {}): void {
    const kind = options.kind ?? 'record';
    const waiting = this.queue.find((p) => p.key === key);
    if (waiting) {
      // The latest version replaces the waiting one in place, before anything is retried.
      waiting.write = write;
      if (options.onWritten) waiting.onWritten = options.onWritten;
    }
    if (this.queue.length > 0) this.flush();
    if (waiting) {
      if (!this.queue.includes(waiting)) return; // written by that flush
      this.announce();
      throw this.pendingError(key, 'is kept in memory');
    }
    if (this.queue.length > 0) {
      this.queue.push({ key, kind, write, onWritten: options.onWritten });
      this.announce();
      throw this.pendingError(key, `is kept in memory with ${this.queue.length - 1} other(s)`);
    }
    try {
      write();
    } catch (err) {
      if (!isTransientWriteError(err)) throw err;
      this.lastError = err;
      this.queue.push({ key, kind, write, onWritten: options.onWritten });
      this.announce();
      this.schedule();
      throw this.pendingError(key, 'is kept in memory', err);
    }
    options.onWritten?.();
  }

  /** Tries the waiting writes in order now. Returns the number still waiting. */
  flush(): number {
    let committed = 0;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      try {
        head.write();
      } catch (err) {
        this.lastError = err;
        // Not an outage: surface it and keep the record (dropping it would lose it).
        if (!isTransientWriteError(err)) this.emit('retry-error', err);
        break;
      }
      this.queue.shift();
      committed++;
      head.onWritten?.();
    }
    if (this.queue.length === 0 && committed > 0) {
      this.backoff = undefined;
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

  /** Shutdown: stops retrying and empties the queue, returning what could not be written. */
  abandon(): PendingEntry[] {
    this.stop();
    return this.queue.splice(0).map(({ kind, key }) => ({ kind, key }));
  }

  private announce(): void {
    const full = isStoreFull(this.lastError);
    this.emit('degraded', { reason: full ? 'disk-full' : 'write-failed', code: storeErrorCode(this.lastError), pending: this.queue.length });
  }

  private pendingError(key: string, what: string, cause?: unknown): Error {
    const options = cause === undefined ? undefined : { cause };
    if (isStoreFull(this.lastError)) {
      return new StoreFullError(`the disk is full: record ${key} ${what} and will be written when space returns; free disk space in the data directory`, true, options);
    }
    const code = storeErrorCode(this.lastError);
    return new StoreWriteError(`writing to the store failed (${code}): record ${key} ${what} and will be retried; check the data directory's disk and filesystem`, code, true, options);
  }

  private schedule(): void {
    if (this.timer) return;
    this.backoff = (this.backoff ?? this.backoffFactory).next(undefined);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.flush() > 0) this.schedule();
    }, this.backoff.duration);
    this.timer.unref();
  }
}
