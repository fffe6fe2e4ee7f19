import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ThermometerDriver, type ThermometerDriverOptions } from '../../drivers/thermometer/thermometer-driver.js';
import { record } from '../fixtures/thermo/driver-recorder.js';
import { ScriptedLink } from '../fixtures/thermo/scripted-link.js';
import { GY_VECTORS, gyFrame, hex } from '../fixtures/thermo/vectors.js';

let link: ScriptedLink;
let driver: ThermometerDriver;

function make(options: Omit<ThermometerDriverOptions, 'link' | 'deviceId' | 'clock'>) {
  driver = new ThermometerDriver({ link, deviceId: 'thermo-1', clock: () => Date.now(), ...options });
  return record(driver);
}

beforeEach(() => {
  vi.useFakeTimers();
  link = new ScriptedLink();
});

afterEach(async () => {
  await driver?.stop();
  vi.useRealTimers();
});

describe('ThermometerDriver: GY-MCU90614 continuous', () => {
  it('sends A5 45 EA on start and emits every valid frame unchanged, with raw frame and time', async () => {
    const rec = make({ protocol: 'gy-mcu90614' });
    await driver.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(link.writesHex()).toEqual(['A545EA']);
    vi.setSystemTime(1_000);
    link.deviceSends(Buffer.concat([hex(GY_VECTORS[0].frame), hex('00 5A 5A 45'), hex(GY_VECTORS[2].frame)]));
    await vi.advanceTimersByTimeAsync(0);
    expect(rec.readings).toEqual([
      { deviceId: 'thermo-1', protocol: 'gy-mcu90614', objectC: 31.92, ambientC: 33.53, outOfRange: false, monotonicMs: 1_000, raw: '5A 5A 45 04 0C 78 0D 19 A7' },
      { deviceId: 'thermo-1', protocol: 'gy-mcu90614', objectC: -5, ambientC: 22, outOfRange: false, monotonicMs: 1_000, raw: '5A 5A 45 04 FE 0C 08 98 A7' },
    ]);
    expect(link.alive).toBe(2);
    expect(driver.online).toBe(true);
    expect(rec.statuses.at(-1)).toMatchObject({ deviceId: 'thermo-1', kind: 'thermometer', state: 'online' });
  });

  it('passes out-of-range values through flagged, never clamped', async () => {
    const rec = make({ protocol: 'gy-mcu90614' });
    await driver.start();
    link.deviceSends(Buffer.concat([gyFrame(-8000, 2500), gyFrame(3650, 2500)]));
    await vi.advanceTimersByTimeAsync(0);
    expect(rec.readings.map((r) => [r.objectC, r.outOfRange])).toEqual([
      [-80, true],
      [36.5, false],
    ]);
  });

  it('reports a bad checksum as a problem and emits no reading for it', async () => {
    const rec = make({ protocol: 'gy-mcu90614' });
    await driver.start();
    link.deviceSends(Buffer.concat([gyFrame(3456, 2500, true), gyFrame(3456, 2500)]));
    await vi.advanceTimersByTimeAsync(0);
    expect(rec.readings).toHaveLength(1);
    expect(rec.problems).toEqual([expect.objectContaining({ code: 'checksum' })]);
    expect(link.alive).toBe(1);
  });

  it('goes offline "no data" after noDataMs of silence, re-sends the mode command, and recovers', async () => {
    const rec = make({ protocol: 'gy-mcu90614', pollIntervalMs: 100 }); // noDataMs = 10 × 100
    await driver.start();
    link.deviceSends(gyFrame(3456, 2500));
    await vi.advanceTimersByTimeAsync(999);
    expect(driver.online).toBe(true);
    await vi.advanceTimersByTimeAsync(2);
    expect(driver.online).toBe(false);
    expect(rec.statuses.at(-1)).toMatchObject({ state: 'offline', reason: 'no data for 1000 ms' });
    expect(link.writesHex()).toEqual(['A545EA', 'A545EA']);
    link.deviceSends(gyFrame(3460, 2500));
    await vi.advanceTimersByTimeAsync(0);
    expect(driver.online).toBe(true);
    expect(rec.readings.at(-1)?.objectC).toBe(34.6);
  });

  it('auto-detects the speed: silent from the start → tries 115200, then 9600, re-sending A5 45 EA each time', async () => {
    const rec = make({ protocol: 'gy-mcu90614', pollIntervalMs: 100 });
    await driver.start();
    await vi.advanceTimersByTimeAsync(1001);
    expect(link.baudRates).toEqual([115200]);
    expect(link.writesHex()).toEqual(['A545EA', 'A545EA']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(link.baudRates).toEqual([115200, 9600]);
    expect(rec.problems.filter((p) => p.code === 'baud')).toHaveLength(2);
    // Once frames flow, silence is reported but the speed is left alone.
    link.deviceSends(gyFrame(3456, 2500));
    await vi.advanceTimersByTimeAsync(3000);
    expect(link.baudRates).toEqual([115200, 9600]);
    expect(rec.statuses.at(-1)).toMatchObject({ state: 'offline', reason: 'no data for 1000 ms' });
  });

  it('leaves the speed alone with autoBaud: false', async () => {
    make({ protocol: 'gy-mcu90614', autoBaud: false });
    await driver.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(link.baudRates).toEqual([]);
  });

  it('follows the link: offline with its reason, then re-sends the mode command and resumes', async () => {
    const rec = make({ protocol: 'gy-mcu90614' });
    await driver.start();
    link.deviceSends(gyFrame(3456, 2500));
    await vi.advanceTimersByTimeAsync(0);
    link.goOffline('USB adapter unplugged');
    expect(rec.statuses.at(-1)).toMatchObject({ state: 'offline', reason: 'USB adapter unplugged' });
    expect(driver.online).toBe(false);
    // No 'no data' noise while the link itself is down.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(rec.statuses.at(-1)).toMatchObject({ reason: 'USB adapter unplugged' });
    link.goOnline();
    await vi.advanceTimersByTimeAsync(0);
    expect(link.writesHex()).toEqual(['A545EA', 'A545EA']);
    expect(rec.statuses.at(-1)).toMatchObject({ state: 'connecting' });
    link.deviceSends(gyFrame(3470, 2500));
    await vi.advanceTimersByTimeAsync(0);
    expect(driver.online).toBe(true);
    expect(rec.readings.map((r) => r.objectC)).toEqual([34.56, 34.7]);
  });

  it('a throwing reading listener becomes a problem, not an uncaught error', async () => {
    const rec = make({ protocol: 'gy-mcu90614' });
    driver.on('reading', () => {
      throw new Error('listener bug');
    });
    await driver.start();
    link.deviceSends(gyFrame(3456, 2500));
    await vi.advanceTimersByTimeAsync(0);
    expect(rec.problems).toEqual([expect.objectContaining({ code: 'internal', message: expect.stringContaining('listener bug') })]);
  });
});

describe('ThermometerDriver: GY-MCU90614 query mode', () => {
  it('queries with A5 15 BA every interval, one at a time; three misses → offline; replies → online', async () => {
    const rec = make({ protocol: 'gy-mcu90614', mode: 'query', pollIntervalMs: 200, timeouts: { replyMs: 300 } });
    let answer = true;
    link.onWrite = (b) => {
      if (answer && b.equals(hex('A5 15 BA'))) link.deviceSends(gyFrame(3456, 2500));
    };
    await driver.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(rec.readings).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(rec.readings).toHaveLength(2);
    expect(link.writesHex().every((w) => w === 'A515BA')).toBe(true);

    answer = false;
    await vi.advanceTimersByTimeAsync(3 * (200 + 300) + 50);
    expect(rec.problems.filter((p) => p.code === 'timeout')).toHaveLength(3);
    expect(rec.problems[0]?.message).toBe('no reply to query A5 15 BA within 300 ms');
    expect(rec.statuses.at(-1)).toMatchObject({ state: 'offline', reason: 'no reply to 3 queries in a row' });

    answer = true;
    await vi.advanceTimersByTimeAsync(500);
    expect(driver.online).toBe(true);
  });
});

describe('ThermometerDriver: Optris CT (framed by request)', () => {
  it('flushes, sends 01 and decodes the 2-byte reply even when it arrives split', async () => {
    const rec = make({ protocol: 'optris-ct' });
    link.onWrite = (b) => {
      if (b[0] !== 0x01) return;
      link.deviceSends(hex('04'));
      setTimeout(() => link.deviceSends(hex('D3')), 30);
    };
    await driver.start();
    await vi.advanceTimersByTimeAsync(50);
    expect(link.flushes).toBe(1);
    expect(link.writesHex()).toEqual(['01']);
    expect(rec.readings).toEqual([expect.objectContaining({ protocol: 'optris-ct', objectC: 23.5, raw: '04 D3', outOfRange: false })]);
    expect(rec.readings[0]?.ambientC).toBeUndefined();
  });

  it('discards a half reply after the inter-byte timeout: the next reading is not shifted', async () => {
    const rec = make({ protocol: 'optris-ct', pollIntervalMs: 200, timeouts: { interByteMs: 50 } });
    let n = 0;
    link.onWrite = (b) => {
      if (b[0] !== 0x01) return;
      n += 1;
      if (n === 1) link.deviceSends(hex('04')); // D3 lost on the wire
      else link.deviceSends(hex('05 55'));
    };
    await driver.start();
    await vi.advanceTimersByTimeAsync(60);
    expect(rec.problems).toEqual([expect.objectContaining({ code: 'incomplete', message: expect.stringContaining('04') })]);
    expect(rec.readings).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(rec.readings.map((r) => r.objectC)).toEqual([36.5]);
  });

  it('ignores bytes that arrive outside a request (late or stray) and keeps later readings aligned', async () => {
    const rec = make({ protocol: 'optris-ct', pollIntervalMs: 200 });
    link.onWrite = (b) => {
      if (b[0] === 0x01) link.deviceSends(hex('05 55 99')); // one extra byte after the reply
    };
    await driver.start();
    await vi.advanceTimersByTimeAsync(100);
    link.deviceSends(hex('D3')); // a stray byte between polls
    await vi.advanceTimersByTimeAsync(200);
    expect(rec.readings.map((r) => r.objectC)).toEqual([36.5, 36.5]);
    expect(rec.problems.filter((p) => p.code === 'stray-bytes').length).toBeGreaterThanOrEqual(2);
  });

  it('reads the head temperature with 02 as ambientC when asked', async () => {
    const rec = make({ protocol: 'optris-ct', optrisHeadTemperature: true });
    link.onWrite = (b) => link.deviceSends(b[0] === 0x01 ? hex('05 55') : hex('04 D3'));
    await driver.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(link.writesHex()).toEqual(['01', '02']);
    expect(rec.readings).toEqual([expect.objectContaining({ objectC: 36.5, ambientC: 23.5, raw: '05 55 / 04 D3' })]);
  });

  it('flags a target outside the rated range without changing it', async () => {
    const rec = make({ protocol: 'optris-ct' });
    link.onWrite = () => link.deviceSends(hex('00 00'));
    await driver.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(rec.readings[0]).toMatchObject({ objectC: -100, outOfRange: true });
  });

  it('rejects continuous mode', () => {
    expect(() => make({ protocol: 'optris-ct', mode: 'continuous' })).toThrow(/mode: Optris CT answers only when asked/);
  });
});

describe('ThermometerDriver: ASCII', () => {
  it('queries a Raytek pyrometer with ?T\\r; a "*" reply is a device error, not a reading', async () => {
    const rec = make({ protocol: 'ascii', ascii: { query: '?T\r', delimiter: '\r\n' } });
    let n = 0;
    link.onWrite = () => link.deviceSends(++n === 1 ? '*Syntax error\r\n' : '!T34.6\r\n');
    await driver.start();
    await vi.advanceTimersByTimeAsync(250);
    expect(link.writes.map((w) => w.toString('latin1'))).toEqual(['?T\r', '?T\r']);
    expect(rec.problems).toEqual([expect.objectContaining({ code: 'device-error', message: expect.stringContaining('*Syntax error') })]);
    expect(rec.readings).toEqual([expect.objectContaining({ protocol: 'ascii', objectC: 34.6, raw: '!T34.6' })]);
    expect(rec.problems.some((p) => p.code === 'timeout')).toBe(false);
  });

  it('reads a streaming module in °F, converted by formula', async () => {
    const rec = make({ protocol: 'ascii', ascii: { unit: 'F' } });
    await driver.start();
    link.deviceSends('T:97.70 TA:77.00\r\n');
    await vi.advanceTimersByTimeAsync(0);
    expect(link.writes).toHaveLength(0);
    expect(rec.readings[0]?.objectC).toBeCloseTo(36.5, 10);
    expect(rec.readings[0]?.ambientC).toBeCloseTo(25, 10);
  });

  it('starts a fresh line after a reconnect: a fragment from before is not glued to the next line', async () => {
    const rec = make({ protocol: 'ascii' });
    await driver.start();
    link.deviceSends('T:3');
    await vi.advanceTimersByTimeAsync(0);
    link.goOffline('unplugged');
    link.goOnline();
    link.deviceSends('4.5 TA:25.0\r\nT:34.6\r\n');
    await vi.advanceTimersByTimeAsync(0);
    expect(rec.readings.map((r) => r.objectC)).toEqual([34.6]);
    expect(rec.problems).toEqual([expect.objectContaining({ code: 'unparsable' })]);
  });

  it('needs a query in query mode', () => {
    expect(() => make({ protocol: 'ascii', mode: 'query' })).toThrow(/ascii\.query is needed/);
  });
});

describe('ThermometerDriver lifecycle', () => {
  it('rejects bad options naming the field', () => {
    expect(() => make({ protocol: 'gy-mcu90614', mode: 'stream' as 'query' })).toThrow(/mode must be "query" or "continuous"/);
    expect(() => make({ protocol: 'gy-mcu90614', gyModel: 'gy-906' as 'gy-mcu90614' })).toThrow(/gyModel must be one of gy-mcu90614, gy-mcu90615/);
    expect(() => make({ protocol: 'gy-mcu90614', pollIntervalMs: 0 })).toThrow(/pollIntervalMs must be a positive/);
    expect(() => make({ protocol: 'gy-mcu90614', timeouts: { replyMs: -1 } })).toThrow(/timeouts\.replyMs must be a positive/);
    expect(() => make({ protocol: 'ir' as 'ascii' })).toThrow(/protocol "ir" is unknown/);
    driver = undefined as unknown as ThermometerDriver;
  });

  it('stop() cancels polling and closes the link', async () => {
    const rec = make({ protocol: 'optris-ct' });
    link.onWrite = () => link.deviceSends(hex('05 55'));
    await driver.start();
    await vi.advanceTimersByTimeAsync(10);
    await driver.stop();
    const writes = link.writes.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(link.writes.length).toBe(writes);
    expect(link.closed).toBe(true);
    expect(rec.statuses.at(-1)).toMatchObject({ state: 'offline', reason: 'driver stopped' });
  });
});
