import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildSamFrame } from '../../drivers/idcard/sam-frame.js';
import type { Link, LinkEvents, LinkState } from '../../drivers/transport/link.js';
import { IdCardDriver, type IdCardDriverOptions, type IdCardProblemCode } from '../../drivers/idcard/idcard-driver.js';
import type { IdentityRead } from '../../drivers/idcard/id-card.js';
import type { DeviceStatus } from '../../drivers/device-status.js';
import { DEFAULT_SIM_CARD, IdCardSimulator, type IdCardSimulatorOptions } from '../../drivers/sim/idcard-simulator.js';
import { MemoryLink } from '../../drivers/transport/memory-link.js';
import { FOREIGN_2023_SAMPLE, HMT_PERMIT_SAMPLE } from '../fixtures/idcard/sample-cards.js';

// Fake timers: the simulator runs its realistic default timings (timeScale 1) and the driver its
// default poll interval and timeouts, driven by advancing the clock. Deterministic on a loaded CI
// machine; the assertions are on event counts and order.
interface Rig {
  sim: IdCardSimulator;
  link: MemoryLink;
  driver: IdCardDriver;
  identities: IdentityRead[];
  statuses: DeviceStatus[];
  problems: { code: IdCardProblemCode; message: string }[];
  writes: string[];
  /** card-found / identity events in emission order. */
  order: string[];
  done: () => Promise<void>;
}

const rigs: Rig[] = [];

async function rig(simOpts: IdCardSimulatorOptions, driverOpts: Partial<IdCardDriverOptions> = {}): Promise<Rig> {
  const sim = new IdCardSimulator(simOpts);
  const writes: string[] = [];
  const receive = sim.receive.bind(sim);
  sim.receive = (b: Buffer) => {
    writes.push(b.subarray(7, 9).toString('hex'));
    receive(b);
  };
  const link = new MemoryLink(sim);
  const driver = new IdCardDriver({
    link,
    deviceId: 'idcard-test',
    clock: () => Date.now(),
    ...driverOpts,
  });
  let finished = false;
  sim.once('done', () => (finished = true));
  const r: Rig = {
    sim,
    link,
    driver,
    identities: [],
    statuses: [],
    problems: [],
    writes,
    order: [],
    done: () => until(() => finished, 60_000),
  };
  driver.on('identity', (i) => {
    r.identities.push(i);
    r.order.push('identity');
  });
  driver.on('card-found', (f) => {
    expect(Object.keys(f).sort()).toEqual(['deviceId', 'monotonicMs']); // no card data
    r.order.push('card-found');
  });
  driver.on('status', (s) => r.statuses.push(s));
  driver.on('problem', (p) => r.problems.push(p));
  rigs.push(r);
  sim.start();
  await driver.start();
  return r;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    const stopped = r.driver.stop();
    await vi.runOnlyPendingTimersAsync();
    await stopped;
    r.sim.stop();
    await r.link.close();
  }
  vi.useRealTimers();
});

/** Advances the fake clock in 10 ms steps until `cond` holds (at most `ms` of simulated time). */
async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  for (let t = 0; !cond(); t += 10) {
    if (t > ms) throw new Error(`condition not met within ${ms} ms of simulated time`);
    await vi.advanceTimersByTimeAsync(10);
  }
}

describe('IdCardDriver with the simulator', () => {
  it('normal: one identity per placement, decoded, then idle', async () => {
    const r = await rig({ scenario: 'normal' });
    await r.done();
    expect(r.identities).toHaveLength(1);
    expect(r.order).toEqual(['card-found', 'identity']);
    const id = r.identities[0]!;
    expect(id).toMatchObject({ deviceId: 'idcard-test', source: 'sam' });
    expect(id.card).toMatchObject({ type: 'resident', idNumber: '11010519491231002X', idNumberValid: true, validUntil: 'long-term' });
    expect(r.statuses.map((s) => s.state)).toEqual(['connecting', 'online']);
    expect(r.driver.online).toBe(true);
    expect(r.driver.samId).toBe('05.01-0020260101-0001234567-0890123456');
    expect(r.problems).toEqual([]);
    // The command sequence follows docs/protocols/sam-reader.md §13: status, SAM id, then find → select → read.
    expect(r.writes.slice(0, 2)).toEqual(['11ff', '12ff']);
    const firstRead = r.writes.indexOf('3001');
    expect(r.writes.slice(firstRead - 2, firstRead + 1)).toEqual(['2001', '2002', '3001']);
  });

  it('card-left: a card that is never lifted is read once only', async () => {
    const r = await rig({ scenario: 'card-left' });
    await r.done();
    expect(r.identities).toHaveLength(1);
    const after = r.writes.slice(r.writes.indexOf('3001') + 1);
    expect(after.filter((w) => w === '2001').length).toBeGreaterThan(3); // still polling
    expect(after).not.toContain('3001');
  });

  it('no-card: nothing is read, the device stays online', async () => {
    const r = await rig({ scenario: 'no-card' });
    await r.done();
    expect(r.identities).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.driver.online).toBe(true);
    expect(r.writes).not.toContain('2002');
  });

  it('bad-checksum: the corrupt read becomes a problem, the next placement is read', async () => {
    const r = await rig({ scenario: 'bad-checksum', card: HMT_PERMIT_SAMPLE });
    await r.done();
    expect(r.problems.map((p) => p.code)).toEqual(['bad-reply']);
    expect(r.problems[0]!.message).toMatch(/checksum.*remove the card/);
    expect(r.identities).toHaveLength(1);
    expect(r.identities[0]!.card.type).toBe('hmt-permit');
  });

  it('slow: replies trickling in small chunks are still read', async () => {
    const r = await rig({ scenario: 'slow', card: FOREIGN_2023_SAMPLE });
    await r.done();
    expect(r.identities).toHaveLength(1);
    const card = r.identities[0]!.card;
    expect(card.type === 'foreign-2023' && card.englishName).toBe(FOREIGN_2023_SAMPLE.englishName);
    expect(r.problems).toEqual([]);
  });

  it('garbage: noise between and around replies is skipped', async () => {
    const r = await rig({ scenario: 'garbage', seed: 7 });
    await r.done();
    expect(r.identities).toHaveLength(1);
    expect(r.problems).toEqual([]);
  });

  it('fever: the reader behaves as in normal', async () => {
    const r = await rig({ scenario: 'fever' });
    await r.done();
    expect(r.identities).toHaveLength(1);
  });

  it('unplug during a read: offline, back online by itself, then the card is read', async () => {
    const r = await rig({ scenario: 'unplug' });
    await r.done();
    const states = r.statuses.map((s) => s.state);
    expect(states[0]).toBe('connecting');
    expect(states).toContain('offline');
    expect(states.at(-1)).toBe('online');
    expect(r.statuses.find((s) => s.state === 'offline')!.reason).toMatch(/unplugged/);
    expect(r.identities).toHaveLength(1);
  });

  it('fingerprint reads use 30 10 and return the templates', async () => {
    const fingerprint = new Uint8Array(512).fill(0x0b);
    const r = await rig({ scenario: 'normal', fingerprint }, { readFingerprint: true });
    await r.done();
    expect(r.writes).toContain('3010');
    expect(r.identities).toHaveLength(1);
    expect(r.identities[0]!.card.fingerprint).toEqual(fingerprint);
  });

  it('setMaxRfBytes sends 61 FF 50 once, right after the first status 90', async () => {
    const r = await rig({ scenario: 'normal' }, { setMaxRfBytes: true });
    await r.done();
    expect(r.writes.slice(0, 3)).toEqual(['11ff', '61ff', '12ff']);
    expect(r.writes.filter((w) => w === '61ff')).toHaveLength(1);
    expect(r.identities).toHaveLength(1);
  });

  it('new address: 91 (none) leaves the card without newAddress', async () => {
    const r = await rig({ scenario: 'normal' }, { readNewAddress: true });
    await r.done();
    expect(r.writes).toContain('3003');
    expect(r.identities).toHaveLength(1);
    expect(r.identities[0]!.card.newAddress).toBeUndefined();
  });

  it('new address: a card with one gets newAddress from 30 03', async () => {
    const card = { ...DEFAULT_SIM_CARD, newAddress: '样本市示例区新址路9号' };
    const r = await rig({ scenario: 'normal', card }, { readNewAddress: true });
    await r.done();
    expect(r.identities[0]!.card.newAddress).toBe('样本市示例区新址路9号');
  });

  it('SAM self-test failure: offline with the reason, no card polling', async () => {
    const r = await rig({ scenario: 'normal', selfTestFails: true });
    await r.done();
    expect(r.statuses.at(-1)).toMatchObject({ state: 'offline', reason: 'SAM self-test failed' });
    expect(r.problems.map((p) => p.code)).toEqual(['sam-fault']);
    expect(r.writes.every((w) => w === '11ff')).toBe(true);
    expect(r.identities).toEqual([]);
  });

  it('timeouts: a lost read is a problem; a silent device goes offline "no reply" and recovers', async () => {
    const r = await rig({ scenario: 'card-left' });
    // Drop the first read command on the floor: the SAM never sees it.
    let dropRead = true;
    let silent = false;
    const receive = r.sim.receive.bind(r.sim);
    r.sim.receive = (b: Buffer) => {
      const cmd = b.subarray(7, 9).toString('hex');
      if (silent || (dropRead && cmd === '3001')) {
        if (cmd === '3001') dropRead = false;
        return;
      }
      receive(b);
    };
    await until(() => r.identities.length === 1);
    expect(r.problems.map((p) => p.code)).toEqual(['timeout']);
    expect(r.problems[0]!.message).toMatch(/no reply to read base info within 3000 ms: remove the card/);

    silent = true;
    await until(() => r.statuses.at(-1)?.state === 'offline');
    expect(r.statuses.at(-1)!.reason).toBe('no reply');
    expect(r.driver.online).toBe(false);
    silent = false;
    await until(() => r.statuses.at(-1)?.state === 'online');
    expect(r.identities).toHaveLength(1); // the card was not lifted: still read once
  });

  it('stop() ends the loop: no more commands afterwards', async () => {
    const r = await rig({ scenario: 'no-card' });
    await until(() => r.writes.includes('2001'));
    await r.driver.stop();
    const n = r.writes.length;
    await vi.advanceTimersByTimeAsync(2000);
    expect(r.writes.length).toBe(n);
  });
});

describe('IdCardDriver on real timers', () => {
  it('reads a card from a fast-running simulator (timeScale 0.1)', async () => {
    vi.useRealTimers();
    const sim = new IdCardSimulator({ scenario: 'normal', timeScale: 0.1 });
    const link = new MemoryLink(sim);
    const driver = new IdCardDriver({ link, deviceId: 'real-timers', pollIntervalMs: 20 });
    const got = new Promise<IdentityRead>((resolve) => driver.once('identity', resolve));
    sim.start();
    await driver.start();
    try {
      const id = await got;
      expect(id.card.idNumber).toBe('11010519491231002X');
    } finally {
      await driver.stop();
      sim.stop();
      await link.close();
    }
  });
});

describe('IdCardDriver baud probing', () => {
  /** A SAM left at 9600 baud by an earlier set-baud: it answers only when the link runs at 9600. */
  class SamAt9600Link extends EventEmitter<LinkEvents> implements Link {
    readonly id = 'rate-link';
    current: LinkState = { state: 'offline', reason: 'not opened' };
    rate = 115200;
    rates: number[] = [];
    async open() {
      this.set({ state: 'online', path: 'rate-link' });
    }
    async write(bytes: Uint8Array) {
      if (this.rate !== 9600) return; // garbled at the wrong speed: no reply
      const cmd = Buffer.from(bytes).subarray(7, 9).toString('hex');
      const body =
        cmd === '11ff' ? [0, 0, 0x90] : cmd === '12ff' ? [0, 0, 0x90, ...new Array<number>(16).fill(1)] : cmd === '2001' ? [0, 0, 0x80] : [0, 0, 0x21];
      setTimeout(() => this.emit('data', buildSamFrame(body)), 5);
    }
    async flushInput() {}
    noteAlive() {}
    async close() {}
    async setBaudRate(rate: number) {
      this.rates.push(rate);
      this.rate = rate;
      this.set({ state: 'connecting', attempt: 1 });
      this.set({ state: 'online', path: 'rate-link' });
    }
    private set(s: LinkState) {
      this.current = s;
      this.emit('state', s);
    }
  }

  it('finds the SAM at 9600 by trying 57600, 38400, 19200, 9600 in turn', async () => {
    const link = new SamAt9600Link();
    const driver = new IdCardDriver({ link, deviceId: 'probe', probeBaudRates: true, clock: () => Date.now() });
    await driver.start();
    try {
      await until(() => driver.online, 60_000);
      expect(link.rates).toEqual([57600, 38400, 19200, 9600]);
      expect(driver.baudRate).toBe(9600);
    } finally {
      const stopped = driver.stop();
      await vi.runOnlyPendingTimersAsync();
      await stopped;
    }
  });

  it('does not touch the rate unless asked to', async () => {
    const link = new SamAt9600Link();
    const driver = new IdCardDriver({ link, deviceId: 'probe', clock: () => Date.now() });
    await driver.start();
    try {
      await vi.advanceTimersByTimeAsync(10_000);
      expect(link.rates).toEqual([]);
      expect(driver.online).toBe(false);
      expect(driver.baudRate).toBeUndefined();
    } finally {
      const stopped = driver.stop();
      await vi.runOnlyPendingTimersAsync();
      await stopped;
    }
  });
});
