import { describe, expect, it } from 'vitest';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { storePerTest } from '../fixtures/store/store-per-test.js';

const GENESIS = '0'.repeat(64);
const h = (c: string) => c.repeat(64);

const fresh = storePerTest();

describe('outbox rows are frozen once sent (migration 7)', () => {
  it('records the first send and refuses to alter the payload afterwards; acknowledging still erases it', async () => {
    const r = screeningRecord({});
    await fresh.store.records.commit(r);
    expect(fresh.store.outbox.markSent([{ idempotencyKey: r.id, sha256: h('a') }], 1000)).toEqual([]);
    // A second send with the same content keeps the first time; with different content it is reported.
    expect(fresh.store.outbox.markSent([{ idempotencyKey: r.id, sha256: h('a') }], 2000)).toEqual([]);
    expect(fresh.store.outbox.markSent([{ idempotencyKey: r.id, sha256: h('b') }], 3000)).toEqual([r.id]);
    expect(fresh.store.outbox.nextBatch(10)[0]!.firstSentAt).toBe(1000);
    expect(() => fresh.store.db.prepare('UPDATE outbox SET payload = ? WHERE idempotency_key = ?').run(Buffer.from('edited'), r.id)).toThrow(/frozen/);
    fresh.store.outbox.markAcknowledged([r.id]);
    expect(fresh.store.db.prepare('SELECT payload FROM outbox WHERE idempotency_key = ?').pluck().get(r.id)).toBeNull();
  });

  it('dead-letters a row whose payload no longer decrypts instead of failing the whole batch', async () => {
    const damaged = screeningRecord({});
    const fine = screeningRecord({});
    await fresh.store.records.commit(damaged);
    await fresh.store.records.commit(fine);
    fresh.store.db.prepare('UPDATE outbox SET payload = ? WHERE idempotency_key = ?').run(Buffer.alloc(60, 1), damaged.id);
    expect(fresh.store.outbox.nextBatch(10).map((i) => i.idempotencyKey)).toEqual([fine.id]);
    expect(fresh.store.outbox.status(damaged.id)).toBe('dead');
    expect(fresh.store.outbox.deadLetters()[0]!.lastError).toMatch(/^payload cannot be read: /);
  });

  it('reports the backlog: counts and when the oldest unsent record was queued', async () => {
    const now = Date.now();
    const a = screeningRecord({});
    const b = screeningRecord({});
    await fresh.store.records.commit(a);
    await fresh.store.records.commit(b);
    const backlog = fresh.store.outbox.backlog();
    expect(backlog).toMatchObject({ pending: 2, dead: 0, sent: 0 });
    expect(backlog.oldestPendingAt).toBeGreaterThanOrEqual(now - 1000);
    fresh.store.outbox.markAcknowledged([a.id, b.id]);
    expect(fresh.store.outbox.backlog()).toEqual({ pending: 0, dead: 0, sent: 2, oldestPendingAt: null });
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
    expect(() => fresh.store.central.applyListVersion(version(2, GENESIS, h('1')))).toThrow(/does not continue version 0/);
    fresh.store.central.applyListVersion(version(1, GENESIS, h('1')));
    expect(() => fresh.store.central.applyListVersion(version(2, h('9'), h('2')))).toThrow(/does not continue version 1/);
    expect(() => fresh.store.central.applyListVersion(version(1, GENESIS, h('1')))).toThrow(/does not continue/);
    expect(fresh.store.central.listState()).toEqual({ version: 1, hash: h('1'), refreshedAt: null });
    expect(fresh.store.central.entries()).toHaveLength(1);
    fresh.store.central.applyListVersion({ ...version(2, h('1'), h('2')), upsert: [], remove: [{ hmac: h('c'), listId: 'red-1' }], keyRegions: [{ prefix: '4201', colour: 'orange' }] });
    expect(fresh.store.central.entries()).toEqual([]);
    expect(fresh.store.central.keyRegions()).toEqual([{ prefix: '4201', colour: 'orange' }]);
    expect(fresh.store.central.versions().map((v) => v.version)).toEqual([1, 2]);
  });

  it('pins the signing key and the ID key once, keeps the ID key encrypted, refuses a different one', () => {
    const idKey = Buffer.alloc(32, 7);
    expect(fresh.store.central.pinEnrollment('KEY-A', idKey)).toEqual({ ok: true });
    expect(fresh.store.central.pinEnrollment('KEY-B', idKey)).toEqual({ ok: false, differs: 'signing key' });
    expect(fresh.store.central.pinEnrollment('KEY-A', Buffer.alloc(32, 8))).toEqual({ ok: false, differs: 'ID key' });
    expect(fresh.store.central.idKey()).toEqual(idKey);
    const raw = fresh.store.db.prepare("SELECT value FROM uplink_state WHERE key = 'central.id_key'").pluck().get() as string;
    expect(Buffer.from(raw, 'base64').includes(idKey)).toBe(false);
  });
});
