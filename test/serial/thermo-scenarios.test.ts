import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../drivers/device-status.js';
import { createSimulator, defaultSimulatorBaud } from '../../drivers/sim/create-simulator.js';
import { isSocatAvailable } from '../../drivers/sim/pty-pair.js';
import { SimHost } from '../../drivers/sim/sim-host.js';
import type { ScenarioName } from '../../drivers/sim/simulated-device.js';
import type { ThermometerSimulatorOptions } from '../../drivers/sim/thermometer-simulator.js';
import { THERMO_PROTOCOLS, type ThermoProtocol, type ThermoReading } from '../../drivers/thermometer/reading.js';
import { ThermometerDriver, type ThermometerDriverOptions } from '../../drivers/thermometer/thermometer-driver.js';
import type { Link } from '../../drivers/transport/link.js';
import { SerialLink } from '../../drivers/transport/serial-link.js';
import { rigLifecycle, whenEvent } from './link-fixtures.js';

/**
 * The thermometer driver on a SerialLink with the real `serialport` bindings, talking to the
 * thermometer simulator through a socat pseudo-terminal pair, for every protocol and scenario —
 * and, when TEST_THERMO_PORT names a real thermometer (protocol TEST_THERMO_PROTOCOL, default
 * gy-mcu90614), the device contract against the hardware.
 *
 * Real timers with a scaled-down script; assertions are about which values arrive (every reading a
 * true value of the scene, the person's temperatures present) and how the device state moves,
 * never about elapsed time. Every wait follows an event (a reading, a status, a problem), never a
 * fixed sleep.
 */
const TIME_SCALE = 0.3;
/** unplug plays at full length: the link must notice the outage and reopen before the person leaves. */
const UNPLUG_TIME_SCALE = 1;
const socat = isSocatAvailable();
const hardwarePort = process.env.TEST_THERMO_PORT;
const hardwareProtocol = (process.env.TEST_THERMO_PROTOCOL ?? 'gy-mcu90614') as ThermoProtocol;

interface Setup {
  name: string;
  protocol: ThermoProtocol;
  driver?: Partial<ThermometerDriverOptions>;
  sim?: Partial<ThermometerSimulatorOptions>;
  /** Scenarios to play: thermometers treat the card scenarios like normal, so one setup covers them. */
  scenarios: readonly ScenarioName[];
}

const DISTINCT: readonly ScenarioName[] = ['normal', 'fever', 'garbage', 'bad-checksum', 'unplug', 'slow'];
const SETUPS: Setup[] = [
  { name: 'GY-MCU90614 continuous', protocol: 'gy-mcu90614', scenarios: ['normal', 'fever', 'no-card', 'card-left', 'garbage', 'bad-checksum', 'unplug', 'slow'] },
  { name: 'Optris CT query', protocol: 'optris-ct', scenarios: DISTINCT },
  { name: 'ASCII Raytek query', protocol: 'ascii', driver: { ascii: { query: '?T\r' } }, sim: { ascii: { query: '?T\r' } }, scenarios: DISTINCT },
  { name: 'ASCII streaming module', protocol: 'ascii', scenarios: ['normal', 'garbage', 'bad-checksum', 'unplug'] },
];

const IDLE: [number, number] = [25.2, 26.8];
// The simulator's people in its default 25 °C room (drivers/sim/forehead-physics.ts, checked by
// hand against the heat balance): 36.6 °C body → 34.76 °C skin, 38.5 °C body → 36.32 °C skin, ± 0.1 sensor noise.
const NORMAL_SKIN: [number, number] = [34.65, 34.86];
const FEVER_SKIN: [number, number] = [36.21, 36.42];
/** Device resolution (0.1 °C on Optris and Raytek). */
const SLACK = 0.051;
const within = (v: number, [lo, hi]: [number, number]) => v >= lo - SLACK && v <= hi + SLACK;

interface Rig {
  driver: ThermometerDriver;
  link: Link;
  readings: ThermoReading[];
  statuses: DeviceStatus[];
  problems: { code: string; message: string }[];
  done?: Promise<void>;
  stop(): Promise<void>;
}

const rigs = rigLifecycle<Rig>('thermo');

function serialLink(path: string, protocol: ThermoProtocol): SerialLink {
  // A pty hang-up is noticed by the link's presence check (the opened node is removed); the
  // watchdog is the last resort and outlasts the driver's longest wait (replyMs below).
  return new SerialLink({ path, baudRate: defaultSimulatorBaud('thermo', protocol), reconnect: { initialDelayMs: 50, maxDelayMs: 250 }, watchdogMs: 4000 });
}

async function startRig(link: Link, protocol: ThermoProtocol, driverOptions: Partial<ThermometerDriverOptions>, extra: { done?: Promise<void>; stopExtra?: () => Promise<void> } = {}): Promise<Rig> {
  // Generous limits: a loaded CI machine may stall the event loop for a while; the simulator's own
  // delays (late replies, byte gaps) stay far inside them, so a timeout here means a real fault.
  const driver = new ThermometerDriver({
    link,
    deviceId: 'thermo-pty',
    protocol,
    pollIntervalMs: 60,
    timeouts: { replyMs: 3000, interByteMs: 1000, noDataMs: 3000 },
    ...driverOptions,
  });
  const r: Rig = {
    driver,
    link,
    readings: [],
    statuses: [],
    problems: [],
    ...(extra.done && { done: extra.done }),
    stop: async () => {
      await driver.stop();
      await link.close();
      await extra.stopExtra?.();
    },
  };
  driver.on('reading', (x) => r.readings.push(x));
  driver.on('status', (x) => r.statuses.push(x));
  driver.on('problem', (x) => r.problems.push(x));
  rigs.track(r);
  await driver.start();
  return r;
}

async function simulatorRig(setup: Setup, scenario: ScenarioName): Promise<Rig> {
  const device = createSimulator('thermo', { protocol: setup.protocol, scenario, timeScale: scenario === 'unplug' ? UNPLUG_TIME_SCALE : TIME_SCALE, seed: 7, ...(setup.sim?.ascii && { ascii: setup.sim.ascii }) });
  const done = new Promise<void>((resolve) => device.once('done', () => resolve()));
  const hostPath = rigs.path(`${setup.name.replace(/\W+/g, '-')}-${scenario}`);
  const host = await SimHost.start({ device, endpoint: { kind: 'pty', hostPath }, baudRate: defaultSimulatorBaud('thermo', setup.protocol) });
  return startRig(serialLink(host.hostPath, setup.protocol), setup.protocol, setup.driver ?? {}, { done, stopExtra: () => host.stop() });
}

/** Resolves once `cond()` holds, re-checked at each driver event (reading, status, problem). */
const until = (r: Rig, what: string, cond: () => boolean, ms = 20_000) => whenEvent(r.driver, ['reading', 'status', 'problem'], what, cond, ms);

/**
 * The scenario played out, and a reading decoded after that: bytes arrive in order, so every
 * frame the device sent during the script has been decoded by then.
 */
async function played(r: Rig): Promise<void> {
  await r.done;
  const n = r.readings.length;
  await until(r, 'a reading after the scenario', () => r.readings.length > n);
}

function expectTrueValues(readings: ThermoReading[], person: [number, number]): void {
  for (const r of readings) expect(within(r.objectC, IDLE) || within(r.objectC, person), `${r.objectC} °C from ${r.raw}`).toBe(true);
  for (const r of readings) expect(r.outOfRange).toBe(false);
}

describe.skipIf(!socat)(`ThermometerDriver ⇄ SerialLink ⇄ socat pty ⇄ simulator${socat ? '' : ' (skipped: socat is not installed)'}`, () => {
  describe.each(SETUPS)('$name', (setup) => {
    const plays = (s: ScenarioName) => setup.scenarios.includes(s);

    it.runIf(plays('normal'))('normal: the scene, then the person at normal skin temperature, every value as sent', async () => {
      const r = await simulatorRig(setup, 'normal');
      await played(r);
      await until(r, 'readings of the idle scene after the person left', () => r.readings.filter((x) => within(x.objectC, IDLE)).length >= 3);
      expectTrueValues(r.readings, NORMAL_SKIN);
      expect(r.readings.some((x) => within(x.objectC, NORMAL_SKIN))).toBe(true);
      expect(r.problems).toEqual([]);
      expect(r.driver.online).toBe(true);
    });

    it.runIf(plays('fever'))('fever: the person reads at febrile skin temperature', async () => {
      const r = await simulatorRig(setup, 'fever');
      await played(r);
      expectTrueValues(r.readings, FEVER_SKIN);
      expect(r.readings.some((x) => within(x.objectC, FEVER_SKIN))).toBe(true);
    });

    it.each((['no-card', 'card-left'] as const).filter(plays))('%s: the card scenarios look like normal to a thermometer', async (scenario) => {
      const r = await simulatorRig(setup, scenario);
      await played(r);
      expectTrueValues(r.readings, NORMAL_SKIN);
      expect(r.readings.some((x) => within(x.objectC, NORMAL_SKIN))).toBe(true);
      expect(r.problems).toEqual([]);
    });

    it.runIf(plays('garbage'))('garbage: noise is dropped, readings keep coming and are all true values', async () => {
      const r = await simulatorRig(setup, 'garbage');
      await played(r);
      await until(r, 'readings keep coming through the noise', () => r.readings.length >= 6);
      expectTrueValues(r.readings, NORMAL_SKIN);
      expect(r.readings.some((x) => within(x.objectC, NORMAL_SKIN))).toBe(true);
      expect(r.driver.online).toBe(true);
    });

    it.runIf(plays('bad-checksum'))('bad-checksum: corrupted frames are dropped and reported, readings recover after each', async () => {
      const r = await simulatorRig(setup, 'bad-checksum');
      await played(r);
      const expected = { 'gy-mcu90614': 'checksum', ascii: 'unparsable', 'optris-ct': undefined }[setup.protocol];
      if (expected) {
        // The device keeps corrupting every 5th frame after the script: wait for one, then for a
        // good reading decoded after it (the stream resynced).
        await until(r, `a "${expected}" problem`, () => r.problems.some((p) => p.code === expected));
        const readingCount = r.readings.length;
        await until(r, 'a reading after the corrupted frame', () => r.readings.length > readingCount);
      } else {
        await until(r, 'readings', () => r.readings.length >= 6);
        expect(r.problems).toEqual([]); // Optris replies carry no checksum: nothing to corrupt
      }
      expectTrueValues(r.readings, NORMAL_SKIN);
      expect(r.driver.online).toBe(true);
    });

    it.runIf(plays('unplug'))('unplug: the port vanishes, the driver goes offline, the link recovers by itself, readings resume', async () => {
      const r = await simulatorRig(setup, 'unplug');
      const linkStates: string[] = [];
      r.link.on('state', (s) => linkStates.push(s.state));
      await played(r);
      const offline = r.statuses.find((s) => s.state === 'offline');
      expect(offline, 'an offline status').toMatchObject({ state: 'offline', reason: expect.any(String) });
      await until(r, 'online again with readings after the outage', () => r.driver.online && r.readings.some((x) => x.monotonicMs > offline!.atMs));
      expect(linkStates).toContain('offline');
      expect(linkStates.at(-1)).toBe('online');
      expectTrueValues(r.readings, NORMAL_SKIN);
    });

    it.runIf(plays('slow'))('slow: late replies and byte-by-byte trickle still decode', async () => {
      const r = await simulatorRig(setup, 'slow');
      await played(r);
      await until(r, 'readings', () => r.readings.length >= 4);
      expectTrueValues(r.readings, NORMAL_SKIN);
      expect(r.problems.filter((p) => p.code === 'incomplete' || p.code === 'timeout')).toEqual([]);
    });
  });
});

/** What any thermometer must do, simulated or real: come online and deliver finite, raw-traceable readings. */
function describeThermoContract(name: string, skipReason: string | undefined, protocol: ThermoProtocol, makeRig: () => Promise<Rig>): void {
  describe.skipIf(skipReason !== undefined)(`thermometer contract (${protocol}): ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
    it('comes online and delivers readings with a finite value and the raw frame', async () => {
      const r = await makeRig();
      await until(r, 'three readings', () => r.readings.length >= 3);
      expect(r.driver.online).toBe(true);
      for (const x of r.readings) {
        expect(Number.isFinite(x.objectC)).toBe(true);
        // The raw frame as received: 9 bytes in hex for GY (docs/protocols/gy-mcu90614.md §2), 2 for Optris (docs/protocols/optris-ct.md §3), a text line for ASCII.
        expect(x.raw).toMatch({ 'gy-mcu90614': /^5A 5A 45 04( [0-9A-F]{2}){5}$/, 'optris-ct': /^[0-9A-F]{2} [0-9A-F]{2}$/, ascii: /\S/ }[protocol]);
        expect(x).toMatchObject({ deviceId: 'thermo-pty', protocol });
      }
    });
  });
}

describeThermoContract('simulator on a socat pty', socat ? undefined : 'socat is not installed', 'gy-mcu90614', () => simulatorRig(SETUPS[0]!, 'normal'));
describeThermoContract(
  `real thermometer on TEST_THERMO_PORT=${hardwarePort ?? ''}`,
  hardwarePort ? (THERMO_PROTOCOLS.includes(hardwareProtocol) ? undefined : `TEST_THERMO_PROTOCOL must be one of ${THERMO_PROTOCOLS.join(', ')}`) : 'TEST_THERMO_PORT is not set',
  hardwareProtocol,
  () => startRig(serialLink(hardwarePort!, hardwareProtocol), hardwareProtocol, {}),
);
