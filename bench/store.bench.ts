/**
 * The store (issue 14 item 4), in the bench directory (on the filesystem the kiosk keeps its data
 * on; its filesystem and device are in every result file), never the OS temp directory.
 *
 * 1. Durability, three trials in alternating order (A B C D, D C B A, A B C D), each in a fresh
 *    directory; the figure is the median trial:
 *    A. durable screenings/s: KioskStore.records.commit() awaited one at a time: one IMMEDIATE
 *       transaction per screening (record, keyed seal, outbox row; personal fields encrypted),
 *       WAL, synchronous=FULL; distinct travellers' records as the engine builds them;
 *    B. the same with 16 commits in flight (group commit: one fsync for the commits of one turn);
 *    C. SQLite's 1-row commit rate: a one-integer INSERT per transaction with the store's pragmas
 *       — SQLite's own floor per commit, not the disk's;
 *    D. the directory's raw fdatasync rate: 4 KiB appended and fdatasync'd, again and again.
 * 2. Commit latency while background work runs, on a copy of a retention-sized database (14 days
 *    at a busy station, bench/rig/retention-store.ts): commits are scheduled every 20 ms and each is
 *    timed from its scheduled moment to its durable end (so a commit held up behind a job counts its
 *    whole wait), with nothing else, then during a WAL checkpoint (TRUNCATE, as the retention purge
 *    runs it, 5 times), the hourly retention purge (700 expired records), and `kiosk export` of one
 *    day by the built CLI in its own process (as a technician runs it beside the kiosk).
 *    Last, the uplink catching up (main/uplink/): every record not yet acknowledged (the database's
 *    last hour and what the phases before added) uploaded in batches to a reference central in its
 *    own process (`kiosk central start`, embedded PGlite, loopback HTTP) while commits go on.
 * 3. On that database: the keyed seal's share of a commit (reading the row back, its HMAC, writing
 *    the MAC, as ScreeningStore does inside the record's transaction; rolled back), and today's
 *    hourly statistics: a read of the trigger-kept 15-minute counters, so it does not depend on how
 *    many records the database holds (said in the label).
 *
 * KIOSK_BENCH_STORE_COMMITS (default 1000; smoke 100) per durability measurement.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../main/store/database.js';
import { KioskStore } from '../main/store/kiosk-store.js';
import { StaticKeyProvider } from '../main/store/key-provider.js';
import { StoreSeal } from '../main/store/store-seal.js';
import { Uplink } from '../main/uplink/uplink.js';
import { pino } from 'pino';
import { totals } from '../main/store/statistics.js';
import type { BenchContext, BenchResult, Figure } from './bench-result.js';
import { CentralProcess } from './rig/central-process.js';
import { ROOT } from './rig/child-process.js';
import { BenchRecords, copyDataDir, databaseBytes, retentionDataDir, retentionSpec } from './rig/retention-store.js';
import { round, summarize, type Summary } from './sample-statistics.js';

const KEY = new StaticKeyProvider(Buffer.alloc(32, 42));
type Kind = 'sequential' | 'group' | 'sqlite1row' | 'fdatasync';
const ORDER: Kind[] = ['sequential', 'group', 'sqlite1row', 'fdatasync'];

async function sequential(dir: string, n: number, records: BenchRecords): Promise<{ perSecond: number; latency: Summary }> {
  const store = await KioskStore.open({ dataDir: dir, keyProvider: KEY, maintenanceIntervalMs: 0 });
  try {
    for (let i = 0; i < 50; i++) await store.records.commit(records.record(i, Date.now())); // warm-up
    const latencies: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const r = records.record(1000 + i, Date.now());
      const s = performance.now();
      await store.records.commit(r);
      latencies.push(performance.now() - s);
    }
    return { perSecond: n / ((performance.now() - t0) / 1000), latency: summarize(latencies) };
  } finally {
    store.close();
  }
}

async function group(dir: string, n: number, records: BenchRecords, inFlight: number): Promise<number> {
  const store = await KioskStore.open({ dataDir: dir, keyProvider: KEY, maintenanceIntervalMs: 0 });
  try {
    const all = Array.from({ length: n }, (_, i) => records.record(i, Date.now()));
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < n) await store.records.commit(all[next++]!);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    if (store.records.count() !== n) throw new Error(`group commit lost records: ${store.records.count()} of ${n}`);
    return n / seconds;
  } finally {
    store.close();
  }
}

/** SQLite's floor: a 1-row INSERT per transaction, WAL and synchronous=FULL as the store opens it. */
function sqliteOneRow(dir: string, n: number): number {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const db = openDatabase(join(dir, 'one-row.db'));
  try {
    db.exec('CREATE TABLE t (x INTEGER)');
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    const t0 = performance.now();
    for (let i = 0; i < n; i++) insert.run(i);
    return n / ((performance.now() - t0) / 1000);
  } finally {
    db.close();
  }
}

/** The directory's raw rate: 4 KiB appended, then fdatasync, n times. */
function rawFdatasync(dir: string, n: number): number {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fd = openSync(join(dir, 'fdatasync.bin'), 'w', 0o600);
  const block = Buffer.alloc(4096, 0x5a);
  try {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      writeSync(fd, block);
      fdatasyncSync(fd);
    }
    return n / ((performance.now() - t0) / 1000);
  } finally {
    closeSync(fd);
  }
}

/**
 * Commits scheduled every `everyMs` while `job` runs (and `tailMs` after): each commit's latency from
 * its scheduled moment to its durable end. Returns the latencies and the job's own duration.
 */
async function commitsDuring(store: KioskStore, records: BenchRecords, from: number, everyMs: number, job: () => Promise<void>, tailMs = 200): Promise<{ latencies: number[]; jobMs: number; next: number }> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let n = from;
  let running = true;
  const t0 = performance.now();
  let due = t0;
  const tick = () => {
    const now = performance.now();
    while (due <= now) {
      const scheduled = due;
      const r = records.record(n++, Date.now());
      pending.push(store.records.commit(r).then(() => void latencies.push(performance.now() - scheduled)));
      due += everyMs;
    }
    if (running) timer = setTimeout(tick, Math.max(0, due - performance.now()));
  };
  let timer = setTimeout(tick, 0);
  await new Promise((r) => setTimeout(r, 3 * everyMs)); // the stream is flowing before the job starts
  const j0 = performance.now();
  await job();
  const jobMs = performance.now() - j0;
  await new Promise((r) => setTimeout(r, tailMs));
  running = false;
  clearTimeout(timer);
  await Promise.all(pending);
  return { latencies, jobMs, next: n };
}

function yesterday(): string {
  const d = new Date(Date.now() - 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** `kiosk export` of yesterday, by the built CLI in its own process. */
function exportYesterday(dataDir: string, output: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const day = yesterday();
    const p = spawn(process.execPath, [join(ROOT, 'bin', 'kiosk.js'), 'export', '--from', day, '--to', day, '--format', 'csv', '--data', dataDir, '--output', output], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kiosk export exited ${code}: ${err.trim()}`))));
  });
}

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const n = Number(process.env.KIOSK_BENCH_STORE_COMMITS ?? (ctx.smoke ? 100 : 1000));
  const records = await BenchRecords.make();

  // 1. Durability trials, alternating order.
  const trials: Array<Record<Kind, number> & { latency: Summary }> = [];
  for (let t = 0; t < 3; t++) {
    const order = t % 2 === 0 ? ORDER : [...ORDER].reverse();
    const out = {} as Record<Kind, number> & { latency: Summary };
    for (const kind of order) {
      const dir = join(ctx.dir, `trial-${t + 1}-${kind}`);
      if (kind === 'sequential') {
        const s = await sequential(dir, n, records);
        out.sequential = s.perSecond;
        out.latency = s.latency;
      } else if (kind === 'group') out.group = await group(dir, 2 * n, records, 16);
      else if (kind === 'sqlite1row') out.sqlite1row = sqliteOneRow(dir, n);
      else out.fdatasync = rawFdatasync(dir, n);
    }
    trials.push(out);
    process.stderr.write(`  trial ${t + 1} (${order.join(', ')}): ${Math.round(out.sequential)} durable screenings/s, ${Math.round(out.fdatasync)} fdatasync/s\n`);
  }
  const medianOf = (k: Kind) => [...trials.map((x) => x[k])].sort((a, b) => a - b)[1]!;
  const latencyTrial = [...trials].sort((a, b) => a.sequential - b.sequential)[1]!.latency;

  // 2. Commit latency during background work, on a retention-sized database.
  const spec = retentionSpec(ctx.smoke);
  process.stderr.write(`  retention database (${spec.days} days × ${spec.perDay} + ${spec.expiredRows} expired)...\n`);
  const built = await retentionDataDir(ctx.shared, spec, (text) => process.stderr.write(`  ${text}\n`));
  const dataDir = copyDataDir(built.dataDir, join(ctx.dir, 'retention'));
  const store = await KioskStore.open({ dataDir, maintenanceIntervalMs: 0 });
  const during: Record<string, { latencies: number[]; jobMs: number[] }> = {};
  const upload = { backlog: 0, seconds: 0, delivered: 0 };
  let purged = 0;
  try {
    const EVERY = 20;
    let next = 0;
    const phase = async (name: string, times: number, job: () => Promise<void>, between = 1000) => {
      during[name] = { latencies: [], jobMs: [] };
      for (let i = 0; i < times; i++) {
        const r = await commitsDuring(store, records, next, EVERY, job);
        next = r.next;
        during[name]!.latencies.push(...r.latencies);
        during[name]!.jobMs.push(r.jobMs);
        if (between > 0) await new Promise((res) => setTimeout(res, between));
      }
    };
    await phase('nothing else runs', 5, () => new Promise((res) => setTimeout(res, 2000)));
    // The WAL grows with the commits between checkpoints (about a second's worth, ~50 records).
    await phase('a WAL checkpoint (TRUNCATE) runs', 5, async () => void store.db.pragma('wal_checkpoint(TRUNCATE)'));
    await phase('the hourly retention purge runs', 1, async () => void (purged = store.purgeExpired().screenings));
    await phase('kiosk export of one day runs (CLI, own process)', ctx.smoke ? 1 : 2, () => exportYesterday(dataDir, join(ctx.dir, `export-${Date.now()}.csv`)));
    const central = await CentralProcess.start({ dataDir: join(ctx.dir, 'central'), checkpointId: 'bench-station-1', kioskId: 'bench-kiosk', logFile: join(ctx.dir, 'central.log') });
    const uplink = new Uplink({
      central: central.configSection(),
      store,
      log: pino({ level: 'silent' }),
      heartbeat: () => ({ status: 'ready', devices: [], calibrationDueAt: null }),
      timings: { heartbeatMs: 3_600_000, listPollMs: 3_600_000 },
    });
    try {
      upload.backlog = store.outbox.counts().pending;
      await phase('the uplink catches up (central in its own process)', 1, async () => {
        const t0 = performance.now();
        const queuedBefore = Date.now();
        const backlogLeft = store.db.prepare("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND created_at <= ?").pluck();
        let failure: string | null = null;
        const onFailure = (f: { error: string }) => void (failure = f.error);
        uplink.dispatcher.on('failure', onFailure);
        uplink.start();
        // Caught up when nothing queued before the phase began is pending (the new commits keep going out as they come).
        while ((backlogLeft.get(queuedBefore) as number) > 0) {
          if (failure !== null) throw new Error(`the upload failed: ${failure}`);
          await once(uplink.dispatcher, 'batch');
        }
        uplink.dispatcher.off('failure', onFailure);
        upload.seconds = (performance.now() - t0) / 1000;
      });
      upload.delivered = store.outbox.counts().sent;
    } finally {
      await uplink.stop();
      await central.stop();
    }
  } finally {
    store.close();
  }

  // 3. Today's statistics.
  const statsStore = await KioskStore.open({ dataDir, maintenanceIntervalMs: 0, integrityCheck: 'quick' });
  const statSamples: number[] = [];
  const sealSamples: number[] = [];
  let todayRows = 0;
  try {
    for (let i = 0; i < 110; i++) {
      const s = performance.now();
      todayRows = totals(statsStore.stats.today()).screened;
      if (i >= 10) statSamples.push(performance.now() - s);
    }
    // The keyed seal's share of a commit: what ScreeningStore does inside the record's transaction
    // (read the row back as stored, HMAC it, write the MAC), on stored rows, rolled back.
    const db = statsStore.db;
    const seal = new StoreSeal(randomBytes(32));
    const ids = db.prepare('SELECT id FROM screenings ORDER BY finished_ms DESC LIMIT 1100').pluck().all() as string[];
    const readRow = db.prepare('SELECT * FROM screenings WHERE id = ?');
    const setMac = db.prepare('UPDATE screenings SET mac = ? WHERE id = ?');
    db.exec('BEGIN IMMEDIATE');
    try {
      ids.forEach((id, i) => {
        const s = performance.now();
        setMac.run(seal.rowMac('screenings', readRow.get(id) as Record<string, unknown>), id);
        if (i >= 100) sealSamples.push(performance.now() - s);
      });
    } finally {
      db.exec('ROLLBACK');
    }
  } finally {
    statsStore.close();
  }
  const stats = summarize(statSamples);
  const sealCost = summarize(sealSamples);

  const figures: Record<string, Figure> = {
    'durable screenings/s, one commit at a time (record + seal + outbox, fsync)': { value: Math.round(medianOf('sequential')), unit: 'per s', goal: '>= 1000', met: medianOf('sequential') >= 1000 },
    'durable screenings/s, 16 commits in flight (group commit)': { value: Math.round(medianOf('group')), unit: 'per s' },
    "SQLite's 1-row commit rate (a one-integer INSERT per transaction, WAL, synchronous=FULL)": { value: Math.round(medianOf('sqlite1row')), unit: 'per s' },
    "the bench directory's raw fdatasync rate (4 KiB append + fdatasync)": { value: Math.round(medianOf('fdatasync')), unit: 'per s' },
    'durable commit latency, one at a time, p50 (median trial)': { value: round(latencyTrial.p50, 2), unit: 'ms', samples: latencyTrial.n },
    'durable commit latency, one at a time, p99 (median trial)': { value: round(latencyTrial.p99, 2), unit: 'ms', samples: latencyTrial.n },
  };
  const phases: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(during)) {
    if (d.latencies.length === 0) continue;
    const s = summarize(d.latencies);
    figures[`commit latency from its scheduled moment while ${name}, p99`] = { value: round(s.p99, 2), unit: 'ms', samples: s.n };
    figures[`commit latency from its scheduled moment while ${name}, max`] = { value: round(s.max, 2), unit: 'ms', samples: s.n };
    const job = summarize(d.jobMs);
    if (name !== 'nothing else runs') figures[`duration: ${name.replace(/ runs/, '')}, max`] = { value: round(job.max, 1), unit: 'ms', samples: job.n };
    phases[name] = { commits: s, jobMs: d.jobMs.map((x) => round(x, 1)) };
  }
  figures['uplink catch-up while screening goes on: records delivered to central, per second'] = { value: Math.round(upload.backlog / upload.seconds), unit: 'per s', samples: upload.backlog };
  figures["keyed seal per record (read back, HMAC, write the MAC: inside the commit's transaction, before its fsync), p50"] = { value: round(sealCost.p50 * 1000, 1), unit: 'µs', samples: sealCost.n };
  figures["keyed seal per record (read back, HMAC, write the MAC: inside the commit's transaction, before its fsync), p99"] = { value: round(sealCost.p99 * 1000, 1), unit: 'µs', samples: sealCost.n };
  figures["today's hourly statistics, p99 (reads the 15-minute counters kept by trigger: independent of the record count)"] = { value: round(stats.p99, 3), unit: 'ms', samples: stats.n };
  return {
    scope:
      'The store in the bench process, its files in the bench directory (filesystem and device in environment.benchDirectory). Durability: three trials in alternating order, the median trial reported; ' +
      'the SQLite 1-row rate is SQLite\'s floor per commit (a tiny row), the fdatasync rate the directory\'s raw flush rate; neither is a screening. ' +
      `Background work: on a copy of a retention-sized database (${built.rows} screenings, ${round(built.databaseBytes / 2 ** 20)} MiB); commits every 20 ms timed from their scheduled moment ` +
      '(a commit waiting behind a checkpoint or purge on the one connection counts its wait); the export runs in its own process; ' +
      'the uplink runs in the bench process (as in the host) against a reference central in its own process (embedded PGlite, loopback HTTP: no network delay).',
    figures,
    notes: {
      commitsPerMeasurement: n,
      trials: trials.map((x) => ({ sequential: Math.round(x.sequential), group: Math.round(x.group), sqlite1row: Math.round(x.sqlite1row), fdatasync: Math.round(x.fdatasync), latencyP50: round(x.latency.p50, 2), latencyP99: round(x.latency.p99, 2) })),
      trialOrders: [ORDER, [...ORDER].reverse(), ORDER],
      retentionDatabase: { ...built, spec, mib: round(built.databaseBytes / 2 ** 20), afterBenchMiB: round(databaseBytes(dataDir) / 2 ** 20) },
      purgedScreenings: purged,
      phases,
      statsTodayRows: todayRows,
      upload: { backlogRecords: upload.backlog, seconds: round(upload.seconds, 2), acknowledgedAtEnd: upload.delivered },
    },
  };
}
