import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_CARD } from '../../drivers/sim/idcard-simulator.js';
import { parseKioskConfig, type KioskConfig } from '../../main/config/kiosk-config.js';
import type { ResultEvent } from '../../main/engine/engine-events.js';
import { KioskHost } from '../../main/host/kiosk-host.js';
import { ID_KEY_FILE } from '../../main/host/local-lists.js';
import { createLogger } from '../../main/host/logger.js';
import { privacyNoticeOf } from '../../main/privacy/notice.js';
import { FileKeyProvider } from '../../main/store/key-provider.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

/**
 * Issue 15 through the host: the notice reaches the UI's snapshot; records kept past the window
 * because central has not acknowledged them are flagged in /healthz and the log; a held person's
 * card photo stays in memory for staff and out of the store unless the site keeps photos.
 */

function config(input: Record<string, unknown> = {}): KioskConfig {
  const r = parseKioskConfig({ checkpoint: { id: 'cp-privacy', name: '隐私测试' }, ...input });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config;
}

let data: ReturnType<typeof tempDataDir>;
let host: KioskHost | undefined;
let lines: string[];
const log = () => createLogger({ destination: new Writable({ write: (c: Buffer, _e, done) => (lines.push(...c.toString('utf8').trim().split('\n')), done()) }) });
beforeEach(() => {
  data = tempDataDir();
  lines = [];
});
afterEach(async () => {
  await host?.stop();
  host = undefined;
  data.cleanup();
});

const firstResult = (h: KioskHost) => new Promise<ResultEvent>((resolve) => h.engine.once('result', resolve));

describe('privacy in the host', () => {
  it('flags records central has not acknowledged past the window in /healthz and the log, and sends the notice in the snapshot', async () => {
    // A data directory as a host leaves it: the store and the deployment's ID key.
    const store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
    await new FileKeyProvider(data.dir, ID_KEY_FILE).getKey({ create: true });
    const old = screeningRecord({ finishedAt: new Date(Date.now() - 20 * 86_400_000).toISOString() });
    const older = screeningRecord({ finishedAt: new Date(Date.now() - 30 * 86_400_000).toISOString() });
    await store.records.commit(old);
    await store.records.commit(older);
    store.close();
    // A kiosk with a central service (the uplink's configuration section, as deliveryModeOf reads it).
    const central = { ...config(), central: { url: 'https://central.example' } } as KioskConfig;
    host = await KioskHost.start({ config: central, dataDir: data.dir, simulate: true, scenarios: [], log: log(), simulationStart: 'immediately' });
    expect(host.health().notices).toContainEqual({ code: 'UNDELIVERED_PAST_RETENTION', level: 'warning', detail: { records: 2, oldest: older.finishedAt, days: 14 } });
    expect(host.snapshot()).toMatchObject({ notices: expect.arrayContaining([{ code: 'UNDELIVERED_PAST_RETENTION', level: 'warning', text: { zh: '有记录超过保存期限仍未上报', en: 'Records past their retention are still not uploaded' } }]) });
    expect(lines.map((l) => JSON.parse(l) as { msg: string; records?: number })).toContainEqual(expect.objectContaining({ msg: 'retention: records past the retention window are kept because central has not acknowledged them', records: 2 }));
    // Nothing was deleted.
    expect(host.privacy.report().held.screenings).toBe(2);
    expect((host.snapshot() as { privacyNotice?: unknown }).privacyNotice).toEqual(privacyNoticeOf(central));
  });

  it('a standalone kiosk purges old records when it opens its store, and flags nothing', async () => {
    const store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
    await new FileKeyProvider(data.dir, ID_KEY_FILE).getKey({ create: true });
    await store.records.commit(screeningRecord({ finishedAt: new Date(Date.now() - 15 * 86_400_000).toISOString() }));
    const young = screeningRecord({ finishedAt: new Date(Date.now() - 13 * 86_400_000).toISOString() });
    await store.records.commit(young);
    store.close();
    host = await KioskHost.start({ config: config(), dataDir: data.dir, simulate: true, scenarios: [], log: log(), simulationStart: 'immediately' });
    expect(host.health().notices).toEqual([]);
    const report = host.privacy.report();
    expect(report.held.screenings).toBe(1);
    expect(report.lastPurge).toMatchObject({ screenings: 1, mode: 'standalone', days: 14 });
  });

  it("keeps a held person's card photo in memory for staff, not in the store (default)", async () => {
    host = await KioskHost.start({ config: config(), dataDir: data.dir, simulate: true, scenarios: [{ idcard: 'normal', thermometer: 'fever' }], log: log(), simulationStart: 'immediately' });
    const result = await firstResult(host);
    expect(result.record.decision).toBe('HOLD');
    await host.waitForIdle();
    const photo = host.privacy.holdPhoto(result.record.id, { actor: 'staff-1' });
    expect(photo).toEqual(DEFAULT_SIM_CARD.photoWlt);
    const stored = host.privacy.report().held;
    expect([stored.screenings, stored.withCard, stored.withPhoto]).toEqual([1, 1, 0]);
    host.privacy.releaseHold(result.record.id);
    expect(host.privacy.holdPhoto(result.record.id, { actor: 'staff-1' })).toBeNull();
  }, 60_000);

  it('keeps the photo in the store when the site turns it on, and records the widening in the audit log', async () => {
    host = await KioskHost.start({ config: config({ privacy: { storePhoto: true } }), dataDir: data.dir, simulate: true, scenarios: [{ idcard: 'normal', thermometer: 'fever' }], log: log(), simulationStart: 'immediately' });
    const result = await firstResult(host);
    await host.waitForIdle();
    const report = host.privacy.report();
    expect([report.held.withCard, report.held.withPhoto]).toEqual([1, 1]);
    expect(report.collectionRecorded).toMatchObject({ storePhoto: true });
    expect(host.privacy.holdPhoto(result.record.id, { actor: 'staff-1' })).toEqual(DEFAULT_SIM_CARD.photoWlt);
    expect(lines.some((l) => l.includes('privacy: this configuration collects or keeps more personal information than before'))).toBe(true);
  }, 60_000);
});
