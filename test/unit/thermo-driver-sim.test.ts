import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SIM_FRAME_INTERVAL_MS, SIM_SCRIPT_MS, ThermometerSimulator, type ThermometerSimulatorOptions } from '../../drivers/sim/thermometer-simulator.js';
import type { ScenarioName } from '../../drivers/sim/simulated-device.js';
import type { ThermoProtocol, ThermoReading } from '../../drivers/thermometer/reading.js';
import { ThermometerDriver, type ThermometerDriverOptions } from '../../drivers/thermometer/thermometer-driver.js';
import { MemoryLink } from '../../drivers/transport/memory-link.js';
import { record, type DriverRecord } from '../fixtures/thermo/driver-recorder.js';

/**
 * The driver against the simulator speaking real bytes, in-process over MemoryLink, on fake
 * timers: each scenario's script (idle → person at 1.5 s → leaves at 4.5 s → done at 5 s) plays
 * in virtual time.
 */
interface Setup {
  name: string;
  protocol: ThermoProtocol;
  driver?: Partial<ThermometerDriverOptions>;
  sim?: Partial<ThermometerSimulatorOptions>;
}

const SETUPS: Setup[] = [
  { name: 'GY continuous', protocol: 'gy-mcu90614' },
  { name: 'GY query', protocol: 'gy-mcu90614', driver: { mode: 'query' } },
  { name: 'Optris CT', protocol: 'optris-ct', driver: { optrisHeadTemperature: true } },
  { name: 'ASCII Raytek query', protocol: 'ascii', driver: { ascii: { query: '?T\r' } }, sim: { ascii: { query: '?T\r' } } },
  { name: 'ASCII streaming module', protocol: 'ascii' },
  { name: 'ASCII °F module', protocol: 'ascii', driver: { ascii: { unit: 'F' } }, sim: { ascii: { unit: 'F' } } },
];

const IDLE: [number, number] = [25.2, 26.8];
// The simulator's people in its default 25 °C room (drivers/sim/forehead-physics.ts, checked by
// hand against the heat balance): 36.6 °C body → 34.76 °C skin, 38.5 °C body → 36.32 °C skin, ± 0.1 sensor noise.
const NORMAL_SKIN: [number, number] = [34.65, 34.86];
const FEVER_SKIN: [number, number] = [36.21, 36.42];
/** Device resolution (0.1 °C on Optris and Raytek) plus float noise of the °F round trip. */
const SLACK = 0.051;

const within = (v: number, [lo, hi]: [number, number]) => v >= lo - SLACK && v <= hi + SLACK;

let sim: ThermometerSimulator;
let driver: ThermometerDriver;

function rig(setup: Setup, scenario: ScenarioName): DriverRecord {
  sim = new ThermometerSimulator({ protocol: setup.protocol, scenario, seed: 7, ...setup.sim });
  const link = new MemoryLink(sim);
  driver = new ThermometerDriver({ link, deviceId: 'thermo-sim', protocol: setup.protocol, clock: () => Date.now(), ...setup.driver });
  return record(driver);
}

async function play(ms = SIM_SCRIPT_MS.done + 1000): Promise<void> {
  sim.start();
  await driver.start();
  await vi.advanceTimersByTimeAsync(ms);
}

/** Readings well inside a phase of the script (away from the transitions). */
const during = (readings: ThermoReading[], from: number, to: number) => readings.filter((r) => r.monotonicMs >= from && r.monotonicMs < to);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});

afterEach(async () => {
  await driver?.stop();
  sim?.stop();
  vi.useRealTimers();
});

describe.each(SETUPS)('driver + simulator: $name', (setup) => {
  it('normal: idle scene, then a normal skin temperature, then idle again; values as sent', async () => {
    const rec = rig(setup, 'normal');
    const done = vi.fn();
    sim.on('done', done);
    await play();
    expect(done).toHaveBeenCalledOnce();
    expect(driver.online).toBe(true);
    expect(rec.readings.length).toBeGreaterThan(15);
    const idle = [...during(rec.readings, 0, 1400), ...during(rec.readings, 4700, 6000)];
    const person = during(rec.readings, 1700, 4300);
    expect(idle.length).toBeGreaterThan(3);
    expect(person.length).toBeGreaterThan(5);
    for (const r of idle) expect(within(r.objectC, IDLE), `idle ${r.objectC}`).toBe(true);
    for (const r of person) expect(within(r.objectC, NORMAL_SKIN), `person ${r.objectC}`).toBe(true);
    for (const r of rec.readings) {
      expect(r.outOfRange).toBe(false);
      expect(r.deviceId).toBe('thermo-sim');
      // The frame as received: GY 9 bytes in hex (docs/protocols/gy-mcu90614.md §2), Optris target + head replies of 2 bytes (docs/protocols/optris-ct.md §3), the ASCII line itself.
      expect(r.raw).toMatch({ 'gy-mcu90614': /^5A 5A 45 04( [0-9A-F]{2}){5}$/, 'optris-ct': /^[0-9A-F]{2} [0-9A-F]{2} \/ [0-9A-F]{2} [0-9A-F]{2}$/, ascii: /^(!T|T:)-?\d/ }[setup.protocol]);
    }
    expect(rec.problems).toEqual([]);
  });

  it('fever: skin readings of a febrile person (36.2–36.4 °C)', async () => {
    const rec = rig(setup, 'fever');
    await play();
    const person = during(rec.readings, 1700, 4300);
    expect(person.length).toBeGreaterThan(5);
    for (const r of person) expect(within(r.objectC, FEVER_SKIN), `person ${r.objectC}`).toBe(true);
  });

  it('garbage: noise between frames is dropped, every reading is still a true value', async () => {
    const rec = rig(setup, 'garbage');
    await play();
    expect(rec.readings.length).toBeGreaterThan(15);
    for (const r of rec.readings) expect(within(r.objectC, IDLE) || within(r.objectC, NORMAL_SKIN), `${r.objectC} from ${r.raw}`).toBe(true);
    expect(driver.online).toBe(true);
  });

  it('bad-checksum: corrupted frames are dropped and reported, good ones pass', async () => {
    const rec = rig(setup, 'bad-checksum');
    await play();
    expect(rec.readings.length).toBeGreaterThan(10);
    for (const r of rec.readings) expect(within(r.objectC, IDLE) || within(r.objectC, NORMAL_SKIN), `${r.objectC} from ${r.raw}`).toBe(true);
    const expectedProblem = { 'gy-mcu90614': 'checksum', ascii: 'unparsable', 'optris-ct': undefined }[setup.protocol];
    if (expectedProblem) expect(rec.problems.some((p) => p.code === expectedProblem)).toBe(true);
    else expect(rec.problems).toEqual([]); // Optris replies carry no checksum: nothing to corrupt
  });

  it('unplug: offline with the link reason mid-frame, then back online with readings again', async () => {
    const rec = rig(setup, 'unplug');
    await play(SIM_SCRIPT_MS.done + 3000);
    const offline = rec.statuses.find((s) => s.state === 'offline');
    expect(offline?.reason).toMatch(/unplugged/);
    expect(rec.statuses.slice(rec.statuses.indexOf(offline!) + 1).map((s) => s.state)).toContain('online');
    expect(rec.readings.some((r) => r.monotonicMs > offline!.atMs + SIM_SCRIPT_MS.unplugFor)).toBe(true);
    for (const r of rec.readings) expect(within(r.objectC, IDLE) || within(r.objectC, NORMAL_SKIN), `${r.objectC} from ${r.raw}`).toBe(true);
    expect(driver.online).toBe(true);
  });

  it('slow: late replies and byte-by-byte trickle still decode', async () => {
    const rec = rig(setup, 'slow');
    await play();
    expect(rec.readings.length).toBeGreaterThan(8);
    for (const r of rec.readings) expect(within(r.objectC, IDLE) || within(r.objectC, NORMAL_SKIN), `${r.objectC} from ${r.raw}`).toBe(true);
    expect(rec.problems.filter((p) => p.code === 'incomplete' || p.code === 'timeout')).toEqual([]);
  });
});

describe('ThermometerSimulator', () => {
  it('card scenarios look like normal to the thermometer', async () => {
    for (const scenario of ['no-card', 'card-left'] as const) {
      vi.setSystemTime(0);
      const rec = rig({ name: 'GY', protocol: 'gy-mcu90614' }, scenario);
      await play();
      const person = during(rec.readings, 1700, 4300);
      expect(person.length).toBeGreaterThan(5);
      for (const r of person) expect(within(r.objectC, NORMAL_SKIN)).toBe(true);
      await driver.stop();
      sim.stop();
    }
  });

  it('is deterministic for a seed and never calls Math.random', async () => {
    const random = vi.spyOn(Math, 'random');
    const capture = async (seed: number) => {
      const s = new ThermometerSimulator({ protocol: 'gy-mcu90614', scenario: 'garbage', seed });
      const bytes: Buffer[] = [];
      s.on('transmit', (b) => bytes.push(b));
      s.start();
      await vi.advanceTimersByTimeAsync(3000);
      s.stop();
      return Buffer.concat(bytes).toString('hex');
    };
    const a = await capture(11);
    const b = await capture(11);
    const c = await capture(12);
    expect(a.length).toBeGreaterThan(100);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(random).not.toHaveBeenCalled();
    random.mockRestore();
  });

  it('GY: streams from power-up, answers A5 15 BA with one frame and stops streaming', async () => {
    const s = new ThermometerSimulator({ protocol: 'gy-mcu90614', scenario: 'normal' });
    const bytes: Buffer[] = [];
    s.on('transmit', (b) => bytes.push(b));
    s.start();
    await vi.advanceTimersByTimeAsync(1000);
    // One 9-byte frame per 100 ms frame interval: 10 in the first second.
    expect(bytes.map((b) => b.length)).toEqual(Array(1000 / SIM_FRAME_INTERVAL_MS).fill(9));
    for (const b of bytes) expect(b.subarray(0, 4).toString('hex')).toBe('5a5a4504');
    bytes.length = 0;
    s.receive(Buffer.from([0xa5, 0x15, 0xba]));
    await vi.advanceTimersByTimeAsync(1000);
    expect(bytes).toHaveLength(1);
    expect(bytes[0]!.subarray(0, 4).toString('hex')).toBe('5a5a4504');
    s.stop();
  });

  it('ASCII Raytek: answers "?T\\r" and rejects other commands with "*"', () => {
    const s = new ThermometerSimulator({ protocol: 'ascii', scenario: 'normal', ascii: { query: '?T\r' } });
    const out: string[] = [];
    s.on('transmit', (b) => out.push(b.toString('latin1')));
    s.start();
    s.receive(Buffer.from('?T\r'));
    s.receive(Buffer.from('XYZ\r'));
    expect(out[0]).toMatch(/^!T2\d\.\d\r\n$/);
    expect(out[1]).toBe('*Syntax error\r\n');
    s.stop();
  });

  it('Optris: answers 01 with two bytes', () => {
    const s = new ThermometerSimulator({ protocol: 'optris-ct', scenario: 'normal' });
    const out: Buffer[] = [];
    s.on('transmit', (b) => out.push(b));
    s.start();
    s.receive(Buffer.from([0x01]));
    expect(out).toHaveLength(1);
    expect(out[0]).toHaveLength(2);
    s.stop();
  });
});
