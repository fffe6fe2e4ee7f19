import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StaticCalibrationSource } from '../../main/engine/calibration-source.js';
import { dateDrivenClock } from '../../main/engine/clock.js';
import type { ResultEvent } from '../../main/engine/engine-events.js';
import { ScreeningEngine } from '../../main/engine/screening-engine.js';
import type { ScreeningRecord } from '../../main/engine/screening-record.js';
import { STANDALONE_LISTS, StaticWatchlistSource } from '../../main/engine/watchlist-source.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { PendingWrites, type DegradedEvent } from '../../main/store/pending-writes.js';
import { StoreWriteError } from '../../main/store/store-errors.js';
import { config, hasher, identity, makeCard, reading, validCalibration } from '../fixtures/engine/harness.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

/**
 * One retry path: the engine commits once; a record the store cannot write waits in the store's one
 * queue as the version the traveller was shown (HOLD with STORE_UNAVAILABLE added, its other
 * reasons kept), the latest version of a record wins, and its outbox priority follows that version.
 */

const PRIORITY = 'SELECT priority FROM outbox WHERE record_id = ?';

async function fillUntilFull(store: KioskStore): Promise<void> {
  store.db.pragma(`max_page_count = ${(store.db.pragma('page_count', { simple: true }) as number) + 20}`);
  for (let i = 0; i < 5000; i++) {
    try {
      await store.records.commit(screeningRecord({}, i));
    } catch {
      return; // the filler that hit the full disk waits in the queue
    }
  }
  throw new Error('the disk never filled');
}

function freeSpace(store: KioskStore): void {
  store.db.pragma('max_page_count = 1073741823');
}

describe('one retry path (real store, SQLITE_FULL from PRAGMA max_page_count)', () => {
  let data: ReturnType<typeof tempDataDir>;
  let store: KioskStore;
  beforeEach(async () => {
    // Only the engine's timers and clock are faked: group commit's setImmediate stays real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-11-28T09:00:00+08:00') });
    data = tempDataDir();
    store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0, writeRetry: { initialMs: 60_000, maxMs: 60_000 } });
  });
  afterEach(() => {
    vi.useRealTimers();
    freeSpace(store);
    store.close();
    data.cleanup();
  });

  /** One person through a real engine committing to the real store. */
  async function screen(engine: ScreeningEngine, skinC: number, results: ResultEvent[], remeasureC = skinC): Promise<ResultEvent> {
    const before = results.length;
    engine.onIdentity(identity(makeCard()));
    for (let i = 0; i < 12 && results.length === before; i++) {
      engine.onReading(reading(i < 5 ? skinC : remeasureC, 24));
      await vi.advanceTimersByTimeAsync(100);
    }
    for (let i = 0; i < 50 && results.length === before; i++) await vi.advanceTimersByTimeAsync(100);
    const r = results[before];
    if (!r) throw new Error('no result');
    await vi.advanceTimersByTimeAsync(10_000); // result screen over
    return r;
  }

  function makeRealEngine(results: ResultEvent[]): ScreeningEngine {
    const engine = new ScreeningEngine({
      config: config({ screening: { duplicateWindowMs: 0 } }),
      sink: store.records,
      watchlist: new StaticWatchlistSource(STANDALONE_LISTS),
      hasher,
      calibration: new StaticCalibrationSource(validCalibration()),
      clock: dateDrivenClock,
    });
    engine.on('result', (e) => results.push(e));
    engine.start();
    return engine;
  }

  it('9.5 disk full: the stored decision differs from the one shown — now the HOLD shown is the HOLD stored, fever reason kept, urgent', async () => {
    const results: ResultEvent[] = [];
    const engine = makeRealEngine(results);
    await fillUntilFull(store);
    expect(store.degraded).toBe('disk-full');

    const fever = await screen(engine, 38.4, results);
    const normal = await screen(engine, 36.5, results);
    await engine.stop();

    // Shown: both held for staff, the fever with its reason.
    expect(fever).toMatchObject({ committed: false, storage: 'queued' });
    expect(fever.record.decision).toBe('HOLD');
    expect(fever.record.reasons.map((r) => r.code)).toEqual(['FEVER', 'STORE_UNAVAILABLE']);
    expect(normal.record.decision).toBe('HOLD');
    expect(normal.record.reasons.map((r) => r.code)).toEqual(['STORE_UNAVAILABLE']);
    expect(store.pendingEntries().map((e) => e.kind)).toEqual(['screening', 'screening', 'screening']);

    // Space returns: exactly what was shown is stored, urgent in the outbox.
    freeSpace(store);
    expect(store.retryPending()).toBe(0);
    for (const shown of [fever.record, normal.record]) {
      const stored = store.records.get(shown.id)!;
      expect(stored).toMatchObject({ outcome: 'hold', decision: 'HOLD', fever: shown.fever, reasons: shown.reasons, temperatures: shown.temperatures, lists: { source: 'standalone', refreshedAt: null } });
      expect(store.db.prepare(PRIORITY).pluck().get(shown.id)).toBe(1);
    }
  });

  it('the latest version of a record wins, even when space returns between the two versions', async () => {
    await fillUntilFull(store);
    const pass: ScreeningRecord = screeningRecord({ decision: 'PASS', outcome: 'pass', fever: false, reasons: [] });
    await expect(store.records.commit(pass)).rejects.toMatchObject({ pending: true });
    freeSpace(store);
    const hold: ScreeningRecord = { ...pass, decision: 'HOLD', outcome: 'hold', reasons: [{ code: 'STORE_UNAVAILABLE', messageKey: 'reason.storeUnavailable', effect: 'hold' }] };
    await store.records.commit(hold);
    expect(store.records.get(pass.id)).toMatchObject({ decision: 'HOLD', reasons: hold.reasons });
    expect(store.db.prepare(PRIORITY).pluck().get(pass.id)).toBe(1);
    expect(store.pendingCount).toBe(0);
  });

  it('a commit the engine stopped waiting for (aborted before it ran) stores the version the engine showed instead', async () => {
    const pass = screeningRecord({ decision: 'PASS', outcome: 'pass', fever: false, reasons: [] });
    const abort = new AbortController();
    const whenQueued = (r: ScreeningRecord): ScreeningRecord => ({ ...r, decision: 'HOLD', outcome: 'hold', reasons: [{ code: 'STORE_UNAVAILABLE', messageKey: 'reason.storeUnavailable', effect: 'hold' }] });
    const committing = store.records.commit(pass, { whenQueued, signal: abort.signal });
    abort.abort(); // before the group commit's turn
    await committing;
    expect(store.records.get(pass.id)).toMatchObject({ decision: 'HOLD', reasons: [{ code: 'STORE_UNAVAILABLE' }] });
  });

  it('at shutdown what still cannot be written is given up and reported by kind and id', async () => {
    await fillUntilFull(store);
    const r = screeningRecord({});
    await expect(store.records.commit(r)).rejects.toMatchObject({ pending: true });
    const lost = store.shutdown();
    expect(lost).toHaveLength(2);
    expect(lost[1]).toEqual({ kind: 'screening', key: r.id });
    store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 }); // afterEach closes this one
  });
});

describe('PendingWrites: failing writes other than a full disk', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an I/O error keeps the write, reports write-failed, and retries it by itself until it lands', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending = new PendingWrites({ initialRetryMs: 1000, maxRetryMs: 4000 });
    const degraded: DegradedEvent[] = [];
    const recovered: number[] = [];
    pending.on('degraded', (e) => degraded.push(e));
    pending.on('recovered', (e) => recovered.push(e.committed));
    let failing = true;
    const written: string[] = [];
    const write = (v: string) => () => {
      if (failing) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
      written.push(v);
    };
    let landed = 0;
    expect(() => pending.run('rec-1', write('v1'), { kind: 'screening', onWritten: () => landed++ })).toThrow(StoreWriteError);
    expect(degraded).toEqual([{ reason: 'write-failed', code: 'SQLITE_IOERR_WRITE', pending: 1 }]);
    // A later version of the same record replaces the waiting one: one place per record.
    expect(() => pending.run('rec-1', write('v2'), { kind: 'screening' })).toThrow(/SQLITE_IOERR_WRITE/);
    expect(pending.entries()).toEqual([{ kind: 'screening', key: 'rec-1' }]);
    await vi.advanceTimersByTimeAsync(1000 + 2000);
    expect(written).toEqual([]);
    failing = false;
    await vi.advanceTimersByTimeAsync(4000);
    expect(written).toEqual(['v2']);
    expect(landed).toBe(1);
    expect(recovered).toEqual([1]);
    expect(pending.size).toBe(0);
  });

  it('an error that is not an outage (a constraint) is thrown at once and nothing is kept', () => {
    const pending = new PendingWrites();
    expect(() =>
      pending.run('rec-2', () => {
        throw Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
      }),
    ).toThrow(/UNIQUE/);
    expect(pending.size).toBe(0);
  });
});
