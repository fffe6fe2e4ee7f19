import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCentral } from '../../central/central-service.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { FaultProxy } from '../uplink/fault-proxy.js';
import { centralIds, CHECKPOINT, kioskRig, type KioskRig } from '../uplink/uplink-fixture.js';
import { backends, startTestCentral, tempDir } from './central-fixture.js';

/**
 * Statelessness: two central instances on one PostgreSQL (sharing only the database and the key
 * files), a kiosk switching from one to the other in the middle of its backlog — with the first
 * instance's answer to a stored batch lost on the way — ends with every record exactly once.
 */
const postgres = backends().find((b) => b.name === 'postgres');

describe.skipIf(!postgres)('two central instances on one PostgreSQL', () => {
  let a: RunningCentral;
  let b: RunningCentral;
  let drop: () => Promise<void>;
  const data = tempDir('central-two-');
  beforeAll(async () => {
    const db = await postgres!.create();
    drop = db.drop;
    // Both instances read the same key files (one data directory); only the database is shared state.
    a = await startTestCentral({ dataDir: data.dir, databaseUrl: db.url });
    b = await startTestCentral({ dataDir: data.dir, databaseUrl: db.url });
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await drop?.();
    data.cleanup();
  });

  it('a kiosk switching instances mid-backlog delivers every record exactly once', async () => {
    const rig: KioskRig = await kioskRig(a, { start: false });
    try {
      const records = Array.from({ length: 450 }, (_, i) => screeningRecord({ checkpointId: CHECKPOINT, ...(i % 30 === 0 && { decision: 'HOLD', outcome: 'hold', fever: true }) }, i));
      for (const r of records) await rig.store.records.commit(r);
      const proxy: FaultProxy = rig.proxy;
      // Batch 1 through A; batch 2 reaches A and is stored, but its answer is lost; then the kiosk is on B.
      proxy.faults.push({ kind: 'pass' }, { kind: 'forward-then-reset' });
      void proxy.next((r) => r.fault === 'forward-then-reset').then(() => (proxy.target = b.url));
      rig.uplink.start();
      await rig.drained();
      const uploads = proxy.uploads();
      expect(uploads[1]!.fault).toBe('forward-then-reset');
      // The lost batch went again (to B), and B acknowledged what A had stored.
      expect(uploads.slice(2).some((u) => u.ids.includes(uploads[1]!.ids[0]!))).toBe(true);
      expect(await centralIds(a, rig.kioskId)).toEqual(records.map((r) => r.id).sort());
      const [c] = await b.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM record_conflicts WHERE kiosk_id = $1', [rig.kioskId]);
      expect(c!.n).toBe(0);
      expect(rig.store.outbox.counts()).toEqual({ pending: 0, dead: 0, sent: 450 });
      // Lists from either instance verify under the one pinned key and continue one chain.
      await a.lists.setPolicy({ version: 'p-a' }, 'test');
      await b.lists.setPolicy({ version: 'p-b' }, 'test');
      await rig.uplink.lists.sync();
      expect(rig.store.central.policy()).toEqual({ version: 'p-b' });
    } finally {
      await rig.close();
    }
  }, 120_000);
});
