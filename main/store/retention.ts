import { statfs } from 'node:fs/promises';
import type { AuditLog } from './audit-log.js';
import type { SqliteDatabase } from './database.js';
import { acknowledgedSql } from './outbox.js';

export const DEFAULT_RETENTION_DAYS = 14;
const DAY_MS = 86_400_000;

export interface PurgeResult {
  screenings: number;
  dispositions: number;
  outboxRows: number;
  cutoff: string;
}

/**
 * Deletes personal data whose purpose is met (PIPL: keep no longer than needed): screenings
 * acknowledged by the central service (the outbox's one definition, `acknowledgedSql`: central's
 * answer recorded by the uplink) and finished more than `days` ago, with their dispositions. A
 * screening is kept while it, or any of its dispositions, is not acknowledged (pending, sent without
 * an answer, or dead).
 * `secure_delete` is on, so freed pages are zeroed; the WAL is checkpointed and truncated afterwards
 * so deleted values do not linger there either. Calibrations, device events and settings changes
 * hold no personal data and are kept (processing records); their acknowledged outbox rows already
 * carry no payload.
 */
export function purgeExpired(db: SqliteDatabase, audit: AuditLog, options: { days?: number; now?: Date } = {}): PurgeResult {
  const days = options.days ?? DEFAULT_RETENTION_DAYS;
  if (!Number.isFinite(days) || days < 1) throw new Error(`retention days must be at least 1, got ${days}`);
  const cutoffMs = (options.now ?? new Date()).getTime() - days * DAY_MS;
  const result = db
    .transaction((): PurgeResult => {
      db.exec('DROP TABLE IF EXISTS temp.purge_ids');
      db.exec('CREATE TEMP TABLE purge_ids (id TEXT PRIMARY KEY)');
      db.prepare(
        `INSERT INTO temp.purge_ids (id)
         SELECT s.id FROM screenings s
           JOIN outbox o ON o.idempotency_key = s.id AND ${acknowledgedSql('o')}
          WHERE s.finished_ms < ?
            AND NOT EXISTS (
              SELECT 1 FROM dispositions d LEFT JOIN outbox od ON od.idempotency_key = d.id
               WHERE d.screening_id = s.id AND NOT (${acknowledgedSql('od')}))`,
      ).run(cutoffMs);
      const dispositionIds = `SELECT id FROM dispositions WHERE screening_id IN (SELECT id FROM temp.purge_ids)`;
      const outboxRows =
        db.prepare(`DELETE FROM outbox WHERE ${acknowledgedSql('outbox')} AND idempotency_key IN (${dispositionIds})`).run().changes +
        db.prepare(`DELETE FROM outbox WHERE ${acknowledgedSql('outbox')} AND idempotency_key IN (SELECT id FROM temp.purge_ids)`).run().changes;
      const dispositions = db.prepare('DELETE FROM dispositions WHERE screening_id IN (SELECT id FROM temp.purge_ids)').run().changes;
      const screenings = db.prepare('DELETE FROM screenings WHERE id IN (SELECT id FROM temp.purge_ids)').run().changes;
      db.exec('DROP TABLE temp.purge_ids');
      const cutoff = new Date(cutoffMs).toISOString();
      if (screenings > 0) audit.append('system', 'retention.purge', { screenings, dispositions, cutoff, days });
      return { screenings, dispositions, outboxRows, cutoff };
    })
    .immediate();
  if (result.screenings > 0) db.pragma('wal_checkpoint(TRUNCATE)');
  return result;
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
