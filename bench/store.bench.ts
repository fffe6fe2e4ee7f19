/**
 * Store benchmarks (`node --import tsx bench/run.ts store`):
 * 1. Durable screenings per second: KioskStore.records.commit() awaited one by one — one IMMEDIATE
 *    transaction per screening (record + outbox row, personal fields encrypted), synchronous=FULL,
 *    WAL, on the real disk under the OS temp dir. Reported separately: group commit with 16 commits
 *    in flight (several share one fsync; each still resolves only after its own transaction is durable),
 *    and the disk's ceiling (1-row fsynced commits/s) for context: no per-transaction design beats it.
 * 2. Statistics on 1,000,000 screenings: rows bulk-inserted in one transaction with realistic row
 *    sizes (encrypted columns as blobs of the real ciphertext lengths), spread evenly over 14 whole
 *    local days ending with today (through the counting trigger, as real inserts do); today's per-hour
 *    statistics via store.stats.today(), median/p99, and the whole 14-day range.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from 'uuidv7';
import { KioskStore } from '../main/store/kiosk-store.js';
import { StaticKeyProvider } from '../main/store/key-provider.js';
import { addLocalDays, startOfLocalDay, totals } from '../main/store/statistics.js';
import { screeningRecord } from '../test/fixtures/store/screening-records.js';
import { percentiles, type BenchResult } from './bench-result.js';

const KEY = new StaticKeyProvider(Buffer.alloc(32, 42));

async function durableScreenings(dir: string): Promise<{ perSecond: number; latency: ReturnType<typeof percentiles>; n: number }> {
  const store = await KioskStore.open({ dataDir: dir, keyProvider: KEY, maintenanceIntervalMs: 0 });
  try {
    const n = 3000;
    const records = Array.from({ length: n }, (_, i) => screeningRecord({ fever: i % 20 === 0 }, i));
    for (let i = 0; i < 100; i++) await store.records.commit(screeningRecord({}, i)); // warm-up
    const latencies: number[] = [];
    const t0 = performance.now();
    for (const r of records) {
      const s = performance.now();
      await store.records.commit(r);
      latencies.push(performance.now() - s);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { perSecond: Math.round(n / seconds), latency: percentiles(latencies), n };
  } finally {
    store.close();
  }
}

/** The disk's own ceiling: 1-row transactions with synchronous=FULL in WAL (one fsync each). */
async function bareFsyncCommits(dir: string): Promise<number> {
  const store = await KioskStore.open({ dataDir: dir, keyProvider: KEY, maintenanceIntervalMs: 0 });
  try {
    store.db.exec('CREATE TABLE IF NOT EXISTS bench_scratch (x INTEGER)');
    const insert = store.db.prepare('INSERT INTO bench_scratch (x) VALUES (?)');
    const n = 2000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) insert.run(i);
    return Math.round(n / ((performance.now() - t0) / 1000));
  } finally {
    store.close();
  }
}

/** Group commit: `concurrency` commits in flight at once, each resolving only after its own fsync. */
async function groupCommitted(dir: string, concurrency: number): Promise<{ perSecond: number; n: number }> {
  const store = await KioskStore.open({ dataDir: dir, keyProvider: KEY, maintenanceIntervalMs: 0 });
  try {
    const n = 6000;
    const records = Array.from({ length: n }, (_, i) => screeningRecord({ fever: i % 20 === 0 }, i));
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) await store.records.commit(records[next++]!);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    if (store.records.count() !== n) throw new Error(`group commit lost records: ${store.records.count()} of ${n}`);
    return { perSecond: Math.round(n / seconds), n };
  } finally {
    store.close();
  }
}

async function statsOnAMillion(dir: string, now: Date): Promise<Record<string, number>> {
  const total = 1_000_000;
  const store = await KioskStore.open({ dataDir: dir, keyProvider: KEY, maintenanceIntervalMs: 0, now: () => now });
  try {
    const first = addLocalDays(startOfLocalDay(now), -13).getTime();
    const span = addLocalDays(startOfLocalDay(now), 1).getTime() - first;
    const insert = store.db.prepare(`INSERT INTO screenings (
        id, checkpoint_id, device_id, started_at, finished_at, finished_ms, station_mode, outcome, decision, mode, colour, fever,
        reasons, temperatures, duplicate_of, policy_version, card_type, region_code, birth_year, sex, id_valid, id_hash,
        name_enc, id_number_enc, address_enc, photo_enc, card_rest_enc)
      VALUES (?, 'CP-BENCH', 'kiosk-01', ?, ?, ?, 'card-then-temp', ?, ?, 'hard', NULL, ?, ?, ?, NULL, 'bench', 'resident', '110105', 1980, 'female', 1,
        randomblob(32), randomblob(35), randomblob(47), randomblob(75), randomblob(1053), randomblob(250))`);
    const temps = JSON.stringify(screeningRecord().temperatures);
    const t0 = performance.now();
    store.db.transaction(() => {
      for (let i = 0; i < total; i++) {
        const ms = first + Math.floor((i / total) * span);
        const iso = new Date(ms).toISOString();
        const fever = i % 97 === 0 ? 1 : 0;
        const hold = fever === 1 || i % 41 === 0;
        insert.run(uuidv7(), iso, iso, ms, hold ? 'hold' : 'pass', hold ? 'HOLD' : 'PASS', fever, hold ? '[{"code":"FEVER","messageKey":"reason.fever"}]' : '[]', temps);
      }
    })();
    const insertSeconds = (performance.now() - t0) / 1000;
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.db.exec('ANALYZE');

    const coldStart = performance.now();
    const today = store.stats.today();
    const cold = performance.now() - coldStart;
    const samples: number[] = [];
    for (let i = 0; i < 100; i++) {
      const s = performance.now();
      store.stats.today();
      samples.push(performance.now() - s);
    }
    const rangeSamples: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s = performance.now();
      store.stats.range(addLocalDays(startOfLocalDay(now), -13), now);
      rangeSamples.push(performance.now() - s);
    }
    const p = percentiles(samples);
    const r = percentiles(rangeSamples);
    return {
      todayRows: totals(today).screened,
      coldMs: cold,
      medianMs: p.median,
      p99Ms: p.p99,
      rangeMedianMs: r.median,
      insertSeconds,
      dbMiB: statSync(join(dir, 'kiosk.db')).size / 2 ** 20,
    };
  } finally {
    store.close();
  }
}

export async function run(): Promise<BenchResult> {
  const base = mkdtempSync(join(tmpdir(), 'kiosk-store-bench-'));
  try {
    const durable = await durableScreenings(join(base, 'durable'));
    const grouped = await groupCommitted(join(base, 'grouped'), 16);
    const ceiling = await bareFsyncCommits(join(base, 'fsync'));
    const stats = await statsOnAMillion(join(base, 'stats'), new Date());
    const round2 = (x: number) => Math.round(x * 100) / 100;
    return {
      figures: {
        'durable screenings/s (record+outbox, sync=FULL)': { value: durable.perSecond, unit: 'per s', goal: '>= 1000', met: durable.perSecond >= 1000 },
        'durable screenings/s, group commit (16 in flight)': { value: grouped.perSecond, unit: 'per s' },
        'disk ceiling: 1-row fsynced commits/s (same pragmas)': { value: ceiling, unit: 'per s' },
        'durable commit latency median': { value: round2(durable.latency.median), unit: 'ms' },
        'durable commit latency p99': { value: round2(durable.latency.p99), unit: 'ms' },
        "today's hourly stats on 1M records, median": { value: round2(stats.medianMs!), unit: 'ms', goal: '< 50', met: stats.medianMs! < 50 },
        "today's hourly stats on 1M records, p99": { value: round2(stats.p99Ms!), unit: 'ms', goal: '< 50', met: stats.p99Ms! < 50 },
        "today's hourly stats, first (cold) query": { value: round2(stats.coldMs!), unit: 'ms' },
        '14-day hourly stats (all 1M records), median': { value: round2(stats.rangeMedianMs!), unit: 'ms' },
      },
      notes: {
        durableCommits: durable.n,
        durableDirectory: tmpdir(),
        statsRowsTotal: 1_000_000,
        statsRowsToday: stats.todayRows,
        statsBulkInsertSeconds: round2(stats.insertSeconds!),
        statsDatabaseMiB: Math.round(stats.dbMiB!),
        sequentialNote: 'the goal figure: one awaited commit at a time, one fsynced transaction per screening',
        groupCommitNote: 'commits submitted in the same event-loop turn share one fsynced transaction; each resolves only after it',
        loadAverageAtEnd: loadavg(),
      },
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
