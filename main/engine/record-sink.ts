import type { ScreeningRecord } from './screening-record.js';

/** How the engine hands a record to the sink. */
export interface CommitOptions {
  /**
   * The version to keep if the record cannot be written now: the sink then keeps this one (not
   * `record`) in its retry queue. The engine passes the version it will show in that case (HOLD
   * with STORE_UNAVAILABLE added), so what is stored is what was shown.
   */
  whenQueued?: (record: ScreeningRecord) => ScreeningRecord;
  /**
   * Aborted when the engine stops waiting (its attempt timed out). A sink that has not written the
   * record yet then keeps the `whenQueued` version instead: the engine has shown that one.
   */
  signal?: AbortSignal;
}

/**
 * Where finished screenings go: the store's durable commit. The engine awaits `commit` before it
 * shows a result, so a result on screen always matches a record on disk or in the sink's one
 * retry queue. The engine never retries a commit itself (one retry path: the sink's).
 *
 * Contract for implementers:
 * - resolve only once the record is durable (transaction committed);
 * - when the record cannot be written now but is kept for a later attempt, keep
 *   `options.whenQueued(record)` (or `record` without it) and reject with an error whose `pending`
 *   property is true; a later commit of the same id while it waits replaces it (the latest
 *   version wins);
 * - any other rejection means the record was not kept;
 * - be idempotent by `record.id`: a record already written is never written twice.
 */
export interface RecordSink {
  commit(record: ScreeningRecord, options?: CommitOptions): Promise<void>;
}

/** True when a rejected commit left the record waiting in the sink's retry queue. */
export function isPendingCommit(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { pending?: unknown }).pending === true;
}
