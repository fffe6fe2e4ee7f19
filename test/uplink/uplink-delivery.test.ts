import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseListCsv } from '../../central/lists.js';
import { HmacIdHasher } from '../../main/engine/id-hasher.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { centralPerFile } from '../central/central-fixture.js';
import { centralIds, CHECKPOINT, kioskRig, type KioskRig } from './uplink-fixture.js';

/**
 * The kiosk's uplink against a real central (PGlite, in this process, over HTTP on loopback) through a
 * fault-injecting proxy: every record reaches central exactly once, holds before older passes, refusals
 * become dead letters, retention purges only what central acknowledged.
 */
const centralOf = centralPerFile('uplink-central-');

const DAY = 86_400_000;
const pass = (i: number, extra: Parameters<typeof screeningRecord>[0] = {}) => screeningRecord({ checkpointId: CHECKPOINT, ...extra }, i);
const hold = (i: number) => pass(i, { decision: 'HOLD', outcome: 'hold', fever: true });

async function withRig(fn: (rig: KioskRig) => Promise<void>, opts: Parameters<typeof kioskRig>[1] = {}): Promise<void> {
  const rig = await kioskRig(centralOf(), opts);
  try {
    await fn(rig);
  } finally {
    await rig.close();
  }
}

describe('uplink delivery', () => {
  it('delivers normal, fever, normal exactly once with the kiosk ids, the hold first', () =>
    withRig(
      async (rig) => {
        const records = [pass(0), hold(1), pass(2)];
        for (const r of records) await rig.store.records.commit(r);
        rig.uplink.start();
        await rig.drained();
        expect(await centralIds(centralOf(), rig.kioskId)).toEqual(records.map((r) => r.id).sort());
        expect(rig.proxy.uploads()[0]!.ids[0]).toBe(records[1]!.id);
        expect(rig.store.outbox.counts()).toEqual({ pending: 0, dead: 0, sent: 3 });
      },
      { start: false },
    ), 90_000);

  it('a hold stored while online reaches central within a second', () =>
    withRig(async (rig) => {
      await once(rig.uplink.dispatcher, 'idle');
      const h = hold(3);
      const seen = rig.proxy.next((r) => r.path.endsWith('/records') && r.body.includes(h.id));
      const stored = Date.now();
      await rig.store.records.commit(h);
      const req = await seen;
      expect(req.at - stored).toBeLessThan(1000);
    }), 90_000);

  it('survives 500s, timeouts, garbage, resets, slow answers and a lost answer: every record once', () =>
    withRig(
      async (rig) => {
        rig.proxy.faults.push(
          { kind: 'status', status: 500 },
          { kind: 'hang' },
          { kind: 'garbage' },
          { kind: 'reset' },
          { kind: 'forward-then-reset' },
          { kind: 'status', status: 502 },
          { kind: 'slow', ms: 300 },
        );
        const records = Array.from({ length: 250 }, (_, i) => (i % 25 === 0 ? hold(100 + i) : pass(100 + i)));
        for (const r of records) await rig.store.records.commit(r);
        rig.uplink.start();
        await rig.drained();
        expect(await centralIds(centralOf(), rig.kioskId)).toEqual(records.map((r) => r.id).sort());
        expect(rig.store.outbox.counts()).toEqual({ pending: 0, dead: 0, sent: 250 });
        const kinds = rig.proxy.uploads().map((u) => u.fault);
        expect(kinds.slice(0, 7)).toEqual(['status', 'hang', 'garbage', 'reset', 'forward-then-reset', 'status', 'slow']);
        // The lost answer's batch was stored by central and sent again: acknowledged as a duplicate, not stored twice.
        const lost = rig.proxy.uploads()[4]!.ids;
        expect(rig.proxy.uploads().slice(5).some((u) => u.ids.includes(lost[0]!))).toBe(true);
        const [conflicts] = await centralOf().db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM record_conflicts WHERE kiosk_id = $1', [rig.kioskId]);
        expect(conflicts!.n).toBe(0);
        // The holds went first: the first upload carries the ten holds ahead of every pass.
        expect(rig.proxy.uploads()[0]!.ids.slice(0, 10)).toEqual(records.filter((r) => r.fever).map((r) => r.id));
      },
      { start: false },
    ), 90_000);

  it('honours Retry-After', () =>
    withRig(
      async (rig) => {
        rig.proxy.faults.push({ kind: 'status', status: 503, retryAfter: '1' });
        await rig.store.records.commit(pass(400));
        rig.uplink.start();
        await rig.drained();
        const [first, second] = rig.proxy.uploads();
        expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
      },
      { start: false },
    ), 90_000);

  it('stops hammering a dead central (circuit open), then delivers everything with the holds before older passes', () =>
    withRig(
      async (rig) => {
        rig.proxy.down = true;
        const passes = Array.from({ length: 40 }, (_, i) => pass(500 + i, { finishedAt: new Date(Date.now() - 3_600_000 + i).toISOString() }));
        for (const r of passes) await rig.store.records.commit(r);
        const h = hold(600);
        await rig.store.records.commit(h);
        const opened = once(rig.uplink.dispatcher, 'circuit');
        rig.uplink.start();
        expect((await opened)[0]).toBe('open');
        const attemptsAtOpen = rig.proxy.uploads().length;
        expect(attemptsAtOpen).toBe(4);
        // While open, attempts wait for the half-open probe instead of hammering.
        await once(rig.uplink.dispatcher, 'failure');
        expect(rig.proxy.uploads().length).toBeLessThanOrEqual(attemptsAtOpen + 1);
        rig.proxy.down = false;
        const closed = once(rig.uplink.dispatcher, 'circuit');
        await rig.drained();
        expect((await closed)[0]).toBe('closed');
        const delivered = rig.proxy.uploads().filter((u) => u.fault === 'pass');
        expect(delivered[0]!.ids[0]).toBe(h.id);
        expect(await centralIds(centralOf(), rig.kioskId)).toEqual([...passes, h].map((r) => r.id).sort());
      },
      { start: false },
    ), 90_000);

  it('turns records central refuses into dead letters without holding up the rest', () =>
    withRig(
      async (rig) => {
        const good = pass(700);
        const wrongCheckpoint = pass(701, { checkpointId: 'not-this-one' });
        const conflicting = pass(702);
        // Central already holds a different record under this id.
        await centralOf().ingest.ingest(
          { kioskId: rig.kioskId, checkpointId: CHECKPOINT },
          [{ id: conflicting.id, kind: 'screening', schemaVersion: 1, record: JSON.parse(JSON.stringify({ ...conflicting, card: null, policyVersion: 'other' })) as Record<string, unknown> }],
        );
        for (const r of [wrongCheckpoint, conflicting, good]) await rig.store.records.commit(r);
        rig.uplink.start();
        await rig.drained();
        expect(rig.store.outbox.status(good.id)).toBe('sent');
        const dead = rig.store.outbox.deadLetters();
        expect(dead.map((d) => [d.idempotencyKey, d.lastError?.split(':')[0]]).sort()).toEqual(
          [
            [wrongCheckpoint.id, 'invalid'],
            [conflicting.id, 'conflict'],
          ].sort(),
        );
        // The dead rows are kept (the technician sees them) and retention never purges them.
        expect(rig.store.records.get(wrongCheckpoint.id)).not.toBeNull();
      },
      { start: false },
    ), 90_000);

  it('lets retention purge exactly what central acknowledged through the real uplink, its window after the acknowledgement', () => {
    // The store's clock: real time until the records are delivered, then moved on (docs/privacy.md §3).
    let skew = 0;
    const now = () => new Date(Date.now() + skew);
    return withRig(
      async (rig) => {
        const old = Array.from({ length: 5 }, (_, i) => pass(800 + i, { finishedAt: new Date(Date.now() - 20 * DAY).toISOString() }));
        const oldRefused = pass(810, { checkpointId: 'not-this-one', finishedAt: new Date(Date.now() - 20 * DAY).toISOString() });
        const recent = pass(811);
        for (const r of [...old, oldRefused, recent]) await rig.store.records.commit(r);
        expect(rig.store.purgeExpired().screenings).toBe(0); // nothing acknowledged yet
        rig.uplink.start();
        await rig.drained();
        await rig.uplink.stop();
        // Acknowledged just now: the 14-day window (the default) starts at the acknowledgement.
        expect(rig.store.purgeExpired().screenings).toBe(0);
        skew = 14 * DAY + 60_000;
        // The five old ones and the recent one were acknowledged; the refused one never is.
        expect(rig.store.purgeExpired().screenings).toBe(6);
        for (const r of [...old, recent]) expect(rig.store.records.get(r.id)).toBeNull();
        expect(rig.store.records.get(oldRefused.id)).not.toBeNull();
        expect((await centralIds(centralOf(), rig.kioskId)).length).toBe(6);
      },
      { start: false, now },
    );
  }, 90_000);
});

describe('uplink lists', () => {
  it('pins central keys at first contact and makes a new verified list visible to the engine without a restart', () =>
    withRig(async (rig) => {
      const first = once(rig.uplink, 'lists');
      await first;
      expect(rig.store.central.signingKey()).toBe(centralOf().keys.listSigningPublicKey);
      expect(rig.store.central.idKey()).toEqual(centralOf().keys.idKey);
      const before = rig.uplink.watchlist.snapshot();
      expect(before.refreshedAt).not.toBeNull();
      const id = '11010519491231002X';
      const hmac = new HmacIdHasher(centralOf().keys.idKey).hashIdNumber(id);
      expect(rig.uplink.idHasher.hashIdNumber(id)).toBe(hmac);
      await centralOf().lists.importList(`red-${rig.kioskId}`, parseListCsv(`id_number,colour\n${id},red\n`, centralOf().keys.idHasher), { replace: false, actor: 'test' });
      const next = once(rig.uplink, 'lists');
      rig.uplink.syncLists();
      await next;
      expect(rig.uplink.watchlist.snapshot().byHmac.get(hmac)?.map((e) => e.colour)).toEqual(['red']);
      expect(rig.store.central.versions().at(-1)!.version).toBe(await centralOf().lists.latestVersion());
    }), 90_000);

  it('refuses a tampered delta and a replayed answer, logs and audits them, and keeps the lists held', () =>
    withRig(async (rig) => {
      await once(rig.uplink, 'lists');
      const held = rig.store.central.listState();
      // Tampered: a blue entry turned red in transit (signature no longer verifies).
      await centralOf().lists.importList(`t-${rig.kioskId}`, parseListCsv('id_number,colour\n810000199408230021,blue\n', centralOf().keys.idHasher), { replace: false, actor: 'test' });
      rig.proxy.listFaults.push({ kind: 'rewrite', edit: (b) => b.replace('"colour":"blue"', '"colour":"red"') });
      await expect(rig.uplink.lists.sync()).rejects.toMatchObject({ reason: 'bad-signature' });
      expect(rig.store.central.listState()).toEqual(held);
      expect(rig.store.audit.list().at(-1)).toMatchObject({ action: 'lists.refused', detail: { reason: 'bad-signature' } });
      // The genuine answer applies.
      let genuine = '';
      rig.proxy.listFaults.push({ kind: 'rewrite', edit: (b) => (genuine = b) });
      await rig.uplink.lists.sync();
      expect(rig.store.central.listState().version).toBe(held.version + 1);
      // Replayed: the same (validly signed) answer again, later.
      await centralOf().lists.importList(`t-${rig.kioskId}`, parseListCsv('id_number,colour\n810000199408230021,yellow\n', centralOf().keys.idHasher), { replace: false, actor: 'test' });
      rig.proxy.listFaults.push({ kind: 'rewrite', edit: () => genuine });
      await expect(rig.uplink.lists.sync()).rejects.toMatchObject({ reason: expect.stringMatching(/replayed|head-mismatch/) });
      expect(rig.store.central.listState().version).toBe(held.version + 1);
      expect(rig.store.audit.verify().ok).toBe(true);
    }), 90_000);
});
