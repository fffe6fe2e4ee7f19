/**
 * Central ingest benchmark (`node --import tsx bench/run.ts central`): 50 simulated kiosks upload at
 * once over loopback HTTP, each its own enrolled token, each sending batches of 100 screenings one
 * after another (as a kiosk's uplink does) until it has sent its share. Measures records/s stored and
 * the latency of one batch (median, p99). Into PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL
 * names a server, and into the embedded PGlite. BENCH_RECORDS overrides the total (quick checks).
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { UploadItem } from '../central/api.js';
import { startCentral, type RunningCentral } from '../central/central-service.js';
import { cardToJson } from '../main/store/id-card-codec.js';
import { freshPostgresDatabase } from '../test/fixtures/central/fresh-postgres-database.js';
import { screeningRecord } from '../test/fixtures/store/screening-records.js';
import type { BenchContext, BenchResult, Figure } from './bench-result.js';
import { summarize, type Summary } from './sample-statistics.js';

const KIOSKS = 50;
/** Records in all (set by `run`: BENCH_RECORDS, 50,000 by default, 2,000 in a smoke run). */
let TOTAL = 50_000;
const BATCH = 100;
const silent = pino({ level: 'silent' });

function post(url: string, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/v1/records`, { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function ingest(central: RunningCentral): Promise<{ perSecond: number; latency: Summary }> {
  const kiosks = await Promise.all(Array.from({ length: KIOSKS }, (_, k) => central.kiosks.enroll({ checkpointId: `bench-cp-${k % 10}`, kioskId: `bench-k-${k}`, actor: 'bench' })));
  const perKiosk = Math.ceil(TOTAL / KIOSKS / BATCH);
  // Bodies are built before the clock starts: the figure is central's, not the generator's.
  const bodies = kiosks.map((k, ki) =>
    Array.from({ length: perKiosk }, (_, b) =>
      JSON.stringify({
        records: Array.from({ length: BATCH }, (_, i): UploadItem => {
          const r = screeningRecord({ checkpointId: k.checkpointId, ...(i % 20 === 0 && { decision: 'HOLD', outcome: 'hold', fever: true }) }, ki * 100_000 + b * BATCH + i);
          return { id: r.id, kind: 'screening', schemaVersion: 1, record: JSON.parse(JSON.stringify({ ...r, card: r.card ? cardToJson(r.card) : null })) as Record<string, unknown> };
        }),
      }),
    ),
  );
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    kiosks.map(async (k, ki) => {
      for (const body of bodies[ki]!) {
        const s = performance.now();
        const status = await post(central.url, k.token, body);
        latencies.push(performance.now() - s);
        if (status !== 200) throw new Error(`batch answered ${status}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const stored = KIOSKS * perKiosk * BATCH;
  return { perSecond: Math.round(stored / seconds), latency: summarize(latencies) };
}

export async function run(ctx: BenchContext): Promise<BenchResult> {
  TOTAL = ctx.smoke ? 2_000 : Number(process.env.BENCH_RECORDS ?? 50_000);
  const figures: Record<string, Figure> = {};
  const notes: Record<string, unknown> = { kiosks: KIOSKS, batch: BATCH, records: TOTAL };
  const round = (x: number) => Math.round(x * 10) / 10;
  const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const targets: Array<{ name: string; url: string | null; drop?: () => Promise<void> }> = [];
  if (pgUrl) {
    const db = await freshPostgresDatabase(pgUrl);
    targets.push({ name: 'PostgreSQL', url: db.url, drop: db.drop });
  } else notes.postgres = 'not measured: set BENCH_DATABASE_URL or TEST_DATABASE_URL';
  targets.push({ name: 'PGlite', url: null });
  for (const t of targets) {
    const dir = mkdtempSync(join(ctx.dir, 'central-'));
    const central = await startCentral({ dataDir: dir, databaseUrl: t.url, log: silent });
    try {
      const r = await ingest(central);
      figures[`ingest into ${t.name}, 50 kiosks at once, records/s`] = { value: r.perSecond, unit: 'per s' };
      figures[`batch latency into ${t.name}, p50`] = { value: round(r.latency.p50), unit: 'ms', samples: r.latency.n };
      figures[`batch latency into ${t.name}, p99`] = { value: round(r.latency.p99), unit: 'ms', samples: r.latency.n };
    } finally {
      await central.stop();
      await t.drop?.();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  notes.loadAverageAtEnd = loadavg();
  return {
    scope:
      'Central (Fastify, idempotent multi-row inserts, personal data encrypted) in the bench process, its database in the bench directory (PGlite) or the PostgreSQL server named by BENCH_DATABASE_URL / TEST_DATABASE_URL; ' +
      '50 loopback HTTP clients in the same process stand in for kiosks (request bodies built before the clock starts). The kiosks\' own stores and uplinks are not in it (bench uplink measures one).',
    figures,
    notes,
  };
}
