import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditCheck } from '../../central/api.js';
import { dashboardData } from '../../central/dashboard-data.js';
import type { AuditHead } from '../../main/store/audit-anchor.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { Uplink } from '../../main/uplink/uplink.js';
import { backends, centralPerFile, quietLog, tempDir } from '../central/central-fixture.js';
import { CHECKPOINT } from './uplink-fixture.js';

/**
 * Issue 9 item 8 through the real uplink: every heartbeat carries the kiosk's signed audit head;
 * central keeps it as the kiosk's anchor and checks each new head against it with the store's
 * comparison (compareWithAnchor). Putting back an older copy of the database (a rewind), appending
 * to such a copy past the anchored length (a fork), or a different database altogether are flagged:
 * in `audit_anchor_alerts` (the dashboard shows the latest) and in central's audit log.
 */
describe.each(backends())('audit anchors on central ($name)', (backend) => {
  const centralOf = centralPerFile('uplink-anchor-central-', backend);

  const anchorOf = async (kioskId: string) => (await centralOf().db.query<{ a: AuditHead | null }>('SELECT audit_head AS a FROM kiosks WHERE id = $1', [kioskId]))[0]!.a;
  const alertsOf = async (kioskId: string) =>
    centralOf().db.query<{ problem: string; anchor: AuditHead; head: AuditHead }>('SELECT problem, anchor, head FROM audit_anchor_alerts WHERE kiosk_id = $1 ORDER BY seq', [kioskId]);
  const auditedOf = async (kioskId: string) =>
    (await centralOf().db.query<{ detail: Record<string, unknown> }>("SELECT detail FROM admin_audit WHERE action = 'kiosk.audit-anchor-broken' AND actor = $1 ORDER BY seq", [`kiosk:${kioskId}`])).map((r) => r.detail);

  it('anchors each head; a fork, a rewind and a replaced store are flagged on the dashboard and in central’s audit', async () => {
    const kioskId = `anchor-${backend.name}-${process.pid}`;
    const { token } = await centralOf().kiosks.enroll({ checkpointId: CHECKPOINT, kioskId, actor: 'test' });
    const kiosk = tempDir('uplink-anchor-kiosk-');
    const backup = tempDir('uplink-anchor-backup-');
    const fresh = tempDir('uplink-anchor-fresh-');

    /**
     * Opens the kiosk's store on `dir`, runs `before` (while offline), starts the uplink, runs `fn`,
     * stops both. Returns the audit checks of the heartbeats sent at the start.
     */
    async function session(
      dir: string,
      fn: (store: KioskStore, uplink: Uplink, checks: AuditCheck[]) => Promise<void> = async () => {},
      before: (store: KioskStore) => void = () => {},
    ): Promise<AuditCheck[]> {
      const store = await KioskStore.open({ dataDir: dir, maintenanceIntervalMs: 0 });
      before(store);
      const uplink = new Uplink({
        central: { url: centralOf().url, kioskId, token },
        store,
        log: quietLog(),
        heartbeat: () => ({ status: 'ready', devices: [], calibrationDueAt: null }),
        timings: { heartbeatMs: 3_600_000, listPollMs: 3_600_000, requestTimeoutMs: 5000, contactRetryMs: 200 },
      });
      const checks: AuditCheck[] = [];
      // The start's heartbeats end with the first verdict that is not `unverified` (a restarted kiosk
      // learns central's anchor from the first answer and sends its link at once).
      const settled = new Promise<void>((resolve) =>
        uplink.on('heartbeat', (e) => {
          checks.push(e.auditCheck);
          if (e.auditCheck !== 'unverified') resolve();
        }),
      );
      uplink.start();
      try {
        await settled;
        const atStart = [...checks];
        await fn(store, uplink, checks);
        return atStart;
      } finally {
        await uplink.stop();
        store.close();
      }
    }
    const append = (store: KioskStore, n: number) => {
      for (let i = 0; i < n; i++) store.audit.append('staff', 'settings.change', { key: 'ui.language', n: i });
    };

    try {
      // A: first heartbeat anchors the head; two more entries continue it.
      let headA: AuditHead | null = null;
      expect(
        await session(kiosk.dir, async (store, uplink, checks) => {
          expect(await anchorOf(kioskId)).toEqual(store.signedHead());
          append(store, 2);
          await uplink.sendHeartbeat();
          expect(checks.at(-1)).toBe('ok');
          headA = store.signedHead();
          expect(await anchorOf(kioskId)).toEqual(headA);
        }),
      ).toEqual(['first']);
      cpSync(kiosk.dir, backup.dir, { recursive: true }); // the copy someone keeps (store closed)

      // B: restarted as it was: the same head, ok. Then three entries while offline: the first
      // heartbeat is unverified (central keeps its anchor for want of the kiosk's link to it), the
      // one right after it, with the link, ok.
      expect(await session(kiosk.dir)).toEqual(['ok']);
      let headB: AuditHead | null = null;
      expect(
        await session(
          kiosk.dir,
          async (store) => {
            headB = store.signedHead();
          },
          (store) => append(store, 3),
        ),
      ).toEqual(['unverified', 'ok']);
      expect(headB!.seq).toBe(headA!.seq + 3);
      expect(await anchorOf(kioskId)).toEqual(headB);
      expect(await alertsOf(kioskId)).toEqual([]);

      // C: the copy put back and appended to (offline) past the anchored length — a fork: its entry at
      // the anchored seq is not the anchored one.
      rmSync(kiosk.dir, { recursive: true, force: true });
      cpSync(backup.dir, kiosk.dir, { recursive: true });
      expect(
        await session(
          kiosk.dir,
          async (store) => {
            // The kiosk's own check against the anchor central now holds (its new head) is clean: the
            // chain is watched from here on, while the flag stays on record.
            expect(store.checkAnchor((await anchorOf(kioskId))!)).toMatchObject({ ok: true });
          },
          (store) => {
            append(store, 5);
            expect(store.signedHead().seq).toBeGreaterThan(headB!.seq);
            expect(store.checkAnchor(headB!)).toMatchObject({ ok: false, problem: 'diverged' });
          },
        ),
      ).toEqual(['unverified', 'diverged']);
      const forked = await alertsOf(kioskId);
      expect(forked.map((a) => a.problem)).toEqual(['diverged']);
      expect(forked[0]!.anchor).toEqual(headB);
      expect((await dashboardData(centralOf().db, { from: new Date(Date.now() - 3_600_000), to: new Date() })).kiosks.find((k) => k.kioskId === kioskId)?.auditAlert).toMatchObject({ problem: 'diverged' });

      // D: the copy put back again: shorter than the anchor — a rewind, seen at once.
      rmSync(kiosk.dir, { recursive: true, force: true });
      cpSync(backup.dir, kiosk.dir, { recursive: true });
      expect(await session(kiosk.dir)).toEqual(['rewound']);

      // E: another database under the same enrolment — replaced.
      expect(await session(fresh.dir)).toEqual(['replaced']);

      expect((await alertsOf(kioskId)).map((a) => a.problem)).toEqual(['diverged', 'rewound', 'replaced']);
      expect((await auditedOf(kioskId)).map((d) => d.problem)).toEqual(['diverged', 'rewound', 'replaced']);
      expect((await dashboardData(centralOf().db, { from: new Date(Date.now() - 3_600_000), to: new Date() })).kiosks.find((k) => k.kioskId === kioskId)?.auditAlert).toMatchObject({ problem: 'replaced' });
    } finally {
      kiosk.cleanup();
      backup.cleanup();
      fresh.cleanup();
    }
  }, 120_000);
});
