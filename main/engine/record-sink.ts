import type { ScreeningRecord } from './screening-record.js';

/**
 * Where finished screenings go: the store's durable commit. The engine awaits `commit` before it
 * shows a result, so a result on screen always has a record on disk.
 *
 * Contract for implementers:
 * - resolve only once the record is durable (transaction committed);
 * - be idempotent by `record.id`: the engine retries with the same id after a failure or a
 *   timeout, and a retried record may differ from the first attempt (its decision becomes HOLD
 *   with `STORE_UNAVAILABLE` when the first attempts failed). Keep the first committed version
 *   or the latest; never insert twice.
 */
export interface RecordSink {
  commit(record: ScreeningRecord): Promise<void>;
}
