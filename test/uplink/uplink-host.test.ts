import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseListCsv } from '../../central/lists.js';
import { parseKioskConfig } from '../../main/config/kiosk-config.js';
import { DEFAULT_SIM_CARD } from '../../drivers/sim/idcard-simulator.js';
import type { ResultEvent, ServiceEvent } from '../../main/engine/engine-events.js';
import { HmacIdHasher } from '../../main/engine/id-hasher.js';
import { KioskHost, type KioskHostOptions } from '../../main/host/kiosk-host.js';
import { ID_KEY_FILE } from '../../main/host/local-lists.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { createLogger } from '../../main/host/logger.js';
import { centralPerFile, tempDir } from '../central/central-fixture.js';
import { FaultProxy } from './fault-proxy.js';
import { CHECKPOINT } from './uplink-fixture.js';

/**
 * The host of a central-fed kiosk (a `central` section), with a real central (PGlite) behind a fault
 * proxy: the uplink starts once the store is open, the ID key comes from central only (out of service
 * until it has), and the engine screens against the lists central pushed.
 */
const centralOf = centralPerFile('uplink-host-central-');

const silent = () => createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }), level: 'fatal' });

/** Resolves at the engine's next `service` event that says `inService`. */
function backInService(host: KioskHost): Promise<void> {
  return new Promise((resolve) => {
    const on = (e: ServiceEvent) => {
      if (!e.inService) return;
      host.engine.off('service', on);
      resolve();
    };
    host.engine.on('service', on);
  });
}

function centralFedHost(kioskId: string, token: string, proxy: FaultProxy, dataDir: string): Promise<KioskHost> {
  const parsed = parseKioskConfig({ checkpoint: { id: CHECKPOINT, name: '中心测试', kioskId }, central: { url: proxy.url, kioskId, token } });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const opts: KioskHostOptions = {
    config: parsed.config,
    dataDir,
    simulate: true,
    scenarios: [{ idcard: 'normal', thermometer: 'normal' }],
    log: silent(),
    // Nobody steps up until the test says so (no UI says hello here).
    simulationStart: 'first-ui',
    uplink: { timings: { contactRetryMs: 200, requestTimeoutMs: 1500, heartbeatMs: 60_000, listPollMs: 60_000 } },
  };
  return KioskHost.start(opts);
}

interface EnrolledKiosk {
  kioskId: string;
  /** Central as the kiosk reaches it (`down` cuts it off). */
  proxy: FaultProxy;
  dataDir: string;
  /** Starts a host on this kiosk's data directory, runs `fn`, stops it. */
  run(fn: (host: KioskHost) => Promise<void>): Promise<void>;
}

let kiosks = 0;
/** A kiosk enrolled with central, with its own data directory and fault proxy, closed after `fn`. */
async function withEnrolledKiosk(fn: (k: EnrolledKiosk) => Promise<void>): Promise<void> {
  const kioskId = `host-${process.pid}-${++kiosks}`;
  const { token } = await centralOf().kiosks.enroll({ checkpointId: CHECKPOINT, kioskId, actor: 'test' });
  const proxy = await new FaultProxy(centralOf().url).start();
  const kiosk = tempDir('uplink-host-kiosk-');
  const run = async (inner: (host: KioskHost) => Promise<void>) => {
    const host = await centralFedHost(kioskId, token, proxy, kiosk.dir);
    try {
      await inner(host);
    } finally {
      await host.stop();
    }
  };
  try {
    await fn({ kioskId, proxy, dataDir: kiosk.dir, run });
  } finally {
    await proxy.close();
    kiosk.cleanup();
  }
}

describe('a central-fed kiosk host', () => {
  it('is out of service until central delivers the ID key, never makes id-hmac.key, then screens against central’s lists', () =>
    withEnrolledKiosk(async (k) => {
      await centralOf().lists.importList('red-host', parseListCsv(`id_number,colour\n${DEFAULT_SIM_CARD.idNumber},red\n`, centralOf().keys.idHasher), { replace: false, actor: 'test' });
      k.proxy.down = true;
      await k.run(async (host) => {
        // Central unreachable at the first start: nothing to hash with, so out of service, and saying why.
        expect(host.engine.inService).toBe(false);
        expect(host.engine.serviceProblems.map((p) => p.code)).toEqual(['ID_KEY_AWAITED']);
        expect(host.health()).toMatchObject({ service: 'out-of-service', notices: [{ code: 'ID_KEY_AWAITED', level: 'error' }] });
        expect(host.snapshot()).toMatchObject({ screen: { screen: 'out-of-service' }, notices: [{ code: 'ID_KEY_AWAITED', text: { en: 'Waiting for the ID key from central' } }] });
        expect(existsSync(join(k.dataDir, ID_KEY_FILE))).toBe(false);
        expect(host.centralLink).not.toBeNull();

        const served = backInService(host);
        const listed = once(host.centralLink!, 'lists');
        k.proxy.down = false;
        await served;
        await listed;
        expect(host.health().notices).toEqual([]);

        const result = once(host.engine, 'result') as Promise<[ResultEvent]>;
        host.simulation!.start();
        const [{ record }] = await result;
        // Hashed with the deployment's key (the list's), matched, held; the record names its list source.
        expect(record.decision).toBe('HOLD');
        expect(record.reasons.filter((r) => r.code === 'WATCHLIST').map((r) => r.colour)).toEqual(['red']);
        expect(record.lists).toEqual({ source: 'central', refreshedAt: expect.any(String) });
        expect(host.centralLink!.idHasher.hashIdNumber(DEFAULT_SIM_CARD.idNumber)).toBe(new HmacIdHasher(centralOf().keys.idKey).hashIdNumber(DEFAULT_SIM_CARD.idNumber));
      });

      // Restarted with central unreachable: the key is the store's, so the kiosk is in service at once.
      k.proxy.down = true;
      await k.run(async (again) => {
        expect(again.engine.serviceProblems).toEqual([]);
        expect(again.engine.inService).toBe(true);
        expect(existsSync(join(k.dataDir, ID_KEY_FILE))).toBe(false);
      });
    }), 120_000);

  it('applies central’s policy to the screenings after it arrives, and records its version', () =>
    withEnrolledKiosk(async (k) => {
      await k.run(async (host) => {
        if (!host.engine.inService) await backInService(host);
        if (host.centralLink!.watchlist.snapshot().refreshedAt === null) await once(host.centralLink!, 'lists');
        expect(host.engine.policyVersion).toBe('default@1');
        // Central lowers the fever threshold to the lowest the configuration allows (36 °C): the
        // simulated normal person (about 36.5 °C) is then a fever.
        const arrived = once(host.centralLink!, 'lists');
        await centralOf().lists.setPolicy({ version: 'p-host-1', feverThresholdC: 36 }, 'test');
        host.centralLink!.syncLists();
        await arrived;
        expect(host.engine.policyVersion).toBe('default@1+central@p-host-1');
        const result = once(host.engine, 'result') as Promise<[ResultEvent]>;
        host.simulation!.start();
        const [{ record }] = await result;
        expect(record.policyVersion).toBe('default@1+central@p-host-1');
        expect(record.decision).toBe('HOLD');
        expect(record.reasons.map((r) => r.code)).toContain('FEVER');
        expect(host.health().notices).toEqual([]);
      });
      // Central refuses to push what the kiosk could not use.
      await expect(centralOf().lists.setPolicy({ version: 'p-host-2', feverThresholdC: 35 }, 'test')).rejects.toThrow(/feverThresholdC: 35 is out of range/);
    }), 120_000);

  it('refuses a central policy it cannot use (a field central may not set): notice, log, the policy in force stays', () =>
    withEnrolledKiosk(async (k) => {
      // What a newer central might send: signed and chained, but with a field this kiosk does not let central set.
      const store = await KioskStore.open({ dataDir: k.dataDir, maintenanceIntervalMs: 0 });
      store.central.pinEnrollment(centralOf().keys.listSigningPublicKey, centralOf().keys.idKey);
      store.central.applyListVersion({ version: 1, hash: 'a'.repeat(64), prevHash: '0'.repeat(64), issuedAt: new Date().toISOString(), upsert: [], remove: [], keyRegions: null, policy: { version: 'future-1', invalidId: 'pass-with-notice' } });
      store.close();
      k.proxy.down = true;
      await k.run(async (host) => {
        expect(host.engine.inService).toBe(true);
        expect(host.engine.policyVersion).toBe('default@1');
        expect(host.health().notices).toEqual([{ code: 'CENTRAL_POLICY_REFUSED', level: 'warning', detail: { version: 'future-1' } }]);
      });
    }), 60_000);

  it('keeps records central refused for good visible in /healthz notices, also after a restart', () =>
    withEnrolledKiosk(async (k) => {
      // Two records waiting in the outbox; central accepts one and refuses the other (another checkpoint's).
      const store = await KioskStore.open({ dataDir: k.dataDir, maintenanceIntervalMs: 0 });
      await store.records.commit(screeningRecord({ checkpointId: 'not-this-one' }, 900));
      await store.records.commit(screeningRecord({ checkpointId: CHECKPOINT }, 901));
      store.close();
      await k.run(async (host) => {
        const dead = () => host.health().notices.filter((n) => n.code === 'DEAD_LETTERS');
        if (dead().length === 0) await once(host.centralLink!.dispatcher, 'dead-letter');
        expect(dead()).toEqual([{ code: 'DEAD_LETTERS', level: 'error', detail: { count: 1 } }]);
        expect(host.snapshot()).toMatchObject({ notices: expect.arrayContaining([{ code: 'DEAD_LETTERS', level: 'error', text: { zh: '有记录被中心拒收 请技术人员处理', en: 'Records refused by central: technician needed' } }]) });
        // (Uploads do not wait for first contact; the restart below needs the ID key it brings.)
        if (!host.engine.inService) await backInService(host);
      });
      k.proxy.down = true;
      await k.run(async (again) => {
        expect(again.health().notices).toEqual([{ code: 'DEAD_LETTERS', level: 'error', detail: { count: 1 } }]);
      });
    }), 60_000);

  it('a pinned CA file that cannot be used stops the start, naming the field and the fix (not later, when the store opens)', async () => {
    const kiosk = tempDir('uplink-host-kiosk-');
    try {
      const caFile = join(kiosk.dir, 'missing-ca.pem');
      const parsed = parseKioskConfig({ checkpoint: { id: CHECKPOINT, name: '中心测试', kioskId: 'k-ca' }, central: { url: 'https://central.example:8443', kioskId: 'k-ca', token: `kt_${'A'.repeat(43)}`, caFile } });
      if (!parsed.ok) throw new Error(parsed.problems.join('; '));
      await expect(KioskHost.start({ config: parsed.config, dataDir: join(kiosk.dir, 'data'), simulate: true, scenarios: null, log: silent() })).rejects.toThrow(
        `central.caFile ${caFile}: cannot use it (ENOENT); give the PEM file of the CA that signed central's certificate`,
      );
      expect(existsSync(join(kiosk.dir, 'data'))).toBe(false);
    } finally {
      kiosk.cleanup();
    }
  });
});
