/**
 * Uplink benchmark (`node --import tsx bench/run.ts uplink`): drain of a 100,000-record backlog from a
 * kiosk's store into central on loopback — the real uplink (outbox read and decryption, freezing,
 * batches of ≤100 records / 256 KiB, HTTP) into the real central (Fastify, idempotent multi-row
 * inserts with personal data encrypted). Into PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL
 * names a server (a fresh database is created and dropped), and into the embedded PGlite.
 *
 * For context, in the same run: a bare COPY of the same rows into a copy of central's records table
 * (psql \copy, the fastest way rows get into PostgreSQL), and the ratio drain/COPY.
 * How soon an urgent record reaches central: a HOLD committed one second into the drain (urgent rows
 * go before the backlog), and 20 HOLDs committed one at a time once nothing is queued — each timed
 * from its commit to central's acknowledgement.
 * BENCH_RECORDS overrides the backlog size (for a quick check that the benchmark works).
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startCentral, type RunningCentral } from '../central/central-service.js';
import { StaticKeyProvider } from '../main/store/key-provider.js';
import { KioskStore } from '../main/store/kiosk-store.js';
import { Uplink } from '../main/uplink/uplink.js';
import { freshPostgresDatabase } from '../test/fixtures/central/fresh-postgres-database.js';
import { screeningRecord } from '../test/fixtures/store/screening-records.js';
import type { BenchContext, BenchResult, Figure } from './bench-result.js';
import { round, summarize } from './sample-statistics.js';

/** The backlog (set by `run`: BENCH_RECORDS, 100,000 by default, 2,000 in a smoke run). */
let N = 100_000;
const CHECKPOINT = 'bench-cp';
const silent = pino({ level: 'silent' });

async function backlog(dir: string): Promise<KioskStore> {
  const store = await KioskStore.open({ dataDir: dir, keyProvider: new StaticKeyProvider(Buffer.alloc(32, 3)), maintenanceIntervalMs: 0 });
  for (let i = 0; i < N; i += 1000) {
    // Group commit: a thousand commits in one event-loop turn share one fsynced transaction.
    await Promise.all(Array.from({ length: Math.min(1000, N - i) }, (_, k) => store.records.commit(screeningRecord({ checkpointId: CHECKPOINT, ...((i + k) % 20 === 0 && { decision: 'HOLD', outcome: 'hold', fever: true }) }, i + k))));
  }
  return store;
}

/** Commits a HOLD and resolves with the ms until central acknowledged it (its outbox row is `sent`). */
async function holdToCentral(store: KioskStore, uplink: Uplink, i: number): Promise<number> {
  const hold = screeningRecord({ checkpointId: CHECKPOINT, decision: 'HOLD', outcome: 'hold', fever: true }, 1_000_000 + i);
  const t0 = performance.now();
  await store.records.commit(hold);
  while (store.outbox.status(hold.id) !== 'sent') await once(uplink.dispatcher, 'batch');
  return performance.now() - t0;
}

const HOLDS_WHILE_IDLE = 20;

async function drain(central: RunningCentral, dir: string): Promise<{ perSecond: number; seconds: number; holdDuringDrainMs: number; holdIdleMs: number[] }> {
  const { token } = await central.kiosks.enroll({ checkpointId: CHECKPOINT, kioskId: 'bench-kiosk', actor: 'bench' });
  const store = await backlog(dir);
  const uplink = new Uplink({
    central: { url: central.url, kioskId: 'bench-kiosk', token },
    store,
    log: silent,
    heartbeat: () => ({ status: 'ready', devices: [], calibrationDueAt: null }),
    timings: { heartbeatMs: 3_600_000, listPollMs: 3_600_000 },
  });
  const t0 = performance.now();
  uplink.start();
  // A traveller held while the backlog drains: urgent rows go first, so it should not wait for the backlog.
  await new Promise((r) => setTimeout(r, 1000));
  const holdDuringDrainMs = await holdToCentral(store, uplink, 0);
  while (store.outbox.counts().pending > 0) await once(uplink.dispatcher, 'idle');
  const seconds = (performance.now() - t0) / 1000;
  // Then, with nothing queued: holds one at a time, as an online kiosk sends them.
  const holdIdleMs: number[] = [];
  for (let i = 1; i <= HOLDS_WHILE_IDLE; i++) holdIdleMs.push(await holdToCentral(store, uplink, i));
  await uplink.stop();
  store.close();
  const [row] = await central.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM records');
  if (row!.n !== N + 1 + HOLDS_WHILE_IDLE) throw new Error(`drain ended with ${row!.n} records on central, expected ${N + 1 + HOLDS_WHILE_IDLE}`);
  return { perSecond: Math.round((N + 1) / seconds), seconds, holdDuringDrainMs, holdIdleMs };
}

/** The same rows as central stored them, COPYed into a fresh table of the same shape. */
async function bareCopy(central: RunningCentral, url: string, dir: string): Promise<{ perSecond: number; seconds: number }> {
  const file = join(dir, 'records.csv');
  spawnSync('psql', [url, '-q', '-c', `\\copy (SELECT * FROM records) TO '${file}' CSV`], { stdio: 'inherit' });
  await central.db.query('CREATE TABLE records_copy (LIKE records INCLUDING ALL)');
  const t0 = performance.now();
  const r = spawnSync('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy records_copy FROM '${file}' CSV`], { stdio: 'inherit' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error('psql \\copy failed');
  writeFileSync(file, '');
  return { perSecond: Math.round(N / seconds), seconds };
}

function holdFigures(figures: Record<string, Figure>, into: string, d: Awaited<ReturnType<typeof drain>>): void {
  const idle = summarize(d.holdIdleMs);
  figures[`a HOLD committed 1 s into the drain, acknowledged by central (${into}) after`] = { value: round(d.holdDuringDrainMs), unit: 'ms', goal: '< 1000', met: d.holdDuringDrainMs < 1000, samples: 1 };
  figures[`a HOLD committed with nothing queued, acknowledged by central (${into}) after, p50`] = { value: round(idle.p50), unit: 'ms', samples: idle.n };
  figures[`a HOLD committed with nothing queued, acknowledged by central (${into}) after, max`] = { value: round(idle.max), unit: 'ms', goal: '< 1000', met: idle.max < 1000, samples: idle.n };
}

export async function run(ctx: BenchContext): Promise<BenchResult> {
  N = ctx.smoke ? 2_000 : Number(process.env.BENCH_RECORDS ?? 100_000);
  const figures: Record<string, Figure> = {};
  const notes: Record<string, unknown> = { records: N, holdsEvery: 20 };
  const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (pgUrl) {
    const dir = mkdtempSync(join(ctx.dir, 'pg-'));
    const db = await freshPostgresDatabase(pgUrl);
    const central = await startCentral({ dataDir: join(dir, 'central'), databaseUrl: db.url, log: silent });
    try {
      const d = await drain(central, join(dir, 'kiosk'));
      const copy = await bareCopy(central, db.url, dir);
      figures['drain into PostgreSQL, records/s'] = { value: d.perSecond, unit: 'per s', goal: '>= 3000', met: d.perSecond >= 3000 };
      holdFigures(figures, 'PostgreSQL', d);
      figures['bare COPY of the same rows, records/s'] = { value: copy.perSecond, unit: 'per s' };
      figures['drain / COPY'] = { value: Math.round((d.perSecond / copy.perSecond) * 1000) / 1000, unit: 'ratio' };
      notes.postgresDrainSeconds = Math.round(d.seconds * 10) / 10;
    } finally {
      await central.stop();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    notes.postgres = 'not measured: set BENCH_DATABASE_URL or TEST_DATABASE_URL (bash .ci/postgres.sh prints one)';
  }
  const dir = mkdtempSync(join(ctx.dir, 'pglite-'));
  const central = await startCentral({ dataDir: join(dir, 'central'), databaseUrl: null, log: silent });
  try {
    const d = await drain(central, join(dir, 'kiosk'));
    figures['drain into embedded PGlite, records/s'] = { value: d.perSecond, unit: 'per s' };
    holdFigures(figures, 'PGlite', d);
  } finally {
    await central.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  notes.loadAverageAtEnd = loadavg();
  return {
    scope:
      'One kiosk\'s store (SQLite, in the bench directory) with a backlog queued before the clock starts, drained by the real uplink into the real central over loopback HTTP, both in the bench process; ' +
      'central\'s database is PGlite in the bench directory, or the PostgreSQL server named by BENCH_DATABASE_URL / TEST_DATABASE_URL (then also a bare psql \\copy of the same rows for comparison). No devices, no screenings while it drains.',
    figures,
    notes,
  };
}
