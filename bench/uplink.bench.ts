/**
 * Uplink benchmark (`node --import tsx bench/run.ts uplink`): drain of a 100,000-record backlog from a
 * kiosk's store into central on loopback — the real uplink (outbox read and decryption, freezing,
 * batches of ≤100 records / 256 KiB, HTTP) into the real central in its own process, as on two
 * machines (Fastify, idempotent multi-row inserts with personal data encrypted). Into PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL
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
import { StaticKeyProvider } from '../main/store/key-provider.js';
import { KioskStore } from '../main/store/kiosk-store.js';
import { Uplink } from '../main/uplink/uplink.js';
import { freshPostgresDatabase } from '../test/fixtures/central/fresh-postgres-database.js';
import { screeningRecord } from '../test/fixtures/store/screening-records.js';
import type { BenchContext, BenchResult, Figure } from './bench-result.js';
import { CentralProcess } from './rig/central-process.js';
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

interface Drain {
  perSecond: number;
  seconds: number;
  holdDuringDrainMs: number;
  /** Older holds (urgent, sent oldest first) still queued when that HOLD was committed. */
  holdsAhead: number;
  holdIdleMs: number[];
}

async function drain(central: CentralProcess, dir: string): Promise<Drain> {
  const store = await backlog(dir);
  const { url, kioskId, token } = central.configSection();
  const uplink = new Uplink({
    central: { url, kioskId, token },
    store,
    log: silent,
    heartbeat: () => ({ status: 'ready', devices: [], calibrationDueAt: null }),
    timings: { heartbeatMs: 3_600_000, listPollMs: 3_600_000 },
  });
  const t0 = performance.now();
  uplink.start();
  // A traveller held while the backlog drains: urgent rows go before the passes, oldest first, so it
  // waits for the older holds still queued (counted), not for the backlog.
  await new Promise((r) => setTimeout(r, 1000));
  const holdsAhead = store.db.prepare("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND priority = (SELECT MAX(priority) FROM outbox)").pluck().get() as number;
  const holdDuringDrainMs = await holdToCentral(store, uplink, 0);
  while (store.outbox.counts().pending > 0) await once(uplink.dispatcher, 'idle');
  const seconds = (performance.now() - t0) / 1000;
  // Then, with nothing queued: holds one at a time, as an online kiosk sends them.
  const holdIdleMs: number[] = [];
  for (let i = 1; i <= HOLDS_WHILE_IDLE; i++) holdIdleMs.push(await holdToCentral(store, uplink, i));
  await uplink.stop();
  const counts = store.outbox.counts();
  store.close();
  // Every record acknowledged (stored or duplicate), none refused.
  if (counts.sent !== N + 1 + HOLDS_WHILE_IDLE || counts.dead !== 0) throw new Error(`drain ended with ${JSON.stringify(counts)}, expected ${N + 1 + HOLDS_WHILE_IDLE} acknowledged`);
  return { perSecond: Math.round((N + 1) / seconds), seconds, holdDuringDrainMs, holdsAhead, holdIdleMs };
}

function psql(url: string, command: string): void {
  const r = spawnSync('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', command], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`psql failed: ${command.slice(0, 80)}`);
}

/** Central's rows, counted on the server; then the same rows COPYed into a fresh table of the same shape. */
function bareCopy(url: string, dir: string): { rows: number; perSecond: number; seconds: number } {
  const counted = spawnSync('psql', [url, '-qtA', '-c', 'SELECT COUNT(*) FROM records'], { encoding: 'utf8' });
  const rows = Number(counted.stdout.trim());
  if (rows !== N + 1 + HOLDS_WHILE_IDLE) throw new Error(`central's PostgreSQL holds ${counted.stdout.trim() || counted.stderr} records, expected ${N + 1 + HOLDS_WHILE_IDLE}`);
  const file = join(dir, 'records.csv');
  psql(url, `\\copy (SELECT * FROM records) TO '${file}' CSV`);
  psql(url, 'CREATE TABLE records_copy (LIKE records INCLUDING ALL)');
  const t0 = performance.now();
  psql(url, `\\copy records_copy FROM '${file}' CSV`);
  const seconds = (performance.now() - t0) / 1000;
  writeFileSync(file, '');
  return { rows, perSecond: Math.round(rows / seconds), seconds };
}

function holdFigures(figures: Record<string, Figure>, into: string, d: Drain): void {
  const idle = summarize(d.holdIdleMs);
  // No goal: it waits, by design, for the older holds queued before it (urgent first, then oldest first).
  figures[`a HOLD committed 1 s into the drain, behind ${d.holdsAhead.toLocaleString('en')} older holds, acknowledged by central (${into}) after`] = { value: round(d.holdDuringDrainMs), unit: 'ms', samples: 1 };
  figures[`a HOLD committed with nothing queued, acknowledged by central (${into}) after, p50`] = { value: round(idle.p50), unit: 'ms', samples: idle.n };
  figures[`a HOLD committed with nothing queued, acknowledged by central (${into}) after, max`] = { value: round(idle.max), unit: 'ms', goal: '< 1000', met: idle.max < 1000, samples: idle.n };
}

export async function run(ctx: BenchContext): Promise<BenchResult> {
  N = ctx.smoke ? 2_000 : Number(process.env.BENCH_RECORDS ?? 100_000);
  const figures: Record<string, Figure> = {};
  const notes: Record<string, unknown> = { records: N, holdsEvery: 20 };
  const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const startCentralIn = (dir: string, database?: string) =>
    CentralProcess.start({ dataDir: join(dir, 'central'), checkpointId: CHECKPOINT, kioskId: 'bench-kiosk', logFile: join(dir, 'central.log'), ...(database && { database }) });
  if (pgUrl) {
    const dir = mkdtempSync(join(ctx.dir, 'pg-'));
    const db = await freshPostgresDatabase(pgUrl);
    const central = await startCentralIn(dir, db.url);
    try {
      const d = await drain(central, join(dir, 'kiosk'));
      const copy = bareCopy(db.url, dir);
      figures['drain into PostgreSQL, records/s'] = { value: d.perSecond, unit: 'per s', goal: '>= 3000', met: d.perSecond >= 3000 };
      holdFigures(figures, 'PostgreSQL', d);
      figures['bare COPY of the same rows, records/s'] = { value: copy.perSecond, unit: 'per s' };
      figures['drain / COPY'] = { value: Math.round((d.perSecond / copy.perSecond) * 1000) / 1000, unit: 'ratio' };
      notes.postgresDrainSeconds = round(d.seconds, 1);
    } finally {
      await central.stop();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    notes.postgres = 'not measured: set BENCH_DATABASE_URL or TEST_DATABASE_URL (bash .ci/postgres.sh prints one)';
  }
  const dir = mkdtempSync(join(ctx.dir, 'pglite-'));
  const central = await startCentralIn(dir);
  try {
    const d = await drain(central, join(dir, 'kiosk'));
    figures['drain into embedded PGlite, records/s'] = { value: d.perSecond, unit: 'per s' };
    holdFigures(figures, 'PGlite', d);
    notes.pgliteDrainSeconds = round(d.seconds, 1);
  } finally {
    await central.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  notes.loadAverageAtEnd = loadavg();
  return {
    scope:
      'One kiosk\'s store (SQLite, in the bench directory) with a backlog queued before the clock starts (every 20th record a HOLD), drained by the real uplink in the bench process into the real central in its own process (the built CLI, `kiosk central start`) over loopback HTTP; ' +
      'central\'s database is PGlite in the bench directory, or the PostgreSQL server named by BENCH_DATABASE_URL / TEST_DATABASE_URL (then also a bare psql \\copy of the same rows for comparison). No devices, no screenings while it drains.',
    figures,
    notes,
  };
}
