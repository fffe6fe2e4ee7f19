import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKioskConfig, type KioskConfig } from '../../main/config/kiosk-config.js';
import { centralLinkOf, checkCentral, type CentralLink } from '../../main/doctor/central-check.js';
import { checkClock, EARLIEST_PLAUSIBLE } from '../../main/doctor/clock-check.js';
import { checkBodyModel, checkCalibration, checkDisk, checkStore } from '../../main/doctor/data-checks.js';
import { exitCodeOf, fail, formatFindings, ok, skip, warn } from '../../main/doctor/findings.js';
import { readWriteAccess, systemUserDatabase, type Identity } from '../../main/doctor/port-access.js';
import type { CalibrationCheck, CalibrationRecord } from '../../main/store/calibrations.js';
import { LATEST_SCHEMA_VERSION } from '../../main/store/migrations.js';
import type { StoreInspection } from '../../main/store/store-inspection.js';

const tmp = mkdtempSync(join(tmpdir(), 'kiosk-doctor-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function config(extra: object = {}): KioskConfig {
  const r = parseKioskConfig({
    checkpoint: { id: 'cp-1', name: '测试' },
    devices: { idcard: { source: 'serial', path: '/dev/kiosk-idcard' }, thermometer: { source: 'serial', path: '/dev/kiosk-thermometer', protocol: 'gy-mcu90614' } },
    ...extra,
  });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config;
}

describe('port permissions (worked out as the kernel does for an open)', () => {
  const passwd = join(tmp, 'passwd');
  const group = join(tmp, 'group');
  writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\nkiosk:x:990:990:Checkpoint kiosk:/var/lib/checkpoint-kiosk:/usr/sbin/nologin\nops:x:1000:1000::/home/ops:/bin/bash\n');
  writeFileSync(group, 'root:x:0:\ndialout:x:20:kiosk,ops\ntty:x:5:\nkiosk:x:990:\nops:x:1000:\n');
  const db = systemUserDatabase(passwd, group);
  const kiosk = db.user('kiosk')!;

  it('reads users and their groups from passwd and group files', () => {
    expect(kiosk).toEqual({ name: 'kiosk', uid: 990, gids: [990, 20] });
    expect(db.user('nobody-here')).toBeNull();
    expect(db.groupName(20)).toBe('dialout');
    expect(db.userById(1000)).toBe('ops');
  });

  it('a dialout 0660 port: open for its members, refused to others with "join the group" as the fix', () => {
    const port = { uid: 0, gid: 20, mode: 0o20660 };
    expect(readWriteAccess(port, kiosk, db)).toEqual({ ok: true, via: 'group' });
    const outsider: Identity = { name: 'guest', uid: 1200, gids: [1200] };
    const r = readWriteAccess(port, outsider, db);
    expect(r).toEqual({ ok: false, why: 'user guest cannot open it for reading and writing (owner root, group dialout, mode 0660)', fix: 'add the user to the device\'s group: sudo usermod -aG dialout guest, then restart the kiosk (sudo systemctl restart checkpoint-kiosk)' });
  });

  it('a port that is not group read-write (0620, 0600): the fix is the udev rules, not a group', () => {
    for (const mode of [0o20620, 0o20600]) {
      const r = readWriteAccess({ uid: 0, gid: 5, mode }, kiosk, db);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.fix).toContain('packaging/linux/60-checkpoint-kiosk.rules');
    }
  });

  it('owner bits apply to the owner alone (an owner without write is refused even if others may write); root may always', () => {
    expect(readWriteAccess({ uid: 990, gid: 20, mode: 0o20466 }, kiosk, db).ok).toBe(false);
    expect(readWriteAccess({ uid: 990, gid: 20, mode: 0o20600 }, kiosk, db)).toEqual({ ok: true, via: 'owner' });
    expect(readWriteAccess({ uid: 0, gid: 0, mode: 0o20666 }, { name: 'guest', uid: 1200, gids: [] }, db)).toEqual({ ok: true, via: 'others' });
    expect(readWriteAccess({ uid: 5, gid: 5, mode: 0o20000 }, { name: 'root', uid: 0, gids: [0] }, db)).toEqual({ ok: true, via: 'root' });
  });
});

describe('clock', () => {
  const now = new Date('2026-06-01T08:00:00Z');
  it('a clock before the software existed was never set: fail', () => {
    const f = checkClock({ now: new Date(EARLIEST_PLAUSIBLE - 1), synchronised: true, newestRecordMs: null });
    expect(f).toMatchObject({ status: 'fail', summary: 'the clock says 2024-12-31T23:59:59.999Z: it was never set (or lost its battery)' });
  });
  it('a record made later than "now" means the clock went back: fail, with how far', () => {
    const f = checkClock({ now, synchronised: true, newestRecordMs: now.getTime() + 90 * 60_000 });
    expect(f).toMatchObject({ status: 'fail', summary: expect.stringContaining('the newest record was made 90 min later (2026-06-01T09:30:00.000Z): the clock went back') });
    // Within five minutes is two machines' clocks, not a clock going back.
    expect(checkClock({ now, synchronised: true, newestRecordMs: now.getTime() + 4 * 60_000 }).status).toBe('ok');
  });
  it('synchronised: ok; not synchronised or unknown: a warning', () => {
    expect(checkClock({ now, synchronised: true, newestRecordMs: now.getTime() - 1000 })).toEqual(ok('clock', '2026-06-01T08:00:00.000Z, synchronised with network time'));
    expect(checkClock({ now, synchronised: false, newestRecordMs: null }).status).toBe('warn');
    expect(checkClock({ now, synchronised: null, newestRecordMs: null }).status).toBe('warn');
  });
});

describe('calibration, drift and the body model', () => {
  const now = new Date('2026-06-01T08:00:00Z');
  const rec = (daysAgo: number): CalibrationRecord => ({ id: '0190a0b1-0000-7000-8000-000000000001', deviceId: 'thermo-0', performedAt: new Date(now.getTime() - daysAgo * 86_400_000).toISOString(), gain: 1, offsetC: 0.3, points: [{ referenceC: 37, measuredC: 36.7 }], technicianId: null, note: null });
  const check = (at: string, errorC: number, flagged: boolean): CalibrationCheck => ({ id: 'check-1', calibrationId: rec(0).id, deviceId: 'thermo-0', at, referenceC: 37, errorC, limitC: 0.2, flagged, readings: [37 + errorC], technicianId: 'tech-1' });
  const store = (r: CalibrationRecord | null, drift: CalibrationCheck | null = null) =>
    ({ latestCalibration: (id: string) => (r && id === r.deviceId ? r : null), latestDriftCheck: (id: string) => (drift && id === drift.calibrationId ? drift : null) }) as unknown as StoreInspection;

  it('valid for 365 days from when it was made; warned about in its last 30 days; then expired', () => {
    // 2026-06-01 − 300 days = 2025-08-05, + 365 days = 2026-08-05.
    expect(checkCalibration(config(), store(rec(300)), now)[0]).toEqual(ok('calibration', 'calibration made 2025-08-05: gain 1, offset 0.3 °C, 1 point; valid until 2026-08-05'));
    // 345 days ago → expires in 20 days.
    expect(checkCalibration(config(), store(rec(345)), now)[0]).toMatchObject({ status: 'warn', summary: expect.stringContaining('in 20 days') });
    expect(checkCalibration(config(), store(rec(366)), now)[0]).toMatchObject({ status: 'fail', summary: expect.stringContaining('(CALIBRATION_EXPIRED)') });
    expect(checkCalibration(config({ calibration: { validityDays: 30 } }), store(rec(31)), now)[0]!.status).toBe('fail');
  });

  it('no calibration: fail, saying what the kiosk does meanwhile (per calibration.whenMissingOrExpired)', () => {
    expect(checkCalibration(config(), store(null), now)[0]!.summary).toBe('no calibration recorded for thermo-0: the kiosk is out of service (CALIBRATION_MISSING)');
    expect(checkCalibration(config({ calibration: { whenMissingOrExpired: 'hold-for-staff' } }), store(null), now)[0]!.summary).toContain('everyone is held for staff');
    expect(checkCalibration(config({ devices: {} }), null, now)).toEqual([skip('calibration', 'simulated thermometer: it reads exactly (the identity, recorded as simulated-identity)')]);
  });

  it('a simulated thermometer given a sensor error to practise on is checked like a real one (the kiosk uses its calibration)', () => {
    const practice = config({ devices: { thermometer: { source: 'simulated', sensorError: { gain: 1.05, offsetC: -1 } } } });
    expect(checkCalibration(practice, store(null), now)[0]).toMatchObject({ check: 'calibration', status: 'fail', summary: expect.stringContaining('(CALIBRATION_MISSING)') });
  });

  it("drift: the latest check of the calibration in force; none → warn; over the limit → fail; within it → ok, unless it is 2 days old or more (the check is daily)", () => {
    expect(checkCalibration(config(), store(rec(10)), now)[1]).toMatchObject({ check: 'drift', status: 'warn', summary: 'no daily drift check recorded since this calibration' });
    expect(checkCalibration(config(), store(rec(10), check('2026-05-31T07:00:00.000Z', 0.31, true)), now)[1]).toMatchObject({ status: 'fail', summary: 'drift check 2026-05-31: 0.31 °C off at 37 °C, over the 0.2 °C limit (CALIBRATION_DRIFT)' });
    // 2026-06-01T08:00 − 2026-05-31T07:00 = 25 h: yesterday's check is current.
    expect(checkCalibration(config(), store(rec(10), check('2026-05-31T07:00:00.000Z', -0.05, false)), now)[1]).toEqual(ok('drift', 'drift check 2026-05-31: -0.05 °C at 37 °C (limit 0.2 °C)'));
    // 2026-06-01T08:00 − 2026-05-29T07:00 = 3 days 1 h.
    expect(checkCalibration(config(), store(rec(10), check('2026-05-29T07:00:00.000Z', 0.1, false)), now)[1]).toMatchObject({ status: 'warn', summary: 'drift check 2026-05-29: 0.10 °C at 37 °C (limit 0.2 °C), 3 days ago: the check is daily' });
  });

  it('the body model: the default is named as the default, anything else as site-fitted with its parameters', () => {
    expect(checkBodyModel(config()).summary).toBe('default: linear heat balance, k = 0.19 (docs/configuration.md, "Body temperature")');
    expect(checkBodyModel(config({ temperature: { model: { kind: 'linear-heat-balance', k: 0.21 } } })).summary).toMatch(/^site-fitted: linear-heat-balance, k = 0\.21 /);
    expect(checkBodyModel(config({ temperature: { model: { kind: 'constant-offset', offsetC: 1.8 } } })).summary).toMatch(/^site-fitted: constant-offset, offsetC = 1\.8 /);
  });
});

describe('the database', () => {
  it('names its schema version: the build\'s, older (the kiosk upgrades it at its next start), or newer (fail: this build refuses it)', () => {
    const dir = mkdtempSync(join(tmp, 'store-'));
    writeFileSync(join(dir, 'kiosk.db'), ''); // only its presence is looked at; the inspection is the stand-in below
    const at = (schemaVersion: number) => checkStore(() => ({ schemaVersion, screenings: 2 }) as unknown as StoreInspection, dir).finding;
    const file = join(dir, 'kiosk.db');
    expect(at(LATEST_SCHEMA_VERSION)).toEqual(ok('store', `${file} opens and passes SQLite's quick check; schema version ${LATEST_SCHEMA_VERSION}; 2 screening records`));
    expect(at(LATEST_SCHEMA_VERSION - 1).summary).toBe(`${file} opens and passes SQLite's quick check; schema version ${LATEST_SCHEMA_VERSION - 1}; the kiosk upgrades it to ${LATEST_SCHEMA_VERSION} at its next start; 2 screening records`);
    expect(at(LATEST_SCHEMA_VERSION + 1)).toMatchObject({ status: 'fail', summary: expect.stringContaining(`schema version ${LATEST_SCHEMA_VERSION + 1}, written by a newer kiosk build`) });
  });
});

describe('disk, central, the report', () => {
  it('free space against the store\'s thresholds: below the warning level warns, below the critical level fails', async () => {
    expect((await checkDisk(tmp, { warnBelowBytes: 2 ** 60, criticalBelowBytes: 1 })).status).toBe('warn');
    expect((await checkDisk(tmp, { warnBelowBytes: 2 ** 61, criticalBelowBytes: 2 ** 60 })).status).toBe('fail');
    expect((await checkDisk(tmp, { warnBelowBytes: 1, criticalBelowBytes: 1 })).status).toBe('ok');
  });

  it('central: "no central configured" without a central section; with a link, reachability and backlog', async () => {
    expect(centralLinkOf(config())).toBeNull();
    expect(await checkCentral(null, { pending: 3, dead: 0, oldestPendingMs: 0 }, 0, 1000)).toEqual([skip('central', 'no central configured (a standalone kiosk keeps its records here; docs/uplink-protocol.md)')]);
    const up: CentralLink = { describe: () => 'https://central.example', probe: async () => ({ reachable: true, latencyMs: 42 }) };
    const down: CentralLink = { describe: () => 'https://central.example', probe: async () => ({ reachable: false, reason: 'ECONNREFUSED' }) };
    const now = 10 * 3_600_000;
    expect((await checkCentral(up, { pending: 0, dead: 0, oldestPendingMs: null }, now, 1000)).map((f) => f.status)).toEqual(['ok', 'ok']);
    expect((await checkCentral(up, { pending: 12, dead: 0, oldestPendingMs: now - 2 * 3_600_000 }, now, 1000))[1]).toMatchObject({ status: 'warn', summary: '12 records waiting to upload, the oldest for 120 min; 0 refused by central' });
    expect((await checkCentral(up, { pending: 0, dead: 1, oldestPendingMs: null }, now, 1000))[1]!.status).toBe('fail');
    expect((await checkCentral(down, null, now, 1000))[0]).toMatchObject({ status: 'fail', summary: 'https://central.example: ECONNREFUSED', fix: expect.stringContaining('check the network') });
  });

  it('the report: one line per check, fixes below, a verdict; exit 1 only when something failed', () => {
    const findings = [ok('config', 'fine'), warn('clock', 'not synchronised', 'enable NTP'), fail('keys', 'too open', 'chmod 600 x'), skip('central', 'none')];
    // The fix lines start under the summaries: 4 + 2 + 7 ('central') + 2 = column 15.
    expect(formatFindings(findings)).toBe(['ok    config   fine', 'WARN  clock    not synchronised', '               fix: enable NTP', 'FAIL  keys     too open', '               fix: chmod 600 x', '--    central  none', '', '1 problem found, 1 warning'].join('\n'));
    expect(exitCodeOf(findings)).toBe(1);
    expect(exitCodeOf(findings.filter((f) => f.status !== 'fail'))).toBe(0);
  });
});
