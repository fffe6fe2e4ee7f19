import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PtyPair, isSocatAvailable } from '../../drivers/sim/pty-pair.js';
import { SimHost } from '../../drivers/sim/sim-host.js';
import type { ScenarioName, SimulatedDevice, SimulatedDeviceEvents } from '../../drivers/sim/simulated-device.js';
import type { LinkState } from '../../drivers/transport/link.js';
import { SerialLink } from '../../drivers/transport/serial-link.js';
import { collectUntil, isOffline, isOnline, ptyDir, stateWhere } from './link-fixtures.js';

/** Echoes every byte back, like a loop-back plug. */
class EchoDevice extends EventEmitter<SimulatedDeviceEvents> implements SimulatedDevice {
  readonly kind = 'thermometer' as const;
  readonly scenario: ScenarioName = 'normal';
  started = false;
  receive(bytes: Buffer): void {
    this.emit('transmit', bytes);
  }
  start(): void {
    this.started = true;
  }
  stop(): void {
    this.started = false;
  }
}

const socat = isSocatAvailable();
let tmp: ReturnType<typeof ptyDir>;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(() => {
  tmp = ptyDir('transport');
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => tmp.remove());

describe.skipIf(!socat)('real serialport over socat pseudo-terminals' + (socat ? '' : ' (skipped: socat is not installed)'), () => {
  it('PtyPair makes two linked ends and removes them on stop', async () => {
    const pair = await PtyPair.start({ linkA: join(tmp.dir, 'a0'), linkB: join(tmp.dir, 'b0') });
    expect(existsSync(pair.linkA) && existsSync(pair.linkB)).toBe(true);
    const a = new SerialPort({ path: pair.linkA, baudRate: 9600 });
    const b = new SerialPort({ path: pair.linkB, baudRate: 9600 });
    await Promise.all([a, b].map((p) => new Promise<void>((resolve, reject) => p.once('open', resolve).once('error', reject))));
    const got = new Promise<Buffer>((resolve) => b.once('data', resolve));
    a.write(Buffer.from([0x55, 0xaa]));
    expect([...(await got)]).toEqual([0x55, 0xaa]);
    await Promise.all([a, b].map((p) => new Promise<void>((resolve) => p.close(() => resolve()))));
    await pair.stop();
    expect(pair.exited).toBe(true);
    expect(existsSync(pair.linkA) || existsSync(pair.linkB)).toBe(false);
  });

  it('echoes bytes through a SerialLink on the real bindings', async () => {
    const host = await SimHost.start({ device: new EchoDevice(), endpoint: { kind: 'pty', hostPath: join(tmp.dir, 'echo') } });
    cleanups.push(() => host.stop());
    const link = new SerialLink({ path: host.hostPath, baudRate: 115200 });
    cleanups.push(() => link.close());
    await link.open();
    expect(link.current).toEqual({ state: 'online', path: host.hostPath });
    const payload = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
    const echoed = collectUntil(link, (all) => all.length >= payload.length);
    await link.write(payload);
    expect((await echoed).equals(payload)).toBe(true);
  });

  it('ending socat takes the link offline; a new pair at the same paths brings it back by itself', async () => {
    const linkA = join(tmp.dir, 'dev1');
    const linkB = join(tmp.dir, 'host1');
    let pair = await PtyPair.start({ linkA, linkB });
    cleanups.push(() => pair.stop());
    const link = new SerialLink({ path: linkB, baudRate: 9600, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    cleanups.push(() => link.close());
    const states: LinkState[] = [];
    link.on('state', (s) => states.push(s));
    await link.open();
    expect(link.current.state).toBe('online');

    const down = stateWhere(link, isOffline);
    await pair.stop(); // the cable is pulled: both ends vanish
    const offline = await down;
    expect(offline.state === 'offline' && offline.reason).toMatch(/disconnected|closed|error/);

    // While the port is missing, attempts fail and say why.
    await stateWhere(link, (s) => s.state === 'offline' && /cannot open/.test(s.reason));

    const up = stateWhere(link, isOnline);
    pair = await PtyPair.start({ linkA, linkB });
    expect(await up).toEqual({ state: 'online', path: linkB });

    // And bytes flow again on the new pair.
    const device = new SerialPort({ path: linkA, baudRate: 9600 });
    cleanups.push(() => new Promise<void>((resolve) => (device.isOpen ? device.close(() => resolve()) : resolve())));
    await new Promise<void>((resolve, reject) => device.once('open', resolve).once('error', reject));
    const got = collectUntil(link, (all) => all.length >= 3);
    device.write(Buffer.from('ok!'));
    expect((await got).toString()).toBe('ok!');
    expect(states.filter((s) => s.state === 'online')).toHaveLength(2);
  });

  it('a pair recreated at once (no gap to see the path missing) is still noticed: the opened node was removed', async () => {
    const linkA = join(tmp.dir, 'dev2');
    const linkB = join(tmp.dir, 'host2');
    let pair = await PtyPair.start({ linkA, linkB });
    cleanups.push(() => pair.stop());
    // No watchdog: only the presence check can notice a silent hang-up.
    const link = new SerialLink({ path: linkB, baudRate: 9600, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    cleanups.push(() => link.close());
    await link.open();
    const states: LinkState[] = [];
    link.on('state', (s) => states.push(s));

    await pair.stop();
    pair = await PtyPair.start({ linkA, linkB });
    await stateWhere(link, isOffline);
    await stateWhere(link, isOnline);
    const offline = states.find(isOffline);
    expect(offline?.state === 'offline' && offline.reason).toMatch(/disconnected/);

    const device = new SerialPort({ path: linkA, baudRate: 9600 });
    cleanups.push(() => new Promise<void>((resolve) => (device.isOpen ? device.close(() => resolve()) : resolve())));
    await new Promise<void>((resolve, reject) => device.once('open', resolve).once('error', reject));
    const got = collectUntil(link, (all) => all.length >= 2);
    device.write(Buffer.from('hi'));
    expect((await got).toString()).toBe('hi');
  });

  it('SimHost turns the device unplug event into a vanished port and recreates it at the same path', async () => {
    const device = new EchoDevice();
    const host = await SimHost.start({ device, endpoint: { kind: 'pty', hostPath: join(tmp.dir, 'unplug') } });
    cleanups.push(() => host.stop());
    expect(device.started).toBe(true);
    const link = new SerialLink({ path: host.hostPath, baudRate: 9600, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    cleanups.push(() => link.close());
    await link.open();

    const down = stateWhere(link, isOffline);
    device.emit('unplug', { forMs: 500 });
    await down;
    expect(existsSync(host.hostPath)).toBe(false);
    await stateWhere(link, isOnline);
    expect(existsSync(host.hostPath)).toBe(true);

    const echoed = collectUntil(link, (all) => all.length >= 2);
    await link.write(Buffer.from([0x12, 0x34]));
    expect([...(await echoed)]).toEqual([0x12, 0x34]);
  });

  it('SimHost on a given port path (bench mode): the device answers there, and an unplug closes and reopens its side', async () => {
    // A pty pair stands in for a null-modem cable between a bench port and the kiosk's port.
    const cable = await PtyPair.start({ linkA: join(tmp.dir, 'bench-sim'), linkB: join(tmp.dir, 'bench-kiosk') });
    cleanups.push(() => cable.stop());
    const device = new EchoDevice();
    const host = await SimHost.start({ device, endpoint: { kind: 'port', path: cable.linkA }, baudRate: 9600 });
    cleanups.push(() => host.stop());
    expect(host.hostPath).toBe(cable.linkA);

    const link = new SerialLink({ path: cable.linkB, baudRate: 9600 });
    cleanups.push(() => link.close());
    await link.open();
    const echoed = collectUntil(link, (all) => all.length >= 3);
    await link.write(Buffer.from('abc'));
    expect((await echoed).toString()).toBe('abc');

    const replugged = new Promise<void>((resolve) => host.once('replugged', () => resolve()));
    const unplugged = new Promise<{ forMs: number }>((resolve) => host.once('unplugged', resolve));
    device.emit('unplug', { forMs: 200 });
    expect(await unplugged).toEqual({ forMs: 200 });
    await replugged;
    const again = collectUntil(link, (all) => all.length >= 2);
    await link.write(Buffer.from('ok'));
    expect((await again).toString()).toBe('ok');
  });
});
