import { statfs } from 'node:fs/promises';
import type { DeliveryMode } from '../config/delivery-mode.js';
import type { AuditLog } from './audit-log.js';
import type { SqliteDatabase } from './database.js';

export const DEFAULT_RETENTION_DAYS = 14;
const DAY_MS = 86_400_000;

/** How records are delivered, which decides when a record's purpose is met (main/config/delivery-mode.ts). */
export type RetentionMode = DeliveryMode;

export interface RetentionPolicy {
  /** Days to keep (1–28 from the configuration; at least 1 here). */
  days: number;
  mode: RetentionMode;
}

export interface PurgeResult {
  screenings: number;
  dispositions: number;
  outboxRows: number;
  cutoff: string;
  mode: RetentionMode;
}

/**
 * SQL for "when did central acknowledge the record with this idempotency key" (epoch ms), NULL while
 * it has not. The one place retention asks it: today the outbox's `sent` rows carry the time
 * (outbox.ts `markAcknowledged`); if acknowledgement moves elsewhere, re-point this and nothing else.
 */
export function acknowledgedAtSql(idempotencyKey: string): string {
  return `(SELECT ack.acknowledged_at FROM outbox ack WHERE ack.idempotency_key = ${idempotencyKey} AND ack.status = 'sent')`;
}

/** Screenings whose purpose is met at `@cutoff`, per mode (the three cases of docs/privacy.md). */
function expiredScreeningsSql(mode: RetentionMode): string {
  if (mode === 'standalone') return 'SELECT s.id FROM screenings s WHERE s.finished_ms < @cutoff';
  // Acknowledged more than N days ago, and so was every disposition of it. (An acknowledgement is
  // never earlier than the screening, so the finished_ms bound only narrows the scan to old rows.)
  return `SELECT s.id FROM screenings s
           WHERE s.finished_ms < @cutoff
             AND ${acknowledgedAtSql('s.id')} < @cutoff
             AND NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.screening_id = s.id AND COALESCE(${acknowledgedAtSql('d.id')}, @cutoff) >= @cutoff)`;
}

/** meta keys: the latest retention run, and the latest one that deleted something (JSON). */
export const LAST_RETENTION_RUN_KEY = 'retention_last_run';
export const LAST_PURGE_KEY = 'retention_last_purge';

/**
 * Deletes personal data whose purpose is met (PIPL art. 19, 47: keep no longer than needed), in
 * every mode (docs/privacy.md):
 * - `central`: screenings central acknowledged more than `days` ago, with their dispositions (all of
 *   them acknowledged that long ago too). A record central has not acknowledged (pending or dead)
 *   is kept, whatever its age: `undelivered()` reports those past the window, and they are purged
 *   `days` after they are finally acknowledged.
 * - `standalone`: screenings finished more than `days` ago, with their dispositions and outbox rows
 *   (there is nobody to deliver them to).
 * `secure_delete` is on, so freed pages are zeroed; the WAL is checkpointed and truncated afterwards
 * so deleted values do not linger there either. Calibrations, device events, settings changes,
 * statistics counts and the audit log hold no personal data and are kept (the processing record).
 * A purge that deletes something is audited (counts, cutoff, mode: never ids or contents), so the
 * missing rows are accounted for and `kiosk audit verify` passes across it.
 */
export function purgeExpired(db: SqliteDatabase, audit: AuditLog, options: { days?: number; mode?: RetentionMode; now?: Date } = {}): PurgeResult {
  const days = options.days ?? DEFAULT_RETENTION_DAYS;
  const mode = options.mode ?? 'central';
  if (!Number.isFinite(days) || days < 1) throw new Error(`retention days must be at least 1, got ${days}`);
  const now = options.now ?? new Date();
  const cutoffMs = now.getTime() - days * DAY_MS;
  const result = db
    .transaction((): PurgeResult => {
      db.exec('DROP TABLE IF EXISTS temp.purge_ids');
      db.exec('CREATE TEMP TABLE purge_ids (id TEXT PRIMARY KEY)');
      db.prepare(`INSERT INTO temp.purge_ids (id) ${expiredScreeningsSql(mode)}`).run({ cutoff: cutoffMs });
      const removed = deleteScreenings(db, 'temp.purge_ids');
      db.exec('DROP TABLE temp.purge_ids');
      const cutoff = new Date(cutoffMs).toISOString();
      const run = { at: now.toISOString(), mode, days, cutoff, screenings: removed.screenings, dispositions: removed.dispositions };
      setMeta(db, LAST_RETENTION_RUN_KEY, JSON.stringify(run));
      if (removed.screenings > 0) {
        setMeta(db, LAST_PURGE_KEY, JSON.stringify(run));
        audit.append('system', 'retention.purge', { screenings: removed.screenings, dispositions: removed.dispositions, cutoff, days, mode });
      }
      return { ...removed, cutoff, mode };
    })
    .immediate();
  if (result.screenings > 0) db.pragma('wal_checkpoint(TRUNCATE)');
  return result;
}

/**
 * Deletes the screenings whose ids are in `idTable`, their dispositions and every outbox row of
 * either (whatever its status). Runs inside the caller's transaction: retention and a person's
 * deletion request (subject-data.ts) share it.
 */
export function deleteScreenings(db: SqliteDatabase, idTable: string): { screenings: number; dispositions: number; outboxRows: number } {
  const dispositionIds = `SELECT id FROM dispositions WHERE screening_id IN (SELECT id FROM ${idTable})`;
  const outboxRows =
    db.prepare(`DELETE FROM outbox WHERE idempotency_key IN (${dispositionIds})`).run().changes +
    db.prepare(`DELETE FROM outbox WHERE idempotency_key IN (SELECT id FROM ${idTable})`).run().changes;
  const dispositions = db.prepare(`DELETE FROM dispositions WHERE screening_id IN (SELECT id FROM ${idTable})`).run().changes;
  const screenings = db.prepare(`DELETE FROM screenings WHERE id IN (SELECT id FROM ${idTable})`).run().changes;
  return { screenings, dispositions, outboxRows };
}

/** Records central has not acknowledged although their screening is older than the window (`central` mode). */
export interface UndeliveredPastRetention {
  /** Screenings kept past the window because they, or a disposition of them, are not acknowledged. */
  screenings: number;
  /** When the oldest of them was finished (ISO), or null when there is none. */
  oldestFinishedAt: string | null;
}

/** Records kept past the window only because central has not acknowledged them (always none when standalone). */
export function undeliveredPastRetention(db: SqliteDatabase, policy: RetentionPolicy, now: Date): UndeliveredPastRetention {
  if (policy.mode === 'standalone') return { screenings: 0, oldestFinishedAt: null };
  const cutoff = now.getTime() - policy.days * DAY_MS;
  const row = db
    .prepare(
      `SELECT COUNT(*) AS n, MIN(s.finished_ms) AS oldest FROM screenings s
        WHERE s.finished_ms < @cutoff
          AND (${acknowledgedAtSql('s.id')} IS NULL
               OR EXISTS (SELECT 1 FROM dispositions d WHERE d.screening_id = s.id AND ${acknowledgedAtSql('d.id')} IS NULL))`,
    )
    .get({ cutoff }) as { n: number; oldest: number | null };
  return { screenings: row.n, oldestFinishedAt: row.oldest === null ? null : new Date(row.oldest).toISOString() };
}

/** The latest retention run and the latest purge (what `kiosk privacy report` shows). */
export interface RetentionRun {
  at: string;
  mode: RetentionMode;
  days: number;
  cutoff: string;
  screenings: number;
  dispositions: number;
}

export function lastRetentionRuns(db: SqliteDatabase): { lastRun: RetentionRun | null; lastPurge: RetentionRun | null } {
  const read = (key: string) => {
    const value = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
    return value === undefined ? null : (JSON.parse(value) as RetentionRun);
  };
  return { lastRun: read(LAST_RETENTION_RUN_KEY), lastPurge: read(LAST_PURGE_KEY) };
}

function setMeta(db: SqliteDatabase, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

export interface DiskSpaceThresholds {
  /** Below this many free bytes: 'warning' (default 500 MiB). */
  warnBelowBytes: number;
  /** Below this many free bytes: 'critical' (default 50 MiB). */
  criticalBelowBytes: number;
}

export const DEFAULT_DISK_THRESHOLDS: DiskSpaceThresholds = { warnBelowBytes: 500 * 2 ** 20, criticalBelowBytes: 50 * 2 ** 20 };

export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
  level: 'ok' | 'warning' | 'critical';
}

/** Free space on the filesystem holding `dir` (blocks available to an unprivileged user). */
export async function checkDiskSpace(dir: string, thresholds: DiskSpaceThresholds = DEFAULT_DISK_THRESHOLDS): Promise<DiskSpace> {
  const s = await statfs(dir);
  const freeBytes = Number(s.bavail) * Number(s.bsize);
  const totalBytes = Number(s.blocks) * Number(s.bsize);
  return { freeBytes, totalBytes, level: diskLevel(freeBytes, thresholds) };
}

export function diskLevel(freeBytes: number, thresholds: DiskSpaceThresholds): DiskSpace['level'] {
  if (freeBytes < thresholds.criticalBelowBytes) return 'critical';
  if (freeBytes < thresholds.warnBelowBytes) return 'warning';
  return 'ok';
}
