import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { totals } from '../../main/store/statistics.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

const NOW = new Date(2026, 10, 28, 15, 30); // local time
const at = (day: number, hour: number, minute = 10) => new Date(2026, 10, day, hour, minute).toISOString();

let data: ReturnType<typeof tempDataDir>;
let store: KioskStore;
beforeEach(async () => {
  data = tempDataDir();
  store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0, now: () => NOW });
});
afterEach(() => {
  store.close();
  data.cleanup();
});

describe('statistics', () => {
  it('counts screened, passed, held, fever and abandoned per local hour for today', async () => {
    await store.records.commit(screeningRecord({ finishedAt: at(28, 8) }));
    await store.records.commit(screeningRecord({ finishedAt: at(28, 8, 59) }));
    await store.records.commit(screeningRecord({ finishedAt: at(28, 9), fever: true }));
    await store.records.commit(screeningRecord({ finishedAt: at(28, 9), outcome: 'hold', decision: 'HOLD' }));
    await store.records.commit(screeningRecord({ finishedAt: at(28, 9), outcome: 'abandoned', decision: null, card: null }));
    await store.records.commit(screeningRecord({ finishedAt: at(28, 0, 0) }));
    await store.records.commit(screeningRecord({ finishedAt: at(27, 23, 59) })); // yesterday
    await store.records.commit(screeningRecord({ finishedAt: at(29, 0, 0) })); // tomorrow

    const today = store.stats.today();
    expect(today).toHaveLength(24);
    expect(today.map((h) => h.hour)).toEqual([...Array(24).keys()]);
    expect(today[0]).toMatchObject({ screened: 1, passed: 1 });
    expect(today[8]).toMatchObject({ screened: 2, passed: 2, held: 0, fever: 0, abandoned: 0 });
    expect(today[9]).toMatchObject({ screened: 2, passed: 0, held: 2, fever: 1, abandoned: 1 });
    expect(totals(today)).toEqual({ screened: 5, passed: 3, held: 2, fever: 1, abandoned: 1 });
  });

  it('covers a date range hour by hour, both days included', async () => {
    await store.records.commit(screeningRecord({ finishedAt: at(26, 12) }));
    await store.records.commit(screeningRecord({ finishedAt: at(27, 23, 59), fever: true }));
    await store.records.commit(screeningRecord({ finishedAt: at(28, 1) }));
    const range = store.stats.range(new Date(2026, 10, 26), new Date(2026, 10, 27));
    expect(range).toHaveLength(48);
    expect(totals(range)).toEqual({ screened: 2, passed: 1, held: 1, fever: 1, abandoned: 0 });
    expect(range[47]).toMatchObject({ hour: 23, held: 1 });
  });

  it('reads the per-bucket counts, never the records (query plan)', () => {
    const plan = store.db.prepare('EXPLAIN QUERY PLAN SELECT SUM(passed) FROM screening_counts WHERE bucket >= 0 AND bucket < 96').all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/SEARCH screening_counts USING INTEGER PRIMARY KEY/);
  });

  it('keeps counts after retention purges the records they came from', async () => {
    const r = screeningRecord({ finishedAt: at(28, 10) });
    await store.records.commit(r);
    store.outbox.markAcknowledged([r.id]);
    expect(store.purgeExpired({ days: 1, now: new Date(2026, 11, 10) }).screenings).toBe(1);
    expect(store.records.get(r.id)).toBeNull();
    expect(store.stats.today()[10]).toMatchObject({ screened: 1, passed: 1 });
  });

  it('agrees with counting the records directly (random data, every hour of a range)', async () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const expected = new Map<number, { passed: number; held: number; fever: number }>();
    for (let i = 0; i < 300; i++) {
      const when = new Date(2026, 10, 27 + Math.floor(rand() * 2), Math.floor(rand() * 24), Math.floor(rand() * 60));
      const fever = rand() < 0.1;
      const hold = fever || rand() < 0.1;
      await store.records.commit(screeningRecord({ finishedAt: when.toISOString(), fever, outcome: hold ? 'hold' : 'pass', decision: hold ? 'HOLD' : 'PASS' }));
      const key = (when.getDate() - 27) * 24 + when.getHours();
      const e = expected.get(key) ?? { passed: 0, held: 0, fever: 0 };
      e.passed += hold ? 0 : 1;
      e.held += hold ? 1 : 0;
      e.fever += fever ? 1 : 0;
      expected.set(key, e);
    }
    const range = store.stats.range(new Date(2026, 10, 27), new Date(2026, 10, 28));
    range.forEach((h, i) => expect({ passed: h.passed, held: h.held, fever: h.fever }, `hour ${i}`).toEqual(expected.get(i) ?? { passed: 0, held: 0, fever: 0 }));
  });
});
