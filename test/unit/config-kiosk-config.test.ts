import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KioskConfigSchema, loadKioskConfig, parseKioskConfig } from '../../main/config/kiosk-config.js';

const minimal = { checkpoint: { id: 'yk-qiancang-330', name: '千仓卡口' } };

describe('KioskConfigSchema', () => {
  it('a minimal file gets every default', () => {
    const r = parseKioskConfig(minimal);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const c = r.config;
    expect(c.station.mode).toBe('card-then-temp');
    expect(c.policy).toMatchObject({ feverThresholdC: 37.3, mode: 'hard', remeasureOnce: true, staleWatchlist: 'hold-for-staff', watchlistMaxAgeHours: 24 });
    expect(c.policy.colourActions).toEqual({ red: 'hold', orange: 'hold', yellow: 'hold-for-registration', blue: 'pass-with-notice' });
    expect(c.calibration).toMatchObject({ whenMissingOrExpired: 'out-of-service', driftLimitC: 0.2 });
    expect(c.temperature.model).toEqual({ kind: 'linear-heat-balance', k: 0.19 });
    expect(c.temperature.plausibility).toEqual({ ambientMinC: 15, ambientMaxC: 33, bodyMinC: 35, bodyMaxC: 42 });
    expect(c.lists).toBeUndefined();
    expect(c.screening.onDeviceFault).toBe('hold');
    expect(c.screening.duplicateWindowMs).toBe(60_000);
    expect(c.devices.thermometer).toMatchObject({ source: 'simulated', protocol: 'gy-mcu90614' });
    expect(c.ui.language).toBe('zh');
    // The defaults are themselves valid input (round trip).
    expect(KioskConfigSchema.parse(c)).toEqual(c);
  });

  it('partial sections merge with their defaults', () => {
    const r = parseKioskConfig({ ...minimal, policy: { colourActions: { blue: 'hold' } }, screening: { timeouts: { resultMs: 2000 } } });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config.policy.colourActions).toEqual({ red: 'hold', orange: 'hold', yellow: 'hold-for-registration', blue: 'hold' });
    expect(r.config.screening.timeouts).toEqual({ identifyingMs: 15_000, measuringMs: 15_000, remeasuringMs: 30_000, resultMs: 2000 });
  });

  it.each([
    [{ policy: { feverThresholdC: 35.9 } }, 'policy.feverThresholdC: 35.9 is out of range; fix: use a value of at least 36'],
    [{ policy: { feverThresholdC: 40.1 } }, 'policy.feverThresholdC: 40.1 is out of range; fix: use a value of at most 40'],
    [{ policy: { feverThresholdC: '37.3' } }, 'policy.feverThresholdC: "37.3" is not a number; fix: give a number'],
    [{ policy: { mode: 'medium' } }, 'policy.mode: "medium" is not allowed; fix: use one of "hard", "soft"'],
    [{ station: { mode: 'card-first' } }, 'station.mode: "card-first" is not allowed; fix: use one of "card-then-temp", "temp-then-card", "temp-only"'],
    [{ policy: { colourActions: { green: 'hold' } } }, 'policy.colourActions: unknown field "policy.colourActions.green"; fix: remove it or correct the spelling'],
    [{ polcy: {} }, '(top level): unknown field "polcy"; fix: remove it or correct the spelling'],
    [{ devices: { thermometer: { source: 'serial', protocol: 'ascii' } } }, 'devices.thermometer.path: missing is invalid; fix: give "path" (e.g. /dev/serial/by-id/...) or "usb" {vendorId, productId}'],
    [{ devices: { thermometer: { source: 'serial', path: '/dev/ttyUSB0', protocol: 'ascii', baudRate: 9601 } } }, 'devices.thermometer.baudRate: 9601 is invalid; fix: a standard baud rate'],
    [{ devices: { idcard: { source: 'usb' } } }, 'devices.idcard.source: "usb" is not allowed; fix: use one of "simulated", "serial"'],
    [{ devices: { thermometer: { source: 'serial', usb: { vendorId: '1a86', productId: 'xyz' }, protocol: 'gy-mcu90614' } } }, 'devices.thermometer.usb.productId: "xyz" has the wrong format; fix: a 4-digit hex USB product id'],
    [{ temperature: { samples: 3, minSamples: 4 } }, 'temperature.minSamples: 4 is invalid; fix: minSamples must not exceed samples'],
    [{ temperature: { model: { kind: 'ambient-linear', offsetC: 1, referenceAmbientC: 22 } } }, 'temperature.model.ambientCoefficient: missing; fix: give a number'],
    [{ screening: { timeouts: { measuringMs: 0 } } }, 'screening.timeouts.measuringMs: 0 is out of range; fix: use a value of at least 1000'],
    [{ calibration: { whenMissingOrExpired: 'ignore' } }, 'calibration.whenMissingOrExpired: "ignore" is not allowed; fix: use one of "out-of-service", "hold-for-staff", "pass-with-warning"'],
    [{ devices: { thermometer: { source: 'serial', path: '/dev/ttyUSB0', protocol: 'gy-mcu90614', ascii: { query: '?T\r' } } } }, '; fix: "ascii" settings apply to protocol "ascii" only; remove them or set protocol to "ascii"'],
    [{ devices: { thermometer: { source: 'serial', path: '/dev/ttyUSB0', protocol: 'ascii', ascii: { pattern: 'T:\\d+' } } } }, 'devices.thermometer.ascii.pattern: "T:\\\\d+" is invalid; fix: the pattern has no capture group'],
    [{ devices: { thermometer: { source: 'serial', path: '/dev/ttyUSB0', protocol: 'ascii', ascii: { pattern: 'T:(\\d+' } } } }, 'devices.thermometer.ascii.pattern: "T:(\\\\d+" is invalid; fix: not a regular expression'],
    [{ devices: { thermometer: { source: 'serial', path: '/dev/ttyUSB0', protocol: 'ascii', mode: 'query' } } }, 'devices.thermometer.mode: "query" is invalid; fix: query mode needs ascii.query'],
    [{ devices: { thermometer: { source: 'serial', path: '/dev/ttyUSB0', protocol: 'optris-ct', mode: 'continuous' } } }, 'devices.thermometer.mode: "continuous" is invalid; fix: an Optris CT answers only when asked'],
    [{ devices: { thermometer: { source: 'serial', path: '/dev/ttyUSB0', protocol: 'gy-mcu90614', gy: { model: 'gy-906' } } } }, 'devices.thermometer.gy.model: "gy-906" is not allowed; fix: use one of "gy-mcu90614", "gy-mcu90615"'],
    [{ devices: { thermometer: { source: 'serial', path: '/dev/ttyUSB0', protocol: 'optris-ct', ratedRange: { objectC: [50, -50] } } } }, 'devices.thermometer.ratedRange.objectC: [50,-50] is invalid; fix: give [min, max] with min below max'],
    [{ devices: { idcard: { source: 'simulated', protocol: 'ascii-line' } } }, 'devices.idcard.protocol: "ascii-line" is invalid; fix: the simulated reader speaks SAM frames only'],
    [{ devices: { idcard: { source: 'serial', path: '/dev/ttyUSB0', protocol: 'ascii-line', sam: { readFingerprint: true } } } }, '; fix: "sam" settings apply to protocol "sam" only; remove them or set protocol to "sam"'],
  ])('%j → names the field, the value and the fix', (over, expected) => {
    const r = parseKioskConfig({ ...minimal, ...over });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toContain(expected);
  });

  it.each([
    [{ source: 'serial', path: '/dev/ttyUSB1', protocol: 'gy-mcu90614' }, 9600], // GY-MCU90614 factory rate (docs/protocols/gy-mcu90614.md §1)
    [{ source: 'serial', path: '/dev/ttyUSB1', protocol: 'gy-mcu90614', gy: { model: 'gy-mcu90615' } }, 115200],
    [{ source: 'serial', path: '/dev/ttyUSB1', protocol: 'optris-ct' }, 115200], // Optris CT factory rate (docs/protocols/optris-ct.md §1)
    [{ source: 'serial', path: '/dev/ttyUSB1', protocol: 'ascii' }, 9600], // Raytek MI/MI3 factory rate (docs/protocols/ascii-line.md §1)
    [{ source: 'serial', path: '/dev/ttyUSB1', protocol: 'gy-mcu90614', baudRate: 115200 }, 115200], // the file wins
  ])('a serial thermometer %j opens at %i baud unless the file says otherwise', (thermometer, baud) => {
    const r = parseKioskConfig({ ...minimal, devices: { thermometer } });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config.devices.thermometer).toMatchObject({ baudRate: baud });
  });

  it('a serial card reader opens at 115200 for SAM (docs/protocols/sam-reader.md §1) and 9600 for an ASCII-line reader', () => {
    const sam = parseKioskConfig({ ...minimal, devices: { idcard: { source: 'serial', path: '/dev/ttyUSB0' } } });
    const line = parseKioskConfig({ ...minimal, devices: { idcard: { source: 'serial', path: '/dev/ttyUSB0', protocol: 'ascii-line' } } });
    expect(sam.ok && sam.config.devices.idcard).toMatchObject({ baudRate: 115200, protocol: 'sam', sam: { pollIntervalMs: 300 } });
    expect(line.ok && line.config.devices.idcard).toMatchObject({ baudRate: 9600, protocol: 'ascii-line', line: { repeatWithinMs: 2000, maxLineBytes: 256 } });
  });

  it('a missing checkpoint and several problems give one line each', () => {
    const r = parseKioskConfig({ policy: { feverThresholdC: 50, mode: 'x' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      'checkpoint: missing; fix: give an object',
      'policy.mode: "x" is not allowed; fix: use one of "hard", "soft"',
      'policy.feverThresholdC: 50 is out of range; fix: use a value of at most 40',
    ]);
  });

  it('loadKioskConfig: unreadable file and bad JSON are problems, not exceptions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-config-'));
    const missing = await loadKioskConfig(join(dir, 'nope.json'));
    expect(missing).toEqual({ ok: false, problems: [expect.stringMatching(/cannot read the file \(ENOENT\); check the path/)] });
    writeFileSync(join(dir, 'bad.json'), '{"checkpoint": ');
    const bad = await loadKioskConfig(join(dir, 'bad.json'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]).toMatch(/not valid JSON .*; fix the syntax/);
    writeFileSync(join(dir, 'good.json'), JSON.stringify(minimal));
    expect((await loadKioskConfig(join(dir, 'good.json'))).ok).toBe(true);
  });
});
