import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { checkDiskSpace, diskLevel } from '../../main/store/retention.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-28T06:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY).toISOString();

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

describe('retention', () => {
  it('purges acknowledged records older than 14 days and nothing else', async () => {
    const oldAcked = screeningRecord({ finishedAt: daysAgo(20) });
    const oldPending = screeningRecord({ finishedAt: daysAgo(20) });
    const oldDead = screeningRecord({ finishedAt: daysAgo(30) });
    const recentAcked = screeningRecord({ finishedAt: daysAgo(3) });
    const oldAckedWithPendingDisposition = screeningRecord({ finishedAt: daysAgo(20), fever: true });
    for (const r of [oldAcked, oldPending, oldDead, recentAcked, oldAckedWithPendingDisposition]) await store.records.commit(r);
    const d = await store.dispositions.record({ screeningId: oldAckedWithPendingDisposition.id, staffId: 's', action: 'referred', note: null, at: daysAgo(20) });
    store.outbox.markAcknowledged([oldAcked.id, recentAcked.id, oldAckedWithPendingDisposition.id]);
    store.outbox.markDead(oldDead.id, 'HTTP 422');

    const result = store.purgeExpired();
    expect(result).toMatchObject({ screenings: 1, dispositions: 0 });
    expect(store.records.get(oldAcked.id)).toBeNull();
    expect(store.outbox.status(oldAcked.id)).toBeNull();
    for (const kept of [oldPending, oldDead, recentAcked, oldAckedWithPendingDisposition]) expect(store.records.get(kept.id)).not.toBeNull();
    expect(store.audit.list().at(-1)).toMatchObject({ action: 'retention.purge', detail: { screenings: 1, days: 14 } });

    // Once the disposition is acknowledged too, the held screening and its disposition go together.
    store.outbox.markAcknowledged([d.id]);
    expect(store.purgeExpired()).toMatchObject({ screenings: 1, dispositions: 1, outboxRows: 2 });
    expect(store.dispositions.forScreening(oldAckedWithPendingDisposition.id)).toEqual([]);
    expect(store.audit.verify().ok).toBe(true);
  });

  it('honours a configured window and refuses a nonsense one', async () => {
    const r = screeningRecord({ finishedAt: daysAgo(8) });
    await store.records.commit(r);
    store.outbox.markAcknowledged([r.id]);
    expect(store.purgeExpired({ days: 10 }).screenings).toBe(0);
    expect(store.purgeExpired({ days: 7 }).screenings).toBe(1);
    expect(() => store.purgeExpired({ days: 0 })).toThrow(/at least 1/);
  });

  it('purges by itself on the maintenance interval', async () => {
    const r = screeningRecord({ finishedAt: daysAgo(20) });
    await store.records.commit(r);
    store.outbox.markAcknowledged([r.id]);
    store.close();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 60_000, now: () => NOW });
      expect(store.records.get(r.id)).not.toBeNull();
      await vi.advanceTimersByTimeAsync(60_000);
      await vi.waitFor(() => expect(store.records.get(r.id)).toBeNull());
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
