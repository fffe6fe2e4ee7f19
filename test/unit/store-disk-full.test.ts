import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScreeningRecord } from '../../main/engine/screening-record.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { isStoreFull, StoreFullError } from '../../main/store/store-errors.js';
import { screeningRecord, withoutPhoto } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';
import { tmpfsUnavailable, tryMountTmpfs, unmount } from '../fixtures/store/tmpfs.js';

/** Commits records until one hits the full disk; returns them all (the last one is the pending one). */
async function fillUntilFull(store: KioskStore, limit = 5000): Promise<{ committed: ScreeningRecord[]; failed: ScreeningRecord; error: unknown }> {
  const committed: ScreeningRecord[] = [];
  for (let i = 0; i < limit; i++) {
    const r = screeningRecord({ fever: i % 7 === 0 }, i);
    try {
      await store.records.commit(r);
      committed.push(r);
    } catch (error) {
      return { committed, failed: r, error };
    }
  }
  throw new Error(`the disk never filled after ${limit} records`);
}

function expectAllPresent(store: KioskStore, records: ScreeningRecord[]): void {
  for (const r of records) {
    expect(store.records.get(r.id), r.id).toEqual(withoutPhoto(r));
    expect(store.outbox.status(r.id)).toBe('pending');
  }
}

describe('disk full (size-limited database: PRAGMA max_page_count)', () => {
  let data: ReturnType<typeof tempDataDir>;
  let store: KioskStore;
  beforeEach(async () => {
    data = tempDataDir();
    store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
    store.db.pragma('max_page_count = 1073741823');
    store.close();
    data.cleanup();
  });

  it('keeps the in-flight record and those after it, reports degraded, and writes them in order when space returns', async () => {
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages + 30}`);
    const degraded = vi.fn();
    const recovered = vi.fn();
    store.on('degraded', degraded);
    store.on('recovered', recovered);

    const { committed, failed, error } = await fillUntilFull(store);
    expect(committed.length).toBeGreaterThan(5);
    expect(error).toBeInstanceOf(StoreFullError);
    expect(isStoreFull(error)).toBe(true);
    expect((error as StoreFullError).pending).toBe(true);
    expect((error as StoreFullError).message).not.toContain(failed.card!.idNumber);
    expect(store.degraded).toBe('disk-full');
    expect(degraded).toHaveBeenCalledWith({ reason: 'disk-full', code: 'SQLITE_FULL', pending: 1 });
    expect(store.records.get(failed.id)).toBeNull();

    // More screenings while the disk is full: each is kept, in order, and refused as "full".
    const later = [screeningRecord({}, 1), screeningRecord({ fever: true }, 2)];
    for (const r of later) await expect(store.records.commit(r)).rejects.toSatisfy(isStoreFull);
    // The engine retries the same id, now held because the store failed: that version replaces the queued one.
    const retried: ScreeningRecord = { ...failed, outcome: 'hold', decision: 'HOLD', reasons: [{ code: 'STORE_UNAVAILABLE', messageKey: 'reason.store' }] };
    await expect(store.records.commit(retried)).rejects.toSatisfy(isStoreFull);
    expect(store.pendingCount).toBe(3);
    expect(() => store.close()).toThrow(/still waiting for disk space/);

    // Space returns.
    store.db.pragma('max_page_count = 1073741823');
    expect(store.retryPending()).toBe(0);
    expect(store.degraded).toBeNull();
    expect(recovered).toHaveBeenCalledWith({ committed: 3 });
    expectAllPresent(store, [...committed, retried, ...later]);
    const order = store.db.prepare('SELECT idempotency_key FROM outbox ORDER BY id').pluck().all() as string[];
    expect(order.slice(-3)).toEqual([failed.id, ...later.map((r) => r.id)]);
    expect(store.records.count()).toBe(committed.length + 3);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('retries by itself with backoff until space returns', async () => {
    // Only the retry timer is faked; group commit's setImmediate stays real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    store.close();
    store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0, writeRetry: { initialMs: 1000, maxMs: 8000 } });
    store.db.pragma(`max_page_count = ${(store.db.pragma('page_count', { simple: true }) as number) + 20}`);
    const { failed } = await fillUntilFull(store);
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000);
    expect(store.pendingCount).toBe(1);
    store.db.pragma('max_page_count = 1073741823');
    await vi.advanceTimersByTimeAsync(8000);
    expect(store.pendingCount).toBe(0);
    expect(store.records.get(failed.id)).toEqual(withoutPhoto(failed));
  });

  it('also keeps dispositions and device events that hit the full disk', async () => {
    const held = screeningRecord({ fever: true });
    await store.records.commit(held);
    store.db.pragma(`max_page_count = ${(store.db.pragma('page_count', { simple: true }) as number) + 20}`);
    await fillUntilFull(store);
    await expect(store.dispositions.record({ screeningId: held.id, staffId: 's1', action: 'referred', note: 'to clinic' })).rejects.toSatisfy(isStoreFull);
    await expect(store.deviceEvents.record({ deviceId: 'thermo-1', kind: 'offline' })).rejects.toSatisfy(isStoreFull);
    store.db.pragma('max_page_count = 1073741823');
    expect(store.retryPending()).toBe(0);
    expect(store.dispositions.forScreening(held.id)).toHaveLength(1);
    expect(store.deviceEvents.recent(5)).toHaveLength(1);
  });
});

const tmpfsRoot = tempDataDir('kiosk-tmpfs-');
const mountDir = join(tmpfsRoot.dir, 'mnt');
const mountError = tmpfsUnavailable(mountDir);

describe.skipIf(mountError !== null)(`disk full (real 4 MiB tmpfs)${mountError ? `: skipped, ${mountError}` : ''}`, () => {
  let store: KioskStore | undefined;
  beforeEach(() => {
    expect(tryMountTmpfs(mountDir, '4m')).toBeNull();
  });
  afterEach(() => {
    try {
      store?.close();
    } catch {
      store?.db.close(); // a failed assertion left records pending: the tmpfs goes anyway
    } finally {
      unmount(mountDir);
    }
  });

  it('loses nothing when the filesystem fills, and catches up when space is freed', async () => {
    const dataDir = join(mountDir, 'data');
    store = await KioskStore.open({ dataDir, maintenanceIntervalMs: 0 });
    // Leave ~1 MiB free: a ballast file that a technician would delete (old logs, say).
    const ballast = join(mountDir, 'ballast');
    const free = (await store.diskSpace()).freeBytes;
    writeFileSync(ballast, Buffer.alloc(Math.max(0, free - 1024 * 1024)));
    const { committed, failed, error } = await fillUntilFull(store);
    expect(isStoreFull(error)).toBe(true);
    expect(committed.length).toBeGreaterThan(5);
    expect(store.degraded).toBe('disk-full');

    rmSync(ballast);
    expect(store.retryPending()).toBe(0);
    store.close();
    store = await KioskStore.open({ dataDir, maintenanceIntervalMs: 0 });
    expectAllPresent(store, [...committed, failed]);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

afterAll(() => tmpfsRoot.cleanup());
