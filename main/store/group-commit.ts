import type { SqliteDatabase } from './database.js';
import type { PendingWrites } from './pending-writes.js';

interface Submitted {
  key: string;
  write: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: writes submitted in the same turn of the event loop are committed in one
 * IMMEDIATE transaction, so one fsync covers all of them. Each caller's promise still resolves only
 * after the transaction holding its write is durably committed. With one screening at a time (the
 * normal kiosk) every batch has one write and this is exactly one transaction per screening.
 *
 * If a batch fails, its writes are retried one by one through PendingWrites, so a full disk keeps
 * every record (in order) and a bad record fails alone without taking its neighbours with it.
 */
export class GroupCommit {
  private batch: Submitted[] = [];
  private scheduled = false;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly pending: PendingWrites,
    private readonly maxBatch = 512,
  ) {}

  /** `write` must be a transaction function (it becomes a savepoint inside the batch). */
  submit(key: string, write: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.batch.push({ key, write, resolve, reject });
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
    if (!this.pending.degraded && batch.length > 1) {
      try {
        this.db.transaction(() => {
          for (const s of batch) s.write();
        }).immediate();
        for (const s of batch) s.resolve();
        return;
      } catch {
        // Fall through: one by one, so each write gets its own outcome.
      }
    }
    for (const s of batch) {
      try {
        this.pending.run(s.key, () => s.write());
        s.resolve();
      } catch (err) {
        s.reject(err);
      }
    }
  }
}
