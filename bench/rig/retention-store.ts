import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKioskConfig } from '../../main/config/kiosk-config.js';
import { HmacIdHasher } from '../../main/engine/id-hasher.js';
import type { ScreeningRecord } from '../../main/engine/screening-record.js';
import { watchlistSnapshot } from '../../main/engine/watchlist-source.js';
import { openIdKey } from '../../main/host/id-key.js';
import { WATCHLIST_FILE } from '../../main/host/local-lists.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { newRecordId } from '../../main/store/record-id.js';
import { EngineFeed } from './engine-feed.js';
import { BENCH_KEY_REGIONS, benchWatchlist, DEFAULT_MIX, syntheticPerson } from './synthetic-people.js';

/**
 * How much a kiosk keeps: `days` of retention (the store's default, 14) at `perDay` screenings, and
 * `expiredRows` older than that, acknowledged, which the next hourly purge removes.
 */
export interface RetentionSpec {
  days: number;
  perDay: number;
  expiredRows: number;
}

/**
 * A busy station: 10,000 travellers a day at one kiosk (about 10 a minute over 16 hours: half the
 * pace one kiosk sustains with a queue always waiting, screening.bench), kept 14 days (140,000
 * screenings); plus one hour's (700) past retention, which the next hourly purge removes.
 */
export const BUSY_STATION: RetentionSpec = { days: 14, perDay: 10_000, expiredRows: 700 };

/**
 * The database the store and cold-start benches use: BUSY_STATION, with KIOSK_BENCH_RETENTION_DAYS
 * days instead of 14 when set (a smaller machine); smoke runs: 2 days of 1000.
 */
export function retentionSpec(smoke: boolean, env: NodeJS.ProcessEnv = process.env): RetentionSpec {
  if (smoke) return { days: 2, perDay: 1000, expiredRows: 100 };
  const days = env.KIOSK_BENCH_RETENTION_DAYS === undefined ? BUSY_STATION.days : Number(env.KIOSK_BENCH_RETENTION_DAYS);
  if (!(Number.isInteger(days) && days >= 1)) throw new Error(`KIOSK_BENCH_RETENTION_DAYS must be a whole number of days >= 1, got "${env.KIOSK_BENCH_RETENTION_DAYS}"`);
  return { ...BUSY_STATION, days };
}

export interface RetentionDataDir {
  dataDir: string;
  rows: number;
  /** kiosk.db and its -wal, bytes. */
  databaseBytes: number;
  buildSeconds: number;
}

const DAY_MS = 86_400_000;
const BATCH = 512;

/**
 * Builds (once per run, in `shared`) the data directory of a kiosk that has screened a busy
 * station for its whole retention period, through the store's own write path: every record as the
 * engine makes it (templates from an EngineFeed run of synthetic travellers: passes, holds, fevers
 * re-measured, listed people), each traveller distinct, encrypted, sealed, with its outbox row;
 * everything older than the last hour acknowledged by central (the uplink keeps up). The directory
 * holds what a host needs to start in service: the master key and its source record, the ID key, a
 * lists file and a blackbody calibration of `thermo-0` made yesterday. Callers copy it (copyDataDir):
 * starting a host on it changes it.
 */
export async function retentionDataDir(shared: string, spec: RetentionSpec, onProgress: (text: string) => void = () => {}): Promise<RetentionDataDir> {
  const dataDir = join(shared, `retention-${spec.days}d-${spec.perDay}`);
  const doneMarker = join(dataDir, '.bench-built.json');
  if (existsSync(doneMarker)) return JSON.parse(readFileSync(doneMarker, 'utf8')) as RetentionDataDir;
  const t0 = performance.now();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const idKey = await openIdKey(dataDir, { newDataDir: true });
  const hasher = new HmacIdHasher(idKey);
  const parsed = parseKioskConfig({ checkpoint: { id: 'bench-station-1', name: '基准测试站' }, lists: { source: 'file' } });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const total = spec.days * spec.perDay + spec.expiredRows;
  writeFileSync(join(dataDir, WATCHLIST_FILE), JSON.stringify(benchWatchlist([], hasher, 100_000, new Date())), { mode: 0o600 });

  const records = await BenchRecords.make();

  const store = await KioskStore.open({ dataDir, maintenanceIntervalMs: 0 });
  try {
    const now = Date.now();
    const start = now - spec.days * DAY_MS;
    const ackBefore = now - 3_600_000;
    const at = (k: number) => (k < spec.expiredRows ? start - 3_600_000 + (k / spec.expiredRows) * 3_500_000 : start + ((k - spec.expiredRows) / (total - spec.expiredRows)) * (spec.days * DAY_MS - 60_000));
    for (let k = 0; k < total; k += BATCH) {
      const batch: ScreeningRecord[] = [];
      for (let j = k; j < Math.min(total, k + BATCH); j++) {
        batch.push(records.record(j, at(j)));
      }
      await Promise.all(batch.map((r) => store.records.commit(r)));
      const acked = batch.filter((r) => Date.parse(r.finishedAt) < ackBefore).map((r) => r.id);
      if (acked.length > 0) store.outbox.markAcknowledged(acked);
      if ((k / BATCH) % 40 === 0) onProgress(`retention database: ${k} of ${total} screenings`);
    }
    await store.calibrations.record({ deviceId: parsed.config.devices.thermometer.id, gain: 1, offsetC: 0, points: [{ referenceC: 35, measuredC: 35 }, { referenceC: 39, measuredC: 39 }], technicianId: 'bench', note: 'bench: two-point blackbody', performedAt: new Date(now - DAY_MS).toISOString() });
    store.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    store.close();
  }
  const built: RetentionDataDir = { dataDir, rows: total, databaseBytes: databaseBytes(dataDir), buildSeconds: Math.round((performance.now() - t0) / 1000) };
  writeFileSync(doneMarker, JSON.stringify(built));
  return built;
}

/**
 * Screening records exactly as the engine builds them (one EngineFeed run of 100 synthetic
 * travellers: passes, holds, fevers re-measured, listed people), replayed for any number of
 * distinct travellers at any time: a fresh id, the traveller's own card, the record's times.
 */
export class BenchRecords {
  private constructor(private readonly templates: ScreeningRecord[]) {}

  static async make(): Promise<BenchRecords> {
    const parsed = parseKioskConfig({ checkpoint: { id: 'bench-station-1', name: '基准测试站' }, lists: { source: 'file' } });
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const templates: ScreeningRecord[] = [];
    const feed = new EngineFeed(parsed.config, { commit: async () => undefined }, new HmacIdHasher(randomBytes(32)), watchlistSnapshot([], BENCH_KEY_REGIONS, new Date().toISOString()));
    for (let i = 0; i < 100; i++) {
      templates.push((await feed.screen(syntheticPerson(i, DEFAULT_MIX))).record);
      await EngineFeed.nextTurn();
    }
    await feed.stop();
    return new BenchRecords(templates);
  }

  /** Traveller `n`'s record, finished at `finishedMs` (epoch ms). */
  record(n: number, finishedMs: number): ScreeningRecord {
    const t = this.templates[n % this.templates.length]!;
    return { ...t, id: newRecordId(), card: syntheticPerson(100 + n, DEFAULT_MIX).card, startedAt: new Date(finishedMs - 1500).toISOString(), finishedAt: new Date(finishedMs).toISOString() };
  }
}

/** kiosk.db plus its -wal. */
export function databaseBytes(dataDir: string): number {
  return readdirSync(dataDir)
    .filter((f) => f === 'kiosk.db' || f === 'kiosk.db-wal')
    .reduce((n, f) => n + statSync(join(dataDir, f)).size, 0);
}

/** A private copy of a built data directory (modes kept: the store refuses keys readable by others). */
export function copyDataDir(from: string, to: string): string {
  cpSync(from, to, { recursive: true, preserveTimestamps: true, filter: (src) => !src.endsWith('.bench-built.json') });
  return to;
}
