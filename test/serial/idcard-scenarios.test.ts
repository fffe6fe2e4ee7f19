import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../drivers/device-status.js';
import type { IdentityRead } from '../../drivers/idcard/id-card.js';
import { IdCardDriver, type IdCardProblemCode } from '../../drivers/idcard/idcard-driver.js';
import { createSimulator, SAM_DEFAULT_BAUD } from '../../drivers/sim/create-simulator.js';
import { DEFAULT_SIM_CARD } from '../../drivers/sim/idcard-simulator.js';
import { isSocatAvailable } from '../../drivers/sim/pty-pair.js';
import { SimHost } from '../../drivers/sim/sim-host.js';
import type { ScenarioName, SimulatedDevice } from '../../drivers/sim/simulated-device.js';
import type { Link } from '../../drivers/transport/link.js';
import { SerialLink } from '../../drivers/transport/serial-link.js';
import { SamFrameParser } from '../../drivers/idcard/sam-frame-parser.js';
import type { SamFrame } from '../../drivers/idcard/sam-frame.js';
import { rigLifecycle, whenEvent } from './link-fixtures.js';

/**
 * The ID-card driver on a SerialLink with the real `serialport` bindings, talking to the SAM
 * simulator through a socat pseudo-terminal pair — every scenario end to end — and, when
 * TEST_IDCARD_PORT names a real reader, the device contract against the hardware.
 *
 * Real timers with a scaled-down script (TIME_SCALE); assertions are on what was read and in
 * which order, never on elapsed time, and every wait follows an event (a driver event, a SAM reply
 * seen on the link), never a fixed sleep.
 */
const TIME_SCALE = 0.4;
/** unplug plays at full length: the link must notice the outage and reopen while the card is still there. */
const UNPLUG_TIME_SCALE = 1;
const socat = isSocatAvailable();
const hardwarePort = process.env.TEST_IDCARD_PORT;

interface Record {
  identities: IdentityRead[];
  statuses: DeviceStatus[];
  problems: { code: IdCardProblemCode; message: string }[];
}

interface Rig extends Record {
  driver: IdCardDriver;
  link: Link;
  /** SW3 of every SAM reply that crossed the link, in order (parsed independently of the driver). */
  replies: number[];
  /** Emits 'reply' for each of them. */
  replyEvents: EventEmitter;
  device?: SimulatedDevice;
  done?: Promise<void>;
  stop(): Promise<void>;
}

const rigs = rigLifecycle<Rig>('idcard');

function serialLink(path: string): SerialLink {
  // The watchdog must outlast the driver's longest wait (a read), as in the host (5000 > 3000).
  return new SerialLink({ path, baudRate: SAM_DEFAULT_BAUD, reconnect: { initialDelayMs: 50, maxDelayMs: 250 }, watchdogMs: 5000 });
}

/**
 * The driver's timeouts scale with the simulator's script, as its defaults (control 1000, read 3000)
 * fit the unscaled script: a corrupt read is reported at the read timeout, and the person must not
 * have lifted and replaced the card by then.
 */
function startDriver(link: Link, scale = 1, extra: Partial<Rig> & { stopExtra?: () => Promise<void> } = {}): Rig {
  const driver = new IdCardDriver({
    link,
    deviceId: 'idcard-pty',
    pollIntervalMs: 30,
    statusCheckEveryMs: 1000,
    timeouts: { control: Math.max(400, 1000 * scale), read: 3000 * scale },
  });
  const r: Rig = {
    driver,
    link,
    replies: [],
    replyEvents: new EventEmitter(),
    identities: [],
    statuses: [],
    problems: [],
    ...extra,
    stop: async () => {
      await driver.stop();
      await link.close();
      await extra.stopExtra?.();
    },
  };
  driver.on('identity', (i) => r.identities.push(i));
  driver.on('status', (s) => r.statuses.push(s));
  driver.on('problem', (p) => r.problems.push(p));
  const replies = new SamFrameParser();
  replies.on('data', (f: SamFrame) => {
    r.replies.push(f.body[2]!);
    r.replyEvents.emit('reply');
  });
  link.on('data', (b) => replies.write(b));
  link.on('state', () => replies.reset());
  rigs.track(r);
  return r;
}

/** The simulator on one end of a fresh pty pair, the driver on a SerialLink at the other. */
async function simulatorRig(scenario: ScenarioName): Promise<Rig> {
  const scale = scenario === 'unplug' ? UNPLUG_TIME_SCALE : TIME_SCALE;
  const device = createSimulator('idcard', { scenario, timeScale: scale });
  const done = new Promise<void>((resolve) => device.once('done', () => resolve()));
  const host = await SimHost.start({ device, endpoint: { kind: 'pty', hostPath: rigs.path(`idcard-${scenario}`) }, baudRate: SAM_DEFAULT_BAUD });
  const link = serialLink(host.hostPath);
  const r = startDriver(link, scale, { device, done, stopExtra: () => host.stop() });
  await r.driver.start();
  return r;
}

/** Resolves once `cond()` holds, re-checked at each driver event (identity, status, problem). */
const until = (r: Rig, what: string, cond: () => boolean, ms = 20_000) => whenEvent(r.driver, ['identity', 'status', 'problem'], what, cond, ms);

/** Resolves after `n` more "no card" answers (find → SW3 80) have crossed the link. */
function noCardAnswers(r: Rig, n: number, ms = 20_000): Promise<void> {
  const from = r.replies.length;
  return whenEvent(r.replyEvents, ['reply'], `${n} "no card" answers`, () => r.replies.slice(from).filter((x) => x === 0x80).length >= n, ms);
}

/**
 * The scenario played out and the reader was polled twice more with nothing new on it (two finds
 * answered 80): a read still under way at the end of the script has finished by then (find → select
 * → read are sequential), so counts of identities and problems are final.
 */
async function played(r: Rig): Promise<void> {
  await r.done;
  await noCardAnswers(r, 2);
}

const expectSimCard = (read: IdentityRead) => {
  expect(read).toMatchObject({ deviceId: 'idcard-pty', source: 'sam' });
  expect(read.card).toMatchObject({ type: 'resident', idNumber: DEFAULT_SIM_CARD.idNumber, name: DEFAULT_SIM_CARD.name, idNumberValid: true });
};

describe.skipIf(!socat)(`IdCardDriver ⇄ SerialLink ⇄ socat pty ⇄ simulator${socat ? '' : ' (skipped: socat is not installed)'}`, () => {
  it.each(['normal', 'fever', 'garbage', 'slow'] as const)('%s: exactly one identity for the one placement, decoded intact', async (scenario) => {
    const r = await simulatorRig(scenario);
    await played(r);
    expect(r.identities).toHaveLength(1);
    expectSimCard(r.identities[0]!);
    expect(r.problems).toEqual([]);
    expect(r.driver.online).toBe(true);
  });

  it('no-card: no identity, no problem, the reader stays online', async () => {
    const r = await simulatorRig('no-card');
    await played(r);
    expect(r.identities).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.statuses.map((s) => s.state)).toEqual(['connecting', 'online']);
  });

  it('card-left: a card never lifted is read once only', async () => {
    const r = await simulatorRig('card-left');
    await played(r);
    expect(r.identities).toHaveLength(1);
    expectSimCard(r.identities[0]!);
    expect(r.driver.online).toBe(true);
  });

  it('bad-checksum: the corrupt reply is a problem, the card placed again is read', async () => {
    const r = await simulatorRig('bad-checksum');
    await played(r);
    expect(r.problems.map((p) => p.code)).toEqual(['bad-reply']);
    expect(r.identities).toHaveLength(1);
    expectSimCard(r.identities[0]!);
  });

  it('unplug: the port really vanishes, the link and driver go offline, recover by themselves, then read the card', async () => {
    const r = await simulatorRig('unplug');
    const linkStates: string[] = [];
    r.link.on('state', (s) => linkStates.push(s.state));
    await played(r);
    await until(r, 'identity after the replug', () => r.identities.length === 1);
    const states = r.statuses.map((s) => s.state);
    const offlineAt = states.indexOf('offline');
    // connecting, online (the SAM answered), then the outage: offline comes third at the earliest.
    expect(states.slice(0, 2)).toEqual(['connecting', 'online']);
    expect(offlineAt).toBeGreaterThanOrEqual(2);
    expect(states.slice(offlineAt)).toContain('online');
    expect(states.at(-1)).toBe('online');
    expect(linkStates).toContain('offline');
    expect(linkStates.at(-1)).toBe('online');
    expectSimCard(r.identities[0]!);
    expect(r.identities[0]!.monotonicMs).toBeGreaterThan(r.statuses[offlineAt]!.atMs);
  });
});

/** What any SAM reader must do, simulated or real: come online, read its SAM id, stay quiet with no card. */
function describeIdCardContract(name: string, skipReason: string | undefined, makeRig: () => Promise<Rig>): void {
  describe.skipIf(skipReason !== undefined)(`ID-card reader contract: ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
    it('comes online (SAM status 90), reads the SAM id, reports nothing while no card is placed', async () => {
      const r = await makeRig();
      await until(r, 'driver online', () => r.driver.online);
      // The SAM id is asked once after the first status 90 (docs/protocols/sam-reader.md §13); its reply comes before the first find's.
      await noCardAnswers(r, 1);
      expect(r.driver.samId).toMatch(/^\d{2}\.\d{2}-\d{10}-\d{10}-\d{10}$/);
      // Five more polls of an empty reader: nothing is reported, the reader stays online.
      await noCardAnswers(r, 5);
      expect(r.problems).toEqual([]);
      expect(r.identities).toEqual([]);
      expect(r.driver.online).toBe(true);
    });
  });
}

describeIdCardContract('simulator on a socat pty', socat ? undefined : 'socat is not installed', () => simulatorRig('no-card'));
describeIdCardContract(`real reader on TEST_IDCARD_PORT=${hardwarePort ?? ''}`, hardwarePort ? undefined : 'TEST_IDCARD_PORT is not set', async () => {
  const r = startDriver(serialLink(hardwarePort!));
  await r.driver.start();
  return r;
});
