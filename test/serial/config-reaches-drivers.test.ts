import { execFileSync, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../drivers/sim/create-simulator.js';
import { isSocatAvailable } from '../../drivers/sim/pty-pair.js';
import { SimHost } from '../../drivers/sim/sim-host.js';
import type { ScenarioName, SimulatedDevice, SimulatedDeviceEvents } from '../../drivers/sim/simulated-device.js';
import { loadKioskConfig } from '../../main/config/kiosk-config.js';
import type { ScreenState } from '../../main/contract/messages.js';
import { KioskHost } from '../../main/host/kiosk-host.js';
import { createLogger } from '../../main/host/logger.js';
import { ptyDir } from './link-fixtures.js';

/**
 * Item 8.3, the real-device path: a technician's configuration file naming two pseudo-terminals, a
 * fresh data directory, the host started from that file. Nothing in it is simulated by the host: a
 * SAM simulator sits behind one pty, and behind the other an ASCII thermometer of a kind the default
 * patterns do not read (`OBJ=36.70C AMB=24.10C`, answering `READ\r`), so readings can only arrive if
 * the configured query and pattern reached the driver. The line speed the host set is read back from
 * the tty itself (`stty -F`): termios belongs to the terminal, not to one open file.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const socat = isSocatAvailable();

/** A thermometer that answers `READ\r` with one line in its own format. Test equipment only. */
class CustomAsciiThermometer extends EventEmitter<SimulatedDeviceEvents> implements SimulatedDevice {
  readonly kind = 'thermometer' as const;
  readonly scenario: ScenarioName = 'normal';
  /** Every byte the kiosk sent, in order. */
  received = '';
  private pending = '';
  constructor(private readonly objectC: string) {
    super();
  }
  receive(bytes: Buffer): void {
    this.received += bytes.toString('latin1');
    this.pending += bytes.toString('latin1');
    let at: number;
    while ((at = this.pending.indexOf('READ\r')) !== -1) {
      this.pending = this.pending.slice(at + 5);
      this.emit('transmit', Buffer.from(`OBJ=${this.objectC}C AMB=24.10C\r\n`, 'latin1'));
    }
  }
  start(): void {}
  stop(): void {}
}

let tmp: ReturnType<typeof ptyDir>;
const cleanups: Array<() => Promise<void> | void> = [];
beforeAll(() => {
  tmp = ptyDir('config');
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => tmp?.remove());

const ttySpeed = (path: string) => Number(execFileSync('stty', ['-F', path, 'speed'], { encoding: 'utf8' }).trim());

async function startHost(configJson: unknown): Promise<{ host: KioskHost; screens: ScreenState[]; dataDir: string; configFile: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-config-data-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const configFile = join(dataDir, '..', `${dataDir.split('/').pop()}.json`);
  writeFileSync(configFile, JSON.stringify(configJson, null, 2));
  cleanups.push(() => rmSync(configFile, { force: true }));
  const loaded = await loadKioskConfig(configFile);
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const host = await KioskHost.start({ config: loaded.config, dataDir, simulate: false, scenarios: null, log: createLogger({ level: 'warn', destination: process.stderr }) });
  cleanups.push(() => host.stop());
  const screens: ScreenState[] = [];
  host.on('screen', (s) => screens.push(s));
  return { host, screens, dataDir, configFile };
}

/** Resolves once `pred()` holds, re-checked on each screen the host publishes and each device status. */
function whenHost(host: KioskHost, pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      host.off('screen', check);
      ui.detach();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what}: not within ${timeoutMs} ms; health ${JSON.stringify(host.health())}`));
    }, timeoutMs);
    const check = () => {
      if (!pred()) return;
      done();
      resolve();
    };
    host.on('screen', check);
    // Device status changes reach UIs as contract broadcasts: listen as a UI would.
    const ui = host.contract.attach({ send: check, close: () => {} }, 'test');
  });
}

async function simHost(device: SimulatedDevice, name: string, baudRate: number): Promise<SimHost> {
  const h = await SimHost.start({ device, endpoint: { kind: 'pty', hostPath: join(tmp.dir, name) }, baudRate });
  cleanups.push(() => h.stop());
  return h;
}

describe.skipIf(!socat)(`a technician's configuration reaches the drivers (pty)${socat ? '' : ' (skipped: socat is not installed)'}`, () => {
  it('ASCII thermometer with its own query and pattern at 9600, SAM reader at its default: the kiosk reads both and screens', async () => {
    const thermo = new CustomAsciiThermometer('36.70');
    const thermoPort = await simHost(thermo, 'thermo-ascii', 9600);
    const cardPort = await simHost(createSimulator('idcard', { scenario: 'card-left' }), 'idcard-sam', 115200);
    const config = {
      checkpoint: { id: 'bench-ascii', name: '台架测试' },
      devices: {
        idcard: { source: 'serial', path: cardPort.hostPath },
        thermometer: {
          source: 'serial',
          path: thermoPort.hostPath,
          protocol: 'ascii',
          baudRate: 9600,
          ascii: { query: 'READ\r', pattern: '^OBJ=(-?\\d+\\.\\d+)C AMB=(?<ambient>-?\\d+\\.\\d+)C$', delimiter: '\r\n' },
        },
      },
      temperature: { model: { kind: 'constant-offset', offsetC: 0.4 } },
      // No calibration is recorded in this fresh data directory: screen anyway (held for staff) so the
      // temperature the custom lines carry reaches the result screen.
      calibration: { whenMissingOrExpired: 'hold-for-staff' },
    };
    const { host, screens } = await startHost(config);
    const online = (kind: string) => host.health().devices.some((d) => d.kind === kind && d.state === 'online');
    await whenHost(host, () => online('thermometer') && online('idcard'), 'both devices online');
    // The line speeds the host set on the ttys: the configured 9600, and SAM's 115200 by default.
    expect(ttySpeed(thermoPort.hostPath)).toBe(9600);
    expect(ttySpeed(cardPort.hostPath)).toBe(115200);
    // The configured query went out, nothing else.
    expect(thermo.received).toMatch(/^(READ\r)+$/);
    // The card left on the reader starts a screening; the custom lines give its temperature.
    await whenHost(host, () => screens.some((s) => s.screen === 'pass' || s.screen === 'hold'), 'a result screen');
    const result = screens.find((s) => s.screen === 'pass' || s.screen === 'hold')!;
    expect(result.screen === 'pass' || result.screen === 'hold' ? result.temperatureC : null).toBe(36.7 + 0.4);
    if (result.screen === 'hold') expect(result.reasons.map((r) => r.code)).not.toContain('NO_TEMPERATURE');
  });

  it('a GY-MCU90614 without baudRate opens at its factory 9600, a GY-MCU90615 at 115200 (never 115200 for every device)', async () => {
    const gy = await simHost(createSimulator('thermo', { scenario: 'no-card', protocol: 'gy-mcu90614' }), 'thermo-gy', 9600);
    const card = await simHost(createSimulator('idcard', { scenario: 'no-card' }), 'idcard-gy', 115200);
    const { host } = await startHost({
      checkpoint: { id: 'bench-gy', name: '台架测试' },
      devices: { idcard: { source: 'serial', path: card.hostPath }, thermometer: { source: 'serial', path: gy.hostPath, protocol: 'gy-mcu90614' } },
    });
    await whenHost(host, () => host.health().devices.some((d) => d.kind === 'thermometer' && d.state === 'online'), 'thermometer online');
    expect(ttySpeed(gy.hostPath)).toBe(9600);
    await host.stop();

    const gy15 = await simHost(createSimulator('thermo', { scenario: 'no-card', protocol: 'gy-mcu90614', gyAutoOutput: false }), 'thermo-gy15', 115200);
    const { host: host15 } = await startHost({
      checkpoint: { id: 'bench-gy15', name: '台架测试' },
      devices: { idcard: { source: 'serial', path: card.hostPath }, thermometer: { source: 'serial', path: gy15.hostPath, protocol: 'gy-mcu90614', gy: { model: 'gy-mcu90615' } } },
    });
    // A 90615 does not stream after power-up: it comes online only because the driver sent the mode command.
    await whenHost(host15, () => host15.health().devices.some((d) => d.kind === 'thermometer' && d.state === 'online'), '90615 online');
    expect(ttySpeed(gy15.hostPath)).toBe(115200);
  });

  it('kiosk config print shows the protocol settings and line speeds the drivers use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-print-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'kiosk.json');
    writeFileSync(
      file,
      JSON.stringify({
        checkpoint: { id: 'bench-print', name: '台架' },
        devices: { idcard: { source: 'serial', path: '/dev/ttyUSB0' }, thermometer: { source: 'serial', path: '/dev/ttyUSB1', protocol: 'ascii', ascii: { query: '?T\r' } } },
      }),
    );
    if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
    const r = spawnSync(process.execPath, [join(root, 'bin', 'kiosk.js'), 'config', 'print', file], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const devices = (JSON.parse(r.stdout) as { devices: Record<string, unknown> }).devices;
    expect(devices.idcard).toEqual({
      source: 'serial',
      path: '/dev/ttyUSB0',
      id: 'idcard-0',
      protocol: 'sam',
      baudRate: 115200,
      sam: { pollIntervalMs: 300, readFingerprint: false, readNewAddress: false, probeBaudRates: false, setMaxRfBytes: false },
    });
    expect(devices.thermometer).toEqual({
      source: 'serial',
      path: '/dev/ttyUSB1',
      id: 'thermo-0',
      protocol: 'ascii',
      baudRate: 9600,
      pollIntervalMs: 200,
      ascii: { query: '?T\r', ignoreCase: false, unit: 'C', delimiter: '\n', maxLineBytes: 256 },
    });
  });
});
