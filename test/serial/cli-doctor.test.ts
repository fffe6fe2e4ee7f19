import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IdCardSimulator } from '../../drivers/sim/idcard-simulator.js';
import { isSocatAvailable, PtyPair } from '../../drivers/sim/pty-pair.js';
import { SimHost } from '../../drivers/sim/sim-host.js';
import { ThermometerSimulator } from '../../drivers/sim/thermometer-simulator.js';
import type { Finding } from '../../main/doctor/findings.js';
import { openIdKey } from '../../main/host/id-key.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { LATEST_SCHEMA_VERSION } from '../../main/store/migrations.js';

/**
 * `kiosk doctor` as a technician runs it on a kiosk (`node bin/kiosk.js doctor`, built by `npm run
 * build`), against real serial ports: socat pseudo-terminals with the simulators speaking the
 * devices' real bytes. A healthy set-up passes with every check named; each broken one fails with
 * what is wrong and a fix, and the command exits 1.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const socat = isSocatAvailable();
const tmp = mkdtempSync(join(tmpdir(), 'kiosk-doctor-'));
const hosts: Array<SimHost | PtyPair> = [];

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first (npm run test:serial does)');
});
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
const fresh = (name: string) => join(tmp, `${name}-${++n}`);

async function samReader(opts: { selfTestFails?: boolean } = {}): Promise<string> {
  const host = await SimHost.start({ device: new IdCardSimulator({ scenario: 'no-card', timeScale: 0.1, ...opts }), endpoint: { kind: 'pty', hostPath: fresh('sam') } });
  hosts.push(host);
  return host.hostPath;
}

async function gyThermometer(): Promise<string> {
  const host = await SimHost.start({ device: new ThermometerSimulator({ protocol: 'gy-mcu90614', scenario: 'normal', timeScale: 0.2, autoPlay: false }), endpoint: { kind: 'pty', hostPath: fresh('gy') } });
  hosts.push(host);
  return host.hostPath;
}

/** A port with nothing behind it: a pty whose other end nobody reads or writes. */
async function deadPort(): Promise<string> {
  const pair = await PtyPair.start({ linkA: fresh('dead.device'), linkB: fresh('dead') });
  hosts.push(pair);
  return pair.linkB;
}

/**
 * A data directory the way the kiosk makes it (store, key file, ID key), optionally with a
 * calibration made `daysAgo` and a daily drift check of it made now (the error at 37 °C against the
 * default 0.2 °C limit, flagged as the calibration wizard flags it).
 */
async function dataDir(calibratedDaysAgo: number | null, driftErrorC?: number): Promise<string> {
  const dir = fresh('data');
  const store = await KioskStore.open({ dataDir: dir, maintenanceIntervalMs: 0 });
  await openIdKey(dir, { newDataDir: store.createdNow });
  if (calibratedDaysAgo !== null) {
    const cal = await store.calibrations.record({
      deviceId: 'thermo-0',
      gain: 1.002,
      offsetC: -0.4,
      points: [{ referenceC: 37, measuredC: 37.4 }],
      technicianId: 'tech-1',
      performedAt: new Date(Date.now() - calibratedDaysAgo * 86_400_000).toISOString(),
    });
    if (driftErrorC !== undefined) {
      const flagged = Math.abs(driftErrorC) > 0.2;
      await store.calibrations.recordCheck({ calibrationId: cal.id, deviceId: 'thermo-0', referenceC: 37, errorC: driftErrorC, limitC: 0.2, flagged, readings: [37 + driftErrorC], technicianId: 'tech-1' });
    }
  }
  store.close();
  return dir;
}

function configFile(idcard: string, thermometer: string): string {
  const file = fresh('config.json');
  writeFileSync(
    file,
    JSON.stringify({
      checkpoint: { id: 'doctor-1', name: '诊断测试' },
      devices: { idcard: { source: 'serial', path: idcard }, thermometer: { source: 'serial', path: thermometer, protocol: 'gy-mcu90614' } },
    }),
  );
  return file;
}

/** Runs the built CLI without blocking this process: the simulators answering it live here. */
async function doctor(data: string, config: string, extra: string[] = [], env: Record<string, string> = {}): Promise<{ status: number | null; findings: Map<string, Finding[]>; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kiosk.js'), 'doctor', '--data', data, '--config', config, '--json', ...extra], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const r = { status, stdout, stderr };
  const findings = new Map<string, Finding[]>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const f = JSON.parse(line) as Finding;
    findings.set(f.check, [...(findings.get(f.check) ?? []), f]);
  }
  return { status: r.status, findings, stderr: r.stderr };
}
const only = (m: Map<string, Finding[]>, check: string) => {
  const all = m.get(check) ?? [];
  expect(all, `one finding for ${check}: ${JSON.stringify(all)}`).toHaveLength(1);
  return all[0]!;
};

describe.skipIf(!socat)(`kiosk doctor over pseudo-terminals${socat ? '' : ' (skipped: socat is not installed)'}`, () => {
  it('a healthy kiosk: both devices answer their protocol through the drivers, keys private, calibration valid and checked today; exit 0', async () => {
    const data = await dataDir(10, -0.05);
    const r = await doctor(data, configFile(await samReader(), await gyThermometer()));
    expect(r.status, `${r.stderr}\n${JSON.stringify([...r.findings.values()].flat(), null, 1)}`).toBe(0);
    expect([...r.findings.values()].flat().filter((f) => f.status === 'fail')).toEqual([]);
    expect(only(r.findings, 'answers.idcard')).toMatchObject({ status: 'ok' });
    // The SAM id the simulator's SAM reports, formatted as the kiosk formats it (dd.dd-u32-u32-u32).
    expect(only(r.findings, 'answers.idcard').summary).toMatch(/the SAM answered its status at 115200 baud \(SW3 90\); SAM id \d{2}\.\d{2}-\d{10}-\d{10}-\d{10}$/);
    // The reading as printed, checked against its raw frame decoded here (docs/protocols/gy-mcu90614.md
    // §2: signed big-endian hundredths at bytes 4 and 6), and against the simulator's empty 25 °C room.
    const summary = only(r.findings, 'answers.thermometer').summary;
    const reading = /object (-?\d+(?:\.\d+)?) °C, ambient (-?\d+(?:\.\d+)?) °C \(raw ((?:[0-9A-F]{2} ?){9})\)$/.exec(summary);
    expect(reading, summary).not.toBeNull();
    const raw = Buffer.from(reading![3]!.replaceAll(' ', ''), 'hex');
    expect([...raw.subarray(0, 4)]).toEqual([0x5a, 0x5a, 0x45, 0x04]);
    expect(Number(reading![1])).toBe(raw.readInt16BE(4) / 100);
    expect(Number(reading![2])).toBe(raw.readInt16BE(6) / 100);
    expect(Number(reading![2])).toBeGreaterThanOrEqual(24.95);
    expect(Number(reading![2])).toBeLessThanOrEqual(25.05);
    expect(only(r.findings, 'port.idcard').status).toBe('ok');
    expect(only(r.findings, 'port.thermometer').status).toBe('ok');
    expect(only(r.findings, 'calibration')).toMatchObject({ status: 'ok' });
    expect(only(r.findings, 'calibration').summary).toContain('by tech-1: gain 1.002, offset -0.4 °C, 1 point; valid until');
    expect(only(r.findings, 'drift')).toEqual({ check: 'drift', status: 'ok', summary: `drift check ${new Date().toISOString().slice(0, 10)}: -0.05 °C at 37 °C (limit 0.2 °C)` });
    expect(r.findings.get('keys')?.map((f) => f.status)).toEqual(['ok', 'ok']);
    expect(only(r.findings, 'data-dir').status).toBe('ok');
    // The database as the store makes it, with every migration of this build (consoles, privacy).
    expect(only(r.findings, 'store').summary).toContain(`schema version ${LATEST_SCHEMA_VERSION}; 0 screening records`);
    expect(only(r.findings, 'body-model').summary).toMatch(/^default: linear heat balance, k = 0\.19/);
    expect(only(r.findings, 'central')).toEqual({ check: 'central', status: 'skip', summary: 'no central configured (a standalone kiosk keeps its records here; docs/uplink-protocol.md)' });
  }, 60_000);

  it('broken: the thermometer is unplugged, the SAM failed its self-test, there is no calibration; each says how to fix it; exit 1', async () => {
    const data = await dataDir(null);
    const r = await doctor(data, configFile(await samReader({ selfTestFails: true }), join(tmp, 'no-such-port')), ['--timeout', '4']);
    expect(r.status).toBe(1);
    expect(only(r.findings, 'port.thermometer')).toMatchObject({ status: 'fail', summary: expect.stringContaining(`${join(tmp, 'no-such-port')} does not exist`), fix: expect.stringContaining('kiosk ports') });
    expect(r.findings.has('answers.thermometer')).toBe(false);
    expect(only(r.findings, 'answers.idcard')).toMatchObject({ status: 'fail', summary: expect.stringContaining('failed its self-test (SW3 60)'), fix: expect.stringContaining('power-cycle') });
    expect(only(r.findings, 'calibration')).toMatchObject({ status: 'fail', summary: 'no calibration recorded for thermo-0: the kiosk is out of service (CALIBRATION_MISSING)', fix: 'calibrate with a blackbody (docs/calibration.md)' });
  }, 60_000);

  it('broken: a thermometer port with nothing behind it, an expired calibration whose last drift check was over the limit, a key file others can read; exit 1', async () => {
    const data = await dataDir(400, 0.31);
    chmodSync(join(data, 'kiosk.key'), 0o644);
    const r = await doctor(data, configFile(await samReader(), await deadPort()), ['--timeout', '3']);
    expect(r.status).toBe(1);
    expect(only(r.findings, 'answers.idcard').status).toBe('ok');
    expect(only(r.findings, 'answers.thermometer')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/sent no valid reading within 3 s \(no data for 2000 ms\)/), fix: expect.stringContaining("TX goes to the adapter's RX") });
    expect(only(r.findings, 'calibration')).toMatchObject({ status: 'fail', summary: expect.stringContaining('(CALIBRATION_EXPIRED)') });
    expect(only(r.findings, 'drift')).toMatchObject({ status: 'fail', summary: expect.stringContaining('0.31 °C off at 37 °C, over the 0.2 °C limit (CALIBRATION_DRIFT)') });
    const keys = r.findings.get('keys')!;
    expect(keys[0]).toMatchObject({ status: 'fail', summary: expect.stringContaining('can be read by other users (mode 0644)'), fix: `chmod 600 ${join(data, 'kiosk.key')}` });
  }, 60_000);

  it.skipIf(process.getuid?.() !== 0)("run as root, it judges the ports for the kiosk's user (here nobody, outside the ports' group)", async () => {
    const data = await dataDir(10);
    const r = await doctor(data, configFile(await samReader(), await gyThermometer()), ['--no-devices'], { KIOSK_USER: 'nobody' });
    expect(r.status).toBe(1);
    for (const kind of ['idcard', 'thermometer']) {
      const f = only(r.findings, `port.${kind}`);
      // socat's pseudo-terminals are root's and not group read-write (0600 or 0620), so joining
      // their group would not help: the fix is the udev rules' group and mode.
      const m = /: user nobody cannot open it for reading and writing \(owner root, group [\w-]+, mode (0[0-7]{3})\)$/.exec(f.summary);
      expect(m, f.summary).not.toBeNull();
      expect(Number.parseInt(m![1]!, 8) & 0o060).not.toBe(0o060);
      expect(f).toMatchObject({ status: 'fail', fix: expect.stringContaining('60-checkpoint-kiosk.rules') });
    }
    expect(r.findings.has('answers.idcard')).toBe(false);
  }, 60_000);
});
