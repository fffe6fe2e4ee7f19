import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsoleService } from '../../main/console/console-service.js';
import type { ResultEvent } from '../../main/engine/engine-events.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { consoleConnection, standInConsoleHost, type StandInEngine } from '../fixtures/console/stand-in-host.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

/**
 * The console service against a real store and a stand-in host: sessions bound to a connection,
 * roles, sign-out after inactivity (fake timers), the hold queue and its resolutions.
 */
let data: ReturnType<typeof tempDataDir>;
let store: KioskStore;
let engine: StandInEngine;
let service: ConsoleService;

const STAFF = { name: 'wang.fang', pin: '246813' };
const TECH = { name: 'tech.li', pin: '135792' };

beforeEach(async () => {
  data = tempDataDir('kiosk-console-');
  store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
  store.accounts.setPin({ ...STAFF, role: 'staff' }, 'test');
  store.accounts.setPin({ ...TECH, role: 'technician' }, 'test');
  const standIn = standInConsoleHost({ store, dataDir: data.dir });
  engine = standIn.engine;
  service = new ConsoleService(standIn.host);
});
afterEach(async () => {
  vi.useRealTimers();
  await service.stop();
  store.close();
  data.cleanup();
});

const connection = (name: string, origin: 'kiosk' | 'lan' = 'kiosk') => consoleConnection(service, name, origin);

const flush = () => new Promise((r) => setImmediate(r));

describe('console sessions', () => {
  it('signs out after the idle timeout (fake timers); any command restarts the clock; the sign-out is audited', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    await store.settings.set('console.idleTimeoutSec', 60, 'test');
    const ui = connection('ws#1');
    ui.send({ type: 'console.signIn', ...STAFF });
    expect(ui.last()).toMatchObject({ type: 'console.session', name: STAFF.name, role: 'staff', idleTimeoutMs: 60_000 });
    vi.advanceTimersByTime(59_000);
    ui.send({ type: 'console.touch' });
    vi.advanceTimersByTime(59_000);
    expect(ui.of('console.signedOut')).toHaveLength(0);
    vi.advanceTimersByTime(1_000);
    expect(ui.of('console.signedOut')).toEqual([{ type: 'console.signedOut', reason: 'idle' }]);
    ui.send({ type: 'console.holds' });
    expect(ui.last()).toMatchObject({ type: 'console.denied', reason: 'signed-out' });
    const actions = store.audit.list(50).map((e) => [e.action, e.detail.reason ?? null]);
    expect(actions).toContainEqual(['console.sign-in', null]);
    expect(actions).toContainEqual(['console.sign-out', 'idle']);
  });

  it('roles: staff may not use technician commands (refusal audited); over the LAN only staff may sign in', async () => {
    const kiosk = connection('ws#1');
    kiosk.send({ type: 'console.signIn', ...STAFF });
    kiosk.send({ type: 'console.settings' });
    expect(kiosk.last()).toMatchObject({ type: 'console.denied', reason: 'role' });
    expect(store.audit.list(20).some((e) => e.action === 'console.refused' && e.detail.command === 'console.settings')).toBe(true);
    const lan = connection('lan:lan#1', 'lan');
    lan.send({ type: 'console.accounts' });
    expect(lan.last()).toMatchObject({ type: 'console.accounts', accounts: [{ name: STAFF.name, role: 'staff' }] });
    lan.send({ type: 'console.signIn', ...TECH });
    expect(lan.last()).toMatchObject({ type: 'console.denied', reason: 'role' });
    lan.send({ type: 'hello', version: 1 });
    expect(lan.last()).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' });
    // A session ends with its connection.
    kiosk.send({ type: 'console.holds' });
    service.detach('ws#1');
    expect(store.audit.list(50).some((e) => e.action === 'console.sign-out' && e.detail.reason === 'connection')).toBe(true);
  });
});

describe('hold queue', () => {
  it('lists open holds oldest first, masked; a new HOLD reaches every signed-in console; a resolution is range-checked, recorded, queued and closes the hold', async () => {
    const older = screeningRecord({ fever: true, finishedAt: new Date(Date.now() - 120_000).toISOString() }, 0);
    const newer = screeningRecord({ fever: true }, 1);
    await store.records.commit(newer);
    await store.records.commit(older);
    await store.records.commit(screeningRecord({}, 2)); // a PASS: never in the queue
    const a = connection('ws#1');
    const b = connection('lan:lan#1', 'lan');
    a.send({ type: 'console.signIn', ...STAFF });
    b.send({ type: 'console.signIn', ...STAFF });
    a.send({ type: 'console.holds' });
    const holds = a.of('console.holds')[0]!.holds;
    expect(holds.map((h) => h.screeningId)).toEqual([older.id, newer.id]);
    expect(holds[0]!.identity).toEqual({ idNumber: '110105********002X', name: '张*', document: 'resident', source: 'card' });
    expect(holds[0]!.estimateC).toBe(38.1);
    expect(holds[0]!.reasons[0]).toMatchObject({ code: 'FEVER' });

    const live = screeningRecord({ fever: true, colour: 'orange' }, 2);
    engine.emit('result', { record: live, committed: true, storage: 'committed' } satisfies ResultEvent);
    for (const ui of [a, b]) {
      const arrived = ui.of('console.holdArrived')[0]!;
      expect(arrived.hold).toMatchObject({ screeningId: live.id, colour: 'orange', identity: { idNumber: '830000********0022', name: '欧***' } });
      expect(arrived.heldAtMs).toBe(Date.parse(live.finishedAt));
    }

    a.send({ type: 'console.resolveHold', screeningId: older.id, recheck: { temperatureC: 45, method: 'axillary' }, disposition: 'handed-to-medical', note: '' });
    await flush();
    expect(a.last()).toMatchObject({ type: 'console.invalid', field: 'recheck' });
    a.send({ type: 'console.resolveHold', screeningId: older.id, recheck: null, disposition: 'released', note: '' });
    await flush();
    expect(a.last()).toMatchObject({ type: 'console.invalid', field: 'recheck' }); // a fever is not released without a re-check
    a.send({ type: 'console.resolveHold', screeningId: older.id, recheck: { temperatureC: 37.1, method: 'axillary' }, disposition: 'released', note: 'normal on re-check' });
    await flush();
    expect(a.of('console.done')).toHaveLength(1);
    expect(b.of('console.holdResolved')).toEqual([{ type: 'console.holdResolved', screeningId: older.id }]);
    expect(store.dispositions.forScreening(older.id)).toMatchObject([{ action: 'released', note: 'normal on re-check', recheck: { temperatureC: 37.1, method: 'axillary' }, staffId: `staff:${STAFF.name}` }]);
    expect(store.outbox.nextBatch(50).filter((i) => i.kind === 'disposition')).toHaveLength(1);
    a.send({ type: 'console.holds' });
    expect(a.of('console.holds').at(-1)!.holds.map((h) => h.screeningId)).toEqual([newer.id]);
    // Resolving it again is refused: it is no longer open.
    a.send({ type: 'console.resolveHold', screeningId: older.id, recheck: { temperatureC: 37.1, method: 'axillary' }, disposition: 'released', note: '' });
    await flush();
    expect(a.last()).toMatchObject({ type: 'console.invalid', field: 'screeningId' });
  });
});
