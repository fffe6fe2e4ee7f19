import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

const GENESIS = '0'.repeat(64);
const h = (c: string) => c.repeat(64);

let data: ReturnType<typeof tempDataDir>;
let store: KioskStore;
beforeEach(async () => {
  data = tempDataDir();
  store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
});
afterEach(() => {
  store.close();
  data.cleanup();
});

describe('outbox rows are frozen once sent (migration 5)', () => {
  it('records the first send and refuses to alter the payload afterwards; acknowledging still erases it', async () => {
    const r = screeningRecord({});
    await store.records.commit(r);
    expect(store.outbox.markSent([{ idempotencyKey: r.id, sha256: h('a') }], 1000)).toEqual([]);
    // A second send with the same content keeps the first time; with different content it is reported.
    expect(store.outbox.markSent([{ idempotencyKey: r.id, sha256: h('a') }], 2000)).toEqual([]);
    expect(store.outbox.markSent([{ idempotencyKey: r.id, sha256: h('b') }], 3000)).toEqual([r.id]);
    expect(store.outbox.nextBatch(10)[0]!.firstSentAt).toBe(1000);
    expect(() => store.db.prepare('UPDATE outbox SET payload = ? WHERE idempotency_key = ?').run(Buffer.from('edited'), r.id)).toThrow(/frozen/);
    store.outbox.markAcknowledged([r.id]);
    expect(store.db.prepare('SELECT payload FROM outbox WHERE idempotency_key = ?').pluck().get(r.id)).toBeNull();
  });

  it('reports the backlog: counts and when the oldest unsent record was queued', async () => {
    const now = Date.now();
    const a = screeningRecord({});
    const b = screeningRecord({});
    await store.records.commit(a);
    await store.records.commit(b);
    const backlog = store.outbox.backlog();
    expect(backlog).toMatchObject({ pending: 2, dead: 0, sent: 0 });
    expect(backlog.oldestPendingAt).toBeGreaterThanOrEqual(now - 1000);
    store.outbox.markAcknowledged([a.id, b.id]);
    expect(store.outbox.backlog()).toEqual({ pending: 0, dead: 0, sent: 2, oldestPendingAt: null });
  });
});

describe('what the kiosk holds from central', () => {
  const version = (v: number, prevHash: string, hash: string) => ({
    version: v,
    hash,
    prevHash,
    issuedAt: '2026-11-28T00:00:00.000Z',
    upsert: [{ hmac: h('c'), listId: 'red-1', colour: 'red' as const, updatedAt: '2026-11-28T00:00:00.000Z', expiresAt: null }],
    remove: [],
    keyRegions: null,
    policy: null,
  });

  it('applies list versions only in chain order, all or nothing', () => {
    expect(() => store.central.applyListVersion(version(2, GENESIS, h('1')))).toThrow(/does not continue version 0/);
    store.central.applyListVersion(version(1, GENESIS, h('1')));
    expect(() => store.central.applyListVersion(version(2, h('9'), h('2')))).toThrow(/does not continue version 1/);
    expect(() => store.central.applyListVersion(version(1, GENESIS, h('1')))).toThrow(/does not continue/);
    expect(store.central.listState()).toEqual({ version: 1, hash: h('1'), refreshedAt: null });
    expect(store.central.entries()).toHaveLength(1);
    store.central.applyListVersion({ ...version(2, h('1'), h('2')), upsert: [], remove: [{ hmac: h('c'), listId: 'red-1' }], keyRegions: [{ prefix: '4201', colour: 'orange' }] });
    expect(store.central.entries()).toEqual([]);
    expect(store.central.keyRegions()).toEqual([{ prefix: '4201', colour: 'orange' }]);
    expect(store.central.versions().map((v) => v.version)).toEqual([1, 2]);
  });

  it('pins the signing key and the ID key once, keeps the ID key encrypted, refuses a different one', () => {
    const idKey = Buffer.alloc(32, 7);
    expect(store.central.pinEnrollment('KEY-A', idKey)).toEqual({ ok: true });
    expect(store.central.pinEnrollment('KEY-B', idKey)).toEqual({ ok: false, differs: 'signing key' });
    expect(store.central.pinEnrollment('KEY-A', Buffer.alloc(32, 8))).toEqual({ ok: false, differs: 'ID key' });
    expect(store.central.idKey()).toEqual(idKey);
    const raw = store.db.prepare("SELECT value FROM uplink_state WHERE key = 'central.id_key'").pluck().get() as string;
    expect(Buffer.from(raw, 'base64').includes(idKey)).toBe(false);
  });
});
