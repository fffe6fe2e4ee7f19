import { describe, expect, it } from 'vitest';
import { IdCardDriver } from '../../drivers/idcard/idcard-driver.js';
import { LineIdCardReader } from '../../drivers/idcard/line-idcard-reader.js';
import type { ThermoReading } from '../../drivers/thermometer/reading.js';
import { parseKioskConfig, type KioskConfig } from '../../main/config/kiosk-config.js';
import { idcardReaderFor, thermometerDriverFor, thermometerSimulatorOptionsFor } from '../../main/host/device-drivers.js';
import { ScriptedLink } from '../fixtures/thermo/scripted-link.js';

/**
 * Each protocol option of the configuration changes what the driver does on the wire. Expected
 * bytes are the reference's frames: SAM `30 10` read with fingerprint = AA AA AA 96 69 00 03 30 10 23
 * (docs/protocols/sam-reader.md §4), Optris `01` target / `02` head temperature (docs/protocols/optris-ct.md §2).
 */
function devices(d: Record<string, unknown>): KioskConfig['devices'] {
  const r = parseKioskConfig({ checkpoint: { id: 'cp', name: 'cp' }, devices: d });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.config.devices;
}

const until = (cond: () => boolean, link: ScriptedLink) =>
  new Promise<void>((resolve) => {
    const check = () => {
      if (!cond()) return;
      link.off('data', check);
      resolve();
    };
    link.on('data', check);
    check();
  });

describe('configuration → drivers', () => {
  it('thermometer: Optris headTemperature makes the driver ask for the head temperature (02) after each target (01)', async () => {
    const cfg = devices({ thermometer: { source: 'serial', path: '/dev/ttyUSB1', protocol: 'optris-ct', optris: { headTemperature: true }, pollIntervalMs: 20 } }).thermometer;
    const link = new ScriptedLink();
    // 04 D3 = 23.5 °C (the Optris manual's sample); 05 55 = 36.5 °C.
    link.onWrite = (b) => link.deviceSends(b[0] === 0x01 ? Buffer.from([0x05, 0x55]) : Buffer.from([0x04, 0xd3]));
    const driver = thermometerDriverFor(cfg, link);
    const got = new Promise<ThermoReading>((resolve) => driver.once('reading', resolve));
    await driver.start();
    const reading = await got;
    await driver.stop();
    expect(link.writesHex().slice(0, 2)).toEqual(['01', '02']);
    expect(reading).toMatchObject({ objectC: 36.5, ambientC: 23.5 });
  });

  it('thermometer: ASCII unit F and a case-insensitive pattern are applied (97.7 °F = 36.5 °C)', async () => {
    const cfg = devices({ thermometer: { source: 'serial', path: '/dev/ttyUSB1', protocol: 'ascii', ascii: { pattern: '^obj (\\d+\\.\\d+)$', ignoreCase: true, unit: 'F' } } }).thermometer;
    const link = new ScriptedLink();
    const driver = thermometerDriverFor(cfg, link);
    const got = new Promise<ThermoReading>((resolve) => driver.once('reading', resolve));
    await driver.start();
    link.deviceSends('OBJ 97.7\n');
    expect((await got).objectC).toBeCloseTo(36.5, 10);
    await driver.stop();
  });

  it('thermometer: a simulated device speaks the standard lines, so a custom pattern is left out for it', async () => {
    const cfg = devices({ thermometer: { source: 'serial', path: '/dev/ttyUSB1', protocol: 'ascii', ascii: { pattern: '^OBJ (\\d+\\.\\d+)$' } } }).thermometer;
    const real = new ScriptedLink();
    const sim = new ScriptedLink();
    const onReal = thermometerDriverFor(cfg, real);
    const onSim = thermometerDriverFor(cfg, sim, { simulated: true });
    const seen = { real: [] as number[], sim: [] as number[] };
    onReal.on('reading', (r) => seen.real.push(r.objectC));
    onSim.on('reading', (r) => seen.sim.push(r.objectC));
    await Promise.all([onReal.start(), onSim.start()]);
    for (const link of [real, sim]) link.deviceSends('T:36.50 TA:25.00\nOBJ 34.10\n');
    await Promise.all([onReal.stop(), onSim.stop()]);
    expect(seen).toEqual({ real: [34.1], sim: [36.5] });
  });

  it('thermometer: a GY-MCU90615 simulator does not stream at power-up, as the board', () => {
    expect(thermometerSimulatorOptionsFor(devices({ thermometer: { source: 'simulated', protocol: 'gy-mcu90614', gy: { model: 'gy-mcu90615' } } }).thermometer)).toEqual({ gyAutoOutput: false });
    expect(thermometerSimulatorOptionsFor(devices({ thermometer: { source: 'simulated', protocol: 'ascii', ascii: { query: '?T\r' } } }).thermometer)).toEqual({ ascii: { query: '?T\r', unit: 'C' } });
  });

  it('card reader: protocol ascii-line gives the line reader; SAM readFingerprint reads with 30 10', async () => {
    const line = devices({ idcard: { source: 'serial', path: '/dev/ttyUSB0', protocol: 'ascii-line' } }).idcard;
    expect(idcardReaderFor(line, new ScriptedLink())).toBeInstanceOf(LineIdCardReader);

    const sam = devices({ idcard: { source: 'serial', path: '/dev/ttyUSB0', sam: { readFingerprint: true, pollIntervalMs: 100 } } }).idcard;
    const link = new ScriptedLink();
    const reply = (hex: string) => link.deviceSends(Buffer.from(hex, 'hex'));
    link.onWrite = (b) => {
      const cmd = b.subarray(7, 9).toString('hex');
      if (cmd === '11ff') reply('aaaaaa9669000400009094'); // status OK (§9.1)
      else if (cmd === '12ff') reply('aaaaaa9669000400002125'); // SW3 21 unknown command (XOR 04^21 = 25): no SAM id here
      else if (cmd === '2001') reply('aaaaaa9669000800009f0000000097'); // find OK (§9.1)
      else if (cmd === '2002') reply('aaaaaa9669000c00009000000000000000009c'); // select OK (§9.1)
      else reply('aaaaaa9669000400004145'); // read failed (§9.1): we only look at which read was asked
    };
    const reader = idcardReaderFor(sam, link);
    expect(reader).toBeInstanceOf(IdCardDriver);
    await reader.start();
    await until(() => link.writesHex().includes('AAAAAA966900033010' + '23'), link);
    await reader.stop();
    expect(link.writesHex()).not.toContain('AAAAAA96690003300132');
  });
});
