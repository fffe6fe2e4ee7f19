import { isPendingCommit } from '../engine/record-sink.js';
import type { SqliteDatabase } from './database.js';
import type { PendingWrites, RunOptions } from './pending-writes.js';

/** One record's write, as the record module hands it over. */
export interface Submission {
  key: string;
  /** A transaction function writing the record (it becomes a savepoint inside a batch). */
  write: () => void;
  /**
   * The write to keep instead when the record cannot be written now, or when the submitter stopped
   * waiting (`signal` aborted) before it was written. Default: `write`.
   */
  fallback?: () => () => void;
  signal?: AbortSignal;
  /** Passed to the one retry queue (kind, written callback). */
  run?: RunOptions;
}

interface Submitted extends Submission {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: writes submitted in the same turn of the event loop are committed in one
 * IMMEDIATE transaction, so one fsync covers all of them. Each caller's promise still resolves only
 * after the transaction holding its write is durably committed. With one screening at a time (the
 * normal kiosk) every batch has one write and this is exactly one transaction per screening.
 *
 * If a batch fails, its writes are retried one by one through PendingWrites (the one retry queue),
 * so a full disk keeps every record (in order) and a bad record fails alone without taking its
 * neighbours with it. A submission whose caller stopped waiting is not written as submitted: its
 * fallback (what the caller showed instead) goes through the retry queue.
 */
export class GroupCommit {
  private batch: Submitted[] = [];
  private scheduled = false;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly pending: PendingWrites,
    private readonly maxBatch = 512,
  ) {}

  submit(submission: Submission): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.batch.push({ ...submission, resolve, reject });
      if (this.batch.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything submitted so far (called by the scheduler; tests may call it directly). */
  flush(): void {
    this.scheduled = false;
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    const live = batch.filter((s) => !s.signal?.aborted);
    if (!this.pending.degraded && live.length > 1 && live.length === batch.length) {
      try {
        this.db.transaction(() => {
          for (const s of batch) s.write();
        }).immediate();
        for (const s of batch) {
          s.run?.onWritten?.();
          s.resolve();
        }
        return;
      } catch {
        // Fall through: one by one, so each write gets its own outcome.
      }
    }
    for (const s of batch) this.runOne(s);
  }

  private runOne(s: Submitted): void {
    // A caller that stopped waiting has shown its fallback: that is the version to keep.
    const abandoned = s.signal?.aborted === true && s.fallback !== undefined;
    try {
      this.pending.run(s.key, abandoned ? s.fallback!() : s.write, s.run);
      s.resolve();
    } catch (err) {
      if (!abandoned && s.fallback && isPendingCommit(err)) {
        // Waiting in the retry queue: keep what the caller will show (the fallback) in its place.
        try {
          this.pending.run(s.key, s.fallback(), s.run);
        } catch (again) {
          if (!isPendingCommit(again)) {
            s.reject(again);
            return;
          }
        }
      }
      s.reject(err);
    }
  }
}
