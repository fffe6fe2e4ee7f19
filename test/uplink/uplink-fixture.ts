import { once } from 'node:events';
import type { RunningCentral } from '../../central/central-service.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { Uplink, type UplinkOptions } from '../../main/uplink/uplink.js';
import { quietLog, tempDir } from '../central/central-fixture.js';
import { FaultProxy } from './fault-proxy.js';

export const CHECKPOINT = 'cp-uplink';
let kioskCounter = 0;

export interface KioskRig {
  store: KioskStore;
  uplink: Uplink;
  proxy: FaultProxy;
  kioskId: string;
  /** Resolves once nothing is pending in the outbox and the dispatcher went idle. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

/** A kiosk store and its uplink, enrolled with `central`, talking to it through a fault proxy. */
export async function kioskRig(central: RunningCentral, options: Partial<Pick<UplinkOptions, 'timings' | 'upload'>> & { start?: boolean; /** The store's clock (retention tests move it). */ now?: () => Date } = {}): Promise<KioskRig> {
  const kioskId = `kiosk-${process.pid}-${++kioskCounter}`;
  const enrolled = await central.kiosks.enroll({ checkpointId: CHECKPOINT, kioskId, actor: 'test' });
  const proxy = await new FaultProxy(central.url).start();
  const data = tempDir('uplink-kiosk-');
  const store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0, ...(options.now && { now: options.now }) });
  const uplink = new Uplink({
    central: { url: proxy.url, kioskId, token: enrolled.token },
    store,
    log: quietLog(),
    heartbeat: () => ({ status: 'ready', devices: [], calibrationDueAt: null }),
    timings: { heartbeatMs: 60_000, listPollMs: 60_000, requestTimeoutMs: 1500, contactRetryMs: 200, ...options.timings },
    upload: { initialDelayMs: 50, maxDelayMs: 400, breakerThreshold: 4, halfOpenAfterMs: 500, idlePollMs: 200, coalesceMs: 5, ...options.upload },
  });
  if (options.start !== false) uplink.start();
  return {
    store,
    uplink,
    proxy,
    kioskId,
    drained: async () => {
      while (store.outbox.counts().pending > 0) await once(uplink.dispatcher, 'idle');
    },
    close: async () => {
      await uplink.stop();
      await proxy.close();
      store.close();
      data.cleanup();
    },
  };
}

/** Rows central holds for a kiosk, by id. */
export async function centralIds(central: RunningCentral, kioskId: string): Promise<string[]> {
  return (await central.db.query<{ id: string }>('SELECT id::text AS id FROM records WHERE kiosk_id = $1 ORDER BY id', [kioskId])).map((r) => r.id);
}
