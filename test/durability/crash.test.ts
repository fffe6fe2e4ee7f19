import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { SAMPLE_PEOPLE, withoutPhoto } from '../fixtures/store/screening-records.js';
import { containsText, tempDataDir } from '../fixtures/store/temp-data-dir.js';
import { crashRecord } from './crash-records.js';
import { seededRandom } from '../../drivers/sim/seeded-random.js';

const ROUNDS = 24;
const root = join(import.meta.dirname, '..', '..');
const writer = join(import.meta.dirname, 'crash-writer.ts');
const data = tempDataDir('kiosk-crash-');
afterAll(() => data.cleanup());


interface Acked {
  screenings: Array<{ id: string; round: number; index: number }>;
  dispositions: Array<{ id: string; screeningId: string }>;
  lastSetting: number | null;
}

/** Runs the writer once and SIGKILLs it `killAfterMs` after it is ready (or after spawn, when `early`). */
function crashOnce(round: number, killAfterMs: number, early: boolean, acked: Acked): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, data.dir, String(round)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const kill = () => child.kill('SIGKILL');
    if (early) timer = setTimeout(kill, killAfterMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? ''; // a line cut by the kill is not an acknowledgement
      for (const line of lines) {
        const [tag, a, b, c] = line.split(' ');
        if (tag === 'READY' && !early) timer = setTimeout(kill, killAfterMs);
        else if (tag === 'ACK') acked.screenings.push({ id: a!, round: Number(b), index: Number(c) });
        else if (tag === 'ACKD') acked.dispositions.push({ id: a!, screeningId: b! });
        else if (tag === 'ACKS') acked.lastSetting = Number(a);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`writer exited by itself (code ${code}, signal ${signal}) in round ${round}: ${stderr.slice(-2000)}`));
    });
  });
}

describe('crash durability (SIGKILL at random moments)', () => {
  it(
    `keeps every acknowledged record, intact, with its outbox row, over ${ROUNDS} kills`,
    async () => {
      const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
      const random = seededRandom(seed);
      const acked: Acked = { screenings: [], dispositions: [], lastSetting: null };
      for (let round = 0; round < ROUNDS; round++) {
        const early = round > 0 && random() < 0.2; // sometimes kill while it is still opening
        await crashOnce(round, early ? Math.floor(random() * 600) : 20 + Math.floor(random() * 700), early, acked);
      }
      const context = `seed ${seed} (replay with CRASH_SEED=${seed})`;
      process.stderr.write(`crash test: ${acked.screenings.length} screenings and ${acked.dispositions.length} dispositions acknowledged over ${ROUNDS} kills; ${context}\n`);
      expect(acked.screenings.length, context).toBeGreaterThan(ROUNDS);

      // The files as the last kill left them (WAL included) hold no plaintext personal data.
      const names = ['kiosk.db', 'kiosk.db-wal'].map((f) => join(data.dir, f)).filter((f) => existsSync(f));
      for (const file of names) {
        const bytes = readFileSync(file);
        for (const p of SAMPLE_PEOPLE) for (const secret of [p.idNumber, p.name, p.address]) expect(containsText(bytes, secret), `${secret} in ${file}; ${context}`).toBe(false);
      }

      const store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
      try {
        expect(store.db.pragma('integrity_check', { simple: true }), context).toBe('ok');
        for (const a of acked.screenings) {
          expect(store.records.get(a.id), `${a.id} ${context}`).toEqual(withoutPhoto(crashRecord(a.id, a.round, a.index)));
          expect(store.outbox.status(a.id), context).toBe('pending');
        }
        for (const d of acked.dispositions) {
          expect(store.dispositions.forScreening(d.screeningId).map((x) => x.id), context).toContain(d.id);
          expect(store.outbox.status(d.id), context).toBe('pending');
        }
        if (acked.lastSetting !== null) {
          // The last acknowledged value, or one the writer set after it but was killed before acknowledging.
          const value = store.settings.get<number>('crash.counter')!;
          expect(value, context).toBeGreaterThanOrEqual(acked.lastSetting);
          expect(value % 1_000_000 % 25, `${value} is not a value the writer sets; ${context}`).toBe(24);
        }
        // The outbox matches the records exactly: one row per record, none without its record.
        const orphans = store.db
          .prepare(
            `SELECT COUNT(*) FROM outbox o WHERE
               (o.kind = 'screening' AND NOT EXISTS (SELECT 1 FROM screenings s WHERE s.id = o.record_id)) OR
               (o.kind = 'disposition' AND NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.id = o.record_id))`,
          )
          .pluck()
          .get();
        expect(orphans, context).toBe(0);
        const withoutRow = store.db
          .prepare(
            `SELECT (SELECT COUNT(*) FROM screenings s WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.idempotency_key = s.id)) +
                    (SELECT COUNT(*) FROM dispositions d WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.idempotency_key = d.id))`,
          )
          .pluck()
          .get();
        expect(withoutRow, context).toBe(0);
        // Every record that made it (acknowledged or committed just before the kill) decrypts.
        for (const id of store.db.prepare('SELECT id FROM screenings').pluck().all() as string[]) expect(store.records.get(id)?.card?.idNumber, context).toMatch(/^\d{17}[\dX]$/);
        expect(store.audit.verify(), context).toMatchObject({ ok: true });
      } finally {
        store.close();
      }
    },
    150_000,
  );
});
