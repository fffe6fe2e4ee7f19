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
  /** Manual registrations (people without a readable card), with their screening or alone. */
  registrations: number;
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

/** The idempotency key of a registration's link to its screening (manual-registrations.ts). */
const LINK_KEY = (r: string) => `${r}.id || '.' || ${r}.screening_id`;

/** Screenings whose purpose is met at `@cutoff`, per mode (the three cases of docs/privacy.md). */
function expiredScreeningsSql(mode: RetentionMode): string {
  if (mode === 'standalone') return 'SELECT s.id FROM screenings s WHERE s.finished_ms < @cutoff';
  // Acknowledged more than N days ago, and so was every disposition of it and the registration it
  // measured, with its link. (An acknowledgement is never earlier than the screening, so the
  // finished_ms bound only narrows the scan to old rows.)
  const before = (key: string) => `COALESCE(${acknowledgedAtSql(key)}, @cutoff) >= @cutoff`;
  return `SELECT s.id FROM screenings s
           WHERE s.finished_ms < @cutoff
             AND ${acknowledgedAtSql('s.id')} < @cutoff
             AND NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.screening_id = s.id AND ${before('d.id')})
             AND NOT EXISTS (SELECT 1 FROM manual_registrations r WHERE r.screening_id = s.id AND (${before('r.id')} OR ${before(LINK_KEY('r'))}))`;
}

/** Registrations whose measurement never started (no screening to go with), past the window. */
function expiredUnlinkedRegistrationsSql(mode: RetentionMode): string {
  const base = 'SELECT r.id FROM manual_registrations r WHERE r.screening_id IS NULL AND r.at_ms < @cutoff';
  return mode === 'standalone' ? base : `${base} AND ${acknowledgedAtSql('r.id')} < @cutoff`;
}

/** meta keys: the latest retention run, and the latest one that deleted something (JSON). */
export const LAST_RETENTION_RUN_KEY = 'retention_last_run';
export const LAST_PURGE_KEY = 'retention_last_purge';

/**
 * Deletes personal data whose purpose is met (PIPL art. 19, 47: keep no longer than needed), in
 * every mode (docs/privacy.md):
 * - `central`: screenings central acknowledged more than `days` ago, with their dispositions and the
 *   manual registration they measured (all of them acknowledged that long ago too). A record
 *   central has not acknowledged (pending or dead) is kept, whatever its age:
 *   `undeliveredPastRetention` reports those past the window, and they are purged `days` after they
 *   are finally acknowledged.
 * - `standalone`: screenings finished more than `days` ago, with their dispositions, registrations
 *   and outbox rows (there is nobody to deliver them to).
 * A registration whose measurement never started goes by its own time (standalone) or
 * acknowledgement (central).
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
      db.exec('DELETE FROM temp.purge_ids');
      db.prepare(`INSERT INTO temp.purge_ids (id) ${expiredUnlinkedRegistrationsSql(mode)}`).run({ cutoff: cutoffMs });
      const alone = deleteRegistrations(db, 'temp.purge_ids');
      removed.registrations += alone.registrations;
      removed.outboxRows += alone.outboxRows;
      db.exec('DROP TABLE temp.purge_ids');
      const cutoff = new Date(cutoffMs).toISOString();
      const run = { at: now.toISOString(), mode, days, cutoff, screenings: removed.screenings, dispositions: removed.dispositions, registrations: removed.registrations };
      setMeta(db, LAST_RETENTION_RUN_KEY, JSON.stringify(run));
      if (removed.screenings > 0 || removed.registrations > 0) {
        setMeta(db, LAST_PURGE_KEY, JSON.stringify(run));
        audit.append('system', 'retention.purge', { screenings: removed.screenings, dispositions: removed.dispositions, registrations: removed.registrations, cutoff, days, mode });
      }
      return { ...removed, cutoff, mode };
    })
    .immediate();
  if (result.screenings > 0 || result.registrations > 0) db.pragma('wal_checkpoint(TRUNCATE)');
  return result;
}

export interface Deleted {
  screenings: number;
  dispositions: number;
  registrations: number;
  outboxRows: number;
}

/**
 * Deletes the screenings whose ids are in `idTable`, their dispositions, the manual registrations
 * they measured, and every outbox row of any of them (whatever its status). Runs inside the
 * caller's transaction: retention and a person's deletion request (subject-data.ts) share it.
 */
export function deleteScreenings(db: SqliteDatabase, idTable: string): Deleted {
  const dispositionIds = `SELECT id FROM dispositions WHERE screening_id IN (SELECT id FROM ${idTable})`;
  let outboxRows =
    db.prepare(`DELETE FROM outbox WHERE idempotency_key IN (${dispositionIds})`).run().changes +
    db.prepare(`DELETE FROM outbox WHERE idempotency_key IN (SELECT id FROM ${idTable})`).run().changes;
  const linked = deleteRegistrations(db, `(SELECT r.id FROM manual_registrations r WHERE r.screening_id IN (SELECT id FROM ${idTable}))`, true);
  outboxRows += linked.outboxRows;
  const dispositions = db.prepare(`DELETE FROM dispositions WHERE screening_id IN (SELECT id FROM ${idTable})`).run().changes;
  const screenings = db.prepare(`DELETE FROM screenings WHERE id IN (SELECT id FROM ${idTable})`).run().changes;
  return { screenings, dispositions, registrations: linked.registrations, outboxRows };
}

/**
 * Deletes the manual registrations whose ids are in `ids` (a table name, or a subquery when
 * `subquery`), with their outbox rows and those of their links to a screening.
 */
export function deleteRegistrations(db: SqliteDatabase, ids: string, subquery = false): { registrations: number; outboxRows: number } {
  const source = subquery ? ids : `(SELECT id FROM ${ids})`;
  db.exec('DROP TABLE IF EXISTS temp.purge_registrations');
  db.exec(`CREATE TEMP TABLE purge_registrations AS SELECT r.id AS id, ${LINK_KEY('r')} AS link FROM manual_registrations r WHERE r.id IN ${source}`);
  const outboxRows =
    db.prepare('DELETE FROM outbox WHERE idempotency_key IN (SELECT id FROM temp.purge_registrations)').run().changes +
    db.prepare('DELETE FROM outbox WHERE idempotency_key IN (SELECT link FROM temp.purge_registrations WHERE link IS NOT NULL)').run().changes;
  const registrations = db.prepare('DELETE FROM manual_registrations WHERE id IN (SELECT id FROM temp.purge_registrations)').run().changes;
  db.exec('DROP TABLE temp.purge_registrations');
  return { registrations, outboxRows };
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
               OR EXISTS (SELECT 1 FROM dispositions d WHERE d.screening_id = s.id AND ${acknowledgedAtSql('d.id')} IS NULL)
               OR EXISTS (SELECT 1 FROM manual_registrations r WHERE r.screening_id = s.id AND (${acknowledgedAtSql('r.id')} IS NULL OR ${acknowledgedAtSql(LINK_KEY('r'))} IS NULL)))`,
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
  /** Manual registrations deleted (absent in runs recorded before registrations were purged). */
  registrations?: number;
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
