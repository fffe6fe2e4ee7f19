import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { checkDiskSpace, diskLevel } from '../../main/store/retention.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

const DAY = 86_400_000;
const START = new Date('2026-11-28T06:00:00Z');
const at = (days: number) => new Date(START.getTime() + days * DAY);
const iso = (days: number) => at(days).toISOString();

/** The store's clock: tests move it (no timers involved). */
let clock = START;
const setDay = (days: number) => {
  clock = at(days);
};

let data: ReturnType<typeof tempDataDir>;
let store: KioskStore;
async function open(options: Partial<Parameters<typeof KioskStore.open>[0]> = {}): Promise<void> {
  store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0, now: () => clock, ...options });
}
beforeEach(async () => {
  clock = START;
  data = tempDataDir();
  await open();
});
afterEach(() => {
  store.close();
  data.cleanup();
});

/** After a purge: the audit chain verifies (hash and keyed links, head), no surviving record looks altered. */
function expectIntact(): void {
  const v = store.verifyIntegrity();
  expect(v.chain.ok, JSON.stringify(v.chain)).toBe(true);
  expect(v.records.altered).toEqual([]);
  expect(v.records.unsealed).toEqual([]);
}
const lastAudit = () => store.audit.list(1)[0];
const ids = () => store.db.prepare('SELECT id FROM screenings ORDER BY id').pluck().all() as string[];

describe('retention with a central service: N days after acknowledgement', () => {
  it('purges a record 14 days after central acknowledged it, not 14 days after the screening', async () => {
    const early = screeningRecord({ finishedAt: iso(0) });
    const late = screeningRecord({ finishedAt: iso(0) });
    await store.records.commit(early);
    await store.records.commit(late);
    setDay(1);
    store.outbox.markAcknowledged([early.id]);
    setDay(6);
    store.outbox.markAcknowledged([late.id]);

    // Day 15, minus a millisecond: early was acknowledged exactly 14 days ago, not more.
    clock = new Date(at(15).getTime() - 1);
    expect(store.purgeExpired().screenings).toBe(0);
    setDay(15.5);
    expect(store.purgeExpired()).toMatchObject({ screenings: 1, dispositions: 0, outboxRows: 1, mode: 'central', cutoff: iso(1.5) });
    expect(ids()).toEqual([late.id]);
    expect(store.outbox.status(early.id)).toBeNull();
    expect(lastAudit()).toMatchObject({ actor: 'system', action: 'retention.purge', detail: { screenings: 1, dispositions: 0, days: 14, mode: 'central', cutoff: iso(1.5) } });
    expectIntact();

    setDay(20.5);
    expect(store.purgeExpired().screenings).toBe(1);
    expect(ids()).toEqual([]);
    expectIntact();
  });

  it('keeps a held screening until its dispositions are acknowledged too, then purges them together', async () => {
    const held = screeningRecord({ finishedAt: iso(0), fever: true });
    await store.records.commit(held);
    const d = await store.dispositions.record({ screeningId: held.id, staffId: 's-1', action: 'referred', note: 'to the fever clinic', at: iso(0) });
    setDay(1);
    store.outbox.markAcknowledged([held.id]);
    setDay(30);
    expect(store.purgeExpired().screenings).toBe(0);
    expect(store.undeliveredPastRetention()).toEqual({ screenings: 1, oldestFinishedAt: iso(0) });
    store.outbox.markAcknowledged([d.id]);
    setDay(44);
    expect(store.purgeExpired().screenings).toBe(0);
    setDay(44.01);
    expect(store.purgeExpired()).toMatchObject({ screenings: 1, dispositions: 1, outboxRows: 2 });
    expect(store.dispositions.forScreening(held.id)).toEqual([]);
    expectIntact();
  });

  it('keeps undelivered records past the window (pending or refused), flags them, and purges them N days after they are finally delivered', async () => {
    const pending = screeningRecord({ finishedAt: iso(0) });
    const refused = screeningRecord({ finishedAt: iso(2) });
    const recent = screeningRecord({ finishedAt: iso(10) });
    for (const r of [pending, refused, recent]) await store.records.commit(r);
    store.outbox.markDead(refused.id, 'HTTP 422');
    setDay(20);
    expect(store.purgeExpired().screenings).toBe(0);
    expect(ids().sort()).toEqual([pending.id, refused.id, recent.id].sort());
    // Only the two older than 14 days are flagged; the oldest is the first screening.
    expect(store.undeliveredPastRetention()).toEqual({ screenings: 2, oldestFinishedAt: iso(0) });

    // Delivered at last on day 20 (the refused one after a requeue).
    store.outbox.requeue(refused.id);
    store.outbox.markAcknowledged([pending.id, refused.id, recent.id]);
    expect(store.undeliveredPastRetention()).toEqual({ screenings: 0, oldestFinishedAt: null });
    setDay(33.9);
    expect(store.purgeExpired().screenings).toBe(0);
    setDay(34.1);
    expect(store.purgeExpired().screenings).toBe(3);
    expectIntact();
  });

  it('honours a configured window and refuses a nonsense one', async () => {
    const r = screeningRecord({ finishedAt: iso(0) });
    await store.records.commit(r);
    store.outbox.markAcknowledged([r.id]);
    setDay(8);
    expect(store.purgeExpired({ days: 10 }).screenings).toBe(0);
    expect(store.purgeExpired({ days: 7 }).screenings).toBe(1);
    expect(() => store.purgeExpired({ days: 0 })).toThrow(/at least 1/);
  });
});

describe('retention of a standalone kiosk: N days after the screening', () => {
  beforeEach(async () => {
    store.close();
    await open({ retentionMode: 'standalone', retentionDays: 7 });
  });

  it('purges screenings, their dispositions and their (never to be sent) outbox rows N days after the screening', async () => {
    const old = screeningRecord({ finishedAt: iso(0), fever: true });
    const young = screeningRecord({ finishedAt: iso(3) });
    await store.records.commit(old);
    await store.records.commit(young);
    await store.dispositions.record({ screeningId: old.id, staffId: 's-1', action: 'released', note: null, at: iso(0) });
    const calibration = await store.calibrations.record({ deviceId: 'thermo-0', gain: 1, offsetC: 0.2, points: [{ referenceC: 37, measuredC: 36.8 }] });
    expect(store.outbox.counts()).toEqual({ pending: 4, dead: 0, sent: 0 });

    setDay(7);
    expect(store.purgeExpired().screenings).toBe(0);
    setDay(7.5);
    expect(store.purgeExpired()).toMatchObject({ screenings: 1, dispositions: 1, outboxRows: 2, mode: 'standalone', cutoff: iso(0.5) });
    expect(ids()).toEqual([young.id]);
    // Nothing is flagged as undelivered when there is nobody to deliver to.
    expect(store.undeliveredPastRetention()).toEqual({ screenings: 0, oldestFinishedAt: null });
    // What holds no personal data stays: the calibration and its outbox row, the statistics counts.
    expect(store.calibrations.latest('thermo-0')?.id).toBe(calibration.id);
    expect(store.outbox.counts()).toEqual({ pending: 2, dead: 0, sent: 0 });
    expect(store.db.prepare('SELECT SUM(passed + held) FROM screening_counts').pluck().get()).toBe(2);
    expect(lastAudit()).toMatchObject({ action: 'retention.purge', detail: { screenings: 1, dispositions: 1, days: 7, mode: 'standalone' } });
    expectIntact();

    setDay(10.5);
    expect(store.purgeExpired().screenings).toBe(1);
    expect(store.records.count()).toBe(0);
    expectIntact();
  });

  it('keeps the audit log across purges for years (it holds no personal data), and it still verifies', async () => {
    for (let day = 0; day < 3 * 366; day += 30) {
      setDay(day);
      await store.records.commit(screeningRecord({ finishedAt: iso(day) }));
      store.purgeExpired();
    }
    setDay(3 * 366 + 30);
    store.purgeExpired();
    expect(store.records.count()).toBe(0);
    const entries = store.audit.list(10_000);
    expect(entries[0]).toMatchObject({ seq: 1, action: 'store.created', at: START.toISOString() });
    // One purge per 30-day step after the first screening aged past 7 days: 37 screenings, 37 purges.
    expect(entries.filter((e) => e.action === 'retention.purge')).toHaveLength(37);
    expectIntact();
    expect(store.holdings().lastPurge).toMatchObject({ at: iso(3 * 366 + 30), screenings: 1, mode: 'standalone', days: 7 });
  });
});

describe('retention of manual registrations (people without a readable card)', () => {
  const register = () => store.registrations.record({ staffId: 'staff:wang', documentType: 'passport', numberCheck: 'no-rule', documentNumber: 'E12345678', name: 'Jane Roe', phone: null });
  const registrations = () => store.db.prepare('SELECT id FROM manual_registrations ORDER BY id').pluck().all() as string[];

  it('standalone: a registration goes with the screening that measured it, one never measured by its own age', async () => {
    store.close();
    await open({ retentionMode: 'standalone', retentionDays: 7 });
    const measured = await register();
    const screening = screeningRecord({ card: null, registrationId: measured.id, finishedAt: iso(0) });
    await store.records.commit(screening);
    store.registrations.linkScreening(measured.id, screening.id);
    setDay(2);
    const alone = await register();
    setDay(7.5);
    expect(store.purgeExpired()).toMatchObject({ screenings: 1, registrations: 1, outboxRows: 3 });
    expect(registrations()).toEqual([alone.id]);
    setDay(9.5);
    expect(store.purgeExpired()).toMatchObject({ screenings: 0, registrations: 1, outboxRows: 1 });
    expect(registrations()).toEqual([]);
    expect(lastAudit()).toMatchObject({ action: 'retention.purge', detail: { screenings: 0, registrations: 1, mode: 'standalone' } });
    expectIntact();
  });

  it('central: a screening stays until its registration and the link are acknowledged too, and is flagged meanwhile', async () => {
    const reg = await register();
    const screening = screeningRecord({ card: null, registrationId: reg.id, finishedAt: iso(0) });
    await store.records.commit(screening);
    store.registrations.linkScreening(reg.id, screening.id);
    setDay(1);
    store.outbox.markAcknowledged([screening.id, reg.id]);
    setDay(20);
    expect(store.purgeExpired().screenings).toBe(0);
    expect(store.undeliveredPastRetention()).toEqual({ screenings: 1, oldestFinishedAt: iso(0) });
    store.outbox.markAcknowledged([`${reg.id}.${screening.id}`]);
    expect(store.undeliveredPastRetention().screenings).toBe(0);
    setDay(34.1);
    expect(store.purgeExpired()).toMatchObject({ screenings: 1, registrations: 1, outboxRows: 3 });
    expect(registrations()).toEqual([]);
    expectIntact();
  });
});

describe('retention maintenance', () => {
  it('purges by itself on the maintenance interval', async () => {
    const r = screeningRecord({ finishedAt: iso(0) });
    await store.records.commit(r);
    store.outbox.markAcknowledged([r.id], at(1).getTime());
    store.close();
    setDay(20);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      await open({ maintenanceIntervalMs: 60_000 });
      expect(store.records.get(r.id)).not.toBeNull();
      const maintained = new Promise<void>((resolve) => store.once('maintained', resolve));
      await vi.advanceTimersByTimeAsync(60_000);
      await maintained;
      expect(store.records.get(r.id)).toBeNull();
      expect(store.holdings().lastRetentionRun).toMatchObject({ at: iso(20), screenings: 1, mode: 'central' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('overwrites purged personal data (secure_delete) so it does not linger in free pages', async () => {
    expect(store.db.pragma('secure_delete', { simple: true })).toBe(1);
  });
});

describe('disk space', () => {
  it('classifies free space against the thresholds', () => {
    const t = { warnBelowBytes: 1000, criticalBelowBytes: 100 };
    expect(diskLevel(5000, t)).toBe('ok');
    expect(diskLevel(999, t)).toBe('warning');
    expect(diskLevel(99, t)).toBe('critical');
  });

  it('reads real free space with statfs, and the store warns when below a threshold', async () => {
    const real = await checkDiskSpace(data.dir);
    // A second opinion on the same filesystem: coreutils df, in bytes. The size is fixed; free space
    // moves with whatever else writes meanwhile (other processes share this disk), so within 256 MiB.
    const [size, avail] = execFileSync('df', ['-B1', '--output=size,avail', data.dir], { encoding: 'utf8' }).trim().split('\n')[1]!.trim().split(/\s+/).map(Number);
    expect(real.totalBytes).toBe(size);
    expect(Math.abs(real.freeBytes - avail!)).toBeLessThan(256 * 1024 * 1024);
    store.close();
    store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0, diskThresholds: { warnBelowBytes: Number.MAX_SAFE_INTEGER, criticalBelowBytes: 1 } });
    const seen = vi.fn();
    store.on('disk-space', seen);
    expect((await store.diskSpace()).level).toBe('warning');
    expect(seen).toHaveBeenCalledWith(expect.objectContaining({ level: 'warning' }));
  });
});
