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

  it('reads only the covering index (query plan)', () => {
    const plan = store.db
      .prepare("EXPLAIN QUERY PLAN SELECT (finished_ms - 0) / 3600000 AS b, SUM(outcome = 'pass'), SUM(fever) FROM screenings INDEXED BY screenings_stats WHERE finished_ms >= 0 AND finished_ms < 1 GROUP BY b")
      .all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING COVERING INDEX screenings_stats/);
  });
});
