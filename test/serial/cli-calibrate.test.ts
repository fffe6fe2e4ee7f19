import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedBench } from '../../drivers/sim/blackbody.js';
import { createSimulator } from '../../drivers/sim/create-simulator.js';
import { SimHost } from '../../drivers/sim/sim-host.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';
import { rigLifecycle } from './link-fixtures.js';

/**
 * `kiosk calibrate` (the built CLI) on the real driver path: a GY-MCU90614 simulator with a sensor
 * error (reported = 0.97·T − 0.6 °C ± 0.01) behind a socat pseudo-terminal, and a simulated
 * blackbody the test moves when the CLI asks for each set-point (event-driven on its prompts).
 */
const ROOT = join(import.meta.dirname, '..', '..');
const rigs = rigLifecycle<SimHost>('calibrate');
const SENSOR = { gain: 0.97, offsetC: -0.6, noiseC: 0.01 };

function runCalibrate(args: string[], bench: SimulatedBench, stdinLines: string[]) {
  const proc = spawn(process.execPath, ['bin/kiosk.js', 'calibrate', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  for (const l of stdinLines) proc.stdin.write(`${l}\n`);
  const stderr: string[] = [];
  createInterface({ input: proc.stderr }).on('line', (line) => {
    stderr.push(line);
    const m = /set the blackbody to (\d+\.\d) °C/.exec(line);
    if (m) {
      // The technician sets the blackbody and confirms once it shows it is at temperature.
      bench.blackbody.set(Number(m[1]));
      const confirm = () => (bench.blackbody.settled() ? proc.stdin.write('\n') : setTimeout(confirm, 20));
      confirm();
    }
  });
  let stdout = '';
  proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string[] }>((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('kiosk calibrate over a pseudo-terminal', () => {
  it('two-point calibration of a 0.97/−0.6 °C sensor: residual ≤ 0.05 °C at 37 °C, saved with its run; a drift check follows', async () => {
    const data = tempDataDir('kiosk-cal-');
    try {
      const setup = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
      setup.accounts.setPin({ name: 'tech.li', role: 'technician', pin: '135792' }, 'test');
      setup.close();
      const bench = new SimulatedBench(SENSOR, { seed: 3 });
      const device = createSimulator('thermo', { scenario: 'normal', protocol: 'gy-mcu90614', bench });
      const host = rigs.track(await SimHost.start({ device, endpoint: { kind: 'pty', hostPath: rigs.path('thermo') } }));
      const common = ['--port', host.hostPath, '--protocol', 'gy-mcu90614', '--technician', 'tech.li', '--data', data.dir];

      const wrong = await runCalibrate([...common, '--blackbody-id', 'BB-7', '--certificate-date', '2026-02-01', '--ambient', '23'], bench, ['999999']);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr.join('\n')).toContain('wrong technician name or PIN');

      const r = await runCalibrate([...common, '--blackbody-id', 'BB-7', '--certificate-date', '2026-02-01', '--ambient', '23'], bench, ['135792']);
      expect(r.stderr.join('\n')).toContain('saved');
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout) as { fit: { gain: number; offsetC: number }; verification: { maxAbsResidualC: number; pass: boolean }; calibrationId: string };
      expect(result.verification.pass).toBe(true);
      expect(result.verification.maxAbsResidualC).toBeLessThanOrEqual(0.05);
      expect(result.fit.gain).toBeCloseTo(1 / 0.97, 2);
      for (const t of [35, 37, 39]) expect(Math.abs(result.fit.gain * (0.97 * t - 0.6) + result.fit.offsetC - t)).toBeLessThan(0.03);

      const drift = await runCalibrate([...common, '--drift-check'], bench, ['135792']);
      expect(drift.code).toBe(0);
      expect(JSON.parse(drift.stdout)).toMatchObject({ driftCheck: { flagged: false }, calibration: result.calibrationId });

      const store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
      try {
        const cal = store.calibrations.latest('thermo-0')!;
        expect(cal.id).toBe(result.calibrationId);
        expect(cal.run).toMatchObject({ kind: 'two-point', blackbody: { id: 'BB-7', certificateDate: '2026-02-01' }, ambientC: 23, protocol: 'gy-mcu90614' });
        expect(store.calibrations.latestCheck(cal.id)).toMatchObject({ flagged: false, referenceC: 37 });
        const actions = store.audit.list(50).map((e) => e.action);
        expect(actions).toEqual(expect.arrayContaining(['calibration.refused', 'calibration.saved', 'calibration.drift-check']));
      } finally {
        store.close();
      }
    } finally {
      data.cleanup();
    }
  }, 120_000);
});
