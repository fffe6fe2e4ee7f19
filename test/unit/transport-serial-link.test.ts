import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { SerialPortMock } from 'serialport';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LinkState } from '../../drivers/transport/link.js';
import type { DiscoveredPort } from '../../drivers/transport/port-discovery.js';
import { SerialLink } from '../../drivers/transport/serial-link.js';

// @serialport/binding-mock's exports map has no ESM types; serialport re-exposes the same registry typed.
const MockBinding = SerialPortMock.binding;
type MockPortBinding = Awaited<ReturnType<typeof MockBinding.open>>;

/** MockBinding, but keeping every port it opens so a test can act as the device or pull the cable. */
function recordingBinding(): { binding: BindingInterface; opened: MockPortBinding[] } {
  const opened: MockPortBinding[] = [];
  const binding: BindingInterface = {
    list: () => MockBinding.list(),
    open: async (options) => {
      const port = await MockBinding.open(options);
      opened.push(port);
      return port;
    },
  };
  return { binding, opened };
}

/** Resolves with the first state (current or coming) that satisfies `pred`. */
function stateWhere(link: SerialLink, pred: (s: LinkState) => boolean): Promise<LinkState> {
  if (pred(link.current)) return Promise.resolve(link.current);
  return new Promise((resolve) => {
    const on = (s: LinkState) => {
      if (!pred(s)) return;
      link.off('state', on);
      resolve(s);
    };
    link.on('state', on);
  });
}

const online = (s: LinkState) => s.state === 'online';
const offline = (s: LinkState) => s.state === 'offline';

/** Lets nextTick/microtask work (MockBinding, streams) run while timers are faked. */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => process.nextTick(r));
}

const links: SerialLink[] = [];
function track(link: SerialLink): SerialLink {
  links.push(link);
  return link;
}

beforeEach(() => {
  MockBinding.createPort('/dev/ttyMOCK0', { record: true });
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(links.splice(0).map((l) => l.close()));
  MockBinding.reset();
});

describe('SerialLink on binding-mock', () => {
  it('opens by path, delivers data and writes bytes', async () => {
    const { binding, opened } = recordingBinding();
    const link = track(new SerialLink({ path: '/dev/ttyMOCK0', baudRate: 9600, binding }));
    const states: LinkState[] = [];
    link.on('state', (s) => states.push(s));
    await link.open();
    expect(link.current).toEqual({ state: 'online', path: '/dev/ttyMOCK0' });
    expect(states.map((s) => s.state)).toEqual(['connecting', 'online']);

    const received = new Promise<Buffer>((resolve) => link.once('data', resolve));
    opened[0]!.emitData(Buffer.from([0xaa, 0xaa, 0xaa, 0x96, 0x69]));
    expect([...(await received)]).toEqual([0xaa, 0xaa, 0xaa, 0x96, 0x69]);

    await link.write(Uint8Array.from([1, 2, 3]));
    await vi.waitFor(() => expect([...opened[0]!.recording]).toEqual([1, 2, 3]));
  });

  it('opens by USB match through the injected list', async () => {
    MockBinding.createPort('/dev/ttyMOCK7');
    const ports: DiscoveredPort[] = [
      { path: '/dev/ttyMOCK0', vendorId: '0403', productId: '6001', source: 'sysfs' },
      { path: '/dev/ttyMOCK7', vendorId: '1a86', productId: '7523', serialNumber: 'A1', source: 'sysfs' },
    ];
    const { binding } = recordingBinding();
    const link = track(new SerialLink({ match: { vendorId: '0x1A86', productId: '7523' }, baudRate: 9600, binding, list: async () => ports }));
    expect(link.id).toBe('usb(vendorId=0x1A86 productId=7523)');
    await link.open();
    expect(link.current).toEqual({ state: 'online', path: '/dev/ttyMOCK7' });
  });

  it('prefers the by-id link of a matched port and refuses an ambiguous match with a fix', async () => {
    const twins: DiscoveredPort[] = [
      { path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523', source: 'sysfs' },
      { path: '/dev/ttyUSB1', vendorId: '1a86', productId: '7523', source: 'sysfs' },
    ];
    const { binding } = recordingBinding();
    const link = track(new SerialLink({ match: { vendorId: '1a86' }, baudRate: 9600, binding, list: async () => twins, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } }));
    await link.open();
    const state = link.current;
    expect(state.state).toBe('offline');
    expect(state.state === 'offline' && state.reason).toMatch(/2 serial ports match vendorId=1a86 .*add serialNumber or byIdContains/);
    expect(state.state === 'offline' && state.retryInMs).toBe(60_000);
  });

  it('goes offline when listing fails (udevadm missing) and retries instead of crashing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    MockBinding.createPort('/dev/ttyMOCK3');
    let calls = 0;
    const list = async (): Promise<DiscoveredPort[]> => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' });
      return [{ path: '/dev/ttyMOCK3', vendorId: '10c4', productId: 'ea60', source: 'sysfs' }];
    };
    const { binding } = recordingBinding();
    const link = track(new SerialLink({ match: { vendorId: '10c4', productId: 'ea60' }, baudRate: 115200, binding, list, reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } }));
    await link.open();
    expect(link.current).toEqual({ state: 'offline', reason: 'cannot list serial ports: spawn udevadm ENOENT', retryInMs: 100 });
    const back = stateWhere(link, online);
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(await back).toEqual({ state: 'online', path: '/dev/ttyMOCK3' });
    expect(calls).toBe(2);
  });

  it('after a disconnect goes offline, backs off exponentially while the port is missing, and reopens', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { binding, opened } = recordingBinding();
    const link = track(new SerialLink({ path: '/dev/ttyMOCK0', baudRate: 9600, binding, reconnect: { initialDelayMs: 100, maxDelayMs: 400 } }));
    const states: LinkState[] = [];
    link.on('state', (s) => states.push(s));
    await link.open();
    expect(link.current.state).toBe('online');

    // Pull the cable: the port vanishes and the pending read fails with a non-cancel error.
    MockBinding.reset();
    const port = opened[0]!;
    port.read = () => Promise.reject(new Error('EIO: i/o error, read'));
    const down = stateWhere(link, offline);
    port.emitData(Buffer.from([0]));
    await settle();
    const first = await down;
    expect(first).toMatchObject({ state: 'offline', retryInMs: 100 });
    expect(first.state === 'offline' && first.reason).toMatch(/disconnected/);

    // Missing port: each attempt fails and the delay doubles up to the maximum.
    for (const expected of [200, 400, 400]) {
      const next = stateWhere(link, (s) => s.state === 'offline' && s.retryInMs === expected && /cannot open/.test(s.reason));
      await vi.advanceTimersByTimeAsync(400);
      await settle();
      await next;
    }

    // The cable is back: the next attempt opens it and the backoff starts over.
    MockBinding.createPort('/dev/ttyMOCK0');
    const up = stateWhere(link, online);
    await vi.advanceTimersByTimeAsync(400);
    await settle();
    await up;
    expect(opened).toHaveLength(2);
    const again = stateWhere(link, offline);
    opened[1]!.read = () => Promise.reject(new Error('EIO'));
    opened[1]!.emitData(Buffer.from([0]));
    await settle();
    expect(await again).toMatchObject({ retryInMs: 100 });
  });

  it('watchdog: silence for watchdogMs closes and reopens; data and noteAlive keep it quiet', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { binding, opened } = recordingBinding();
    const link = track(new SerialLink({ path: '/dev/ttyMOCK0', baudRate: 9600, binding, watchdogMs: 1000, reconnect: { initialDelayMs: 500, maxDelayMs: 500 } }));
    const states: LinkState[] = [];
    link.on('state', (s) => states.push(s));
    await link.open();

    await vi.advanceTimersByTimeAsync(900);
    opened[0]!.emitData(Buffer.from('x'));
    await settle();
    await vi.advanceTimersByTimeAsync(900);
    link.noteAlive();
    await vi.advanceTimersByTimeAsync(900);
    expect(link.current.state).toBe('online');

    await vi.advanceTimersByTimeAsync(200);
    await settle();
    expect(link.current).toEqual({ state: 'offline', reason: 'watchdog: no data from the device for 1000 ms', retryInMs: 500 });

    const up = stateWhere(link, online);
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    await up;
    expect(opened).toHaveLength(2);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'online', 'offline', 'connecting', 'online']);
  });

  it('close() stops for good: no more retries, writes rejected', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { binding } = recordingBinding();
    const link = track(new SerialLink({ path: '/dev/ttyMISSING', baudRate: 9600, binding, reconnect: { initialDelayMs: 100, maxDelayMs: 100 } }));
    const states: LinkState[] = [];
    link.on('state', (s) => states.push(s));
    await link.open();
    expect(link.current.state).toBe('offline');
    await link.close();
    expect(link.current).toEqual({ state: 'offline', reason: 'closed by host' });
    const count = states.length;
    await vi.advanceTimersByTimeAsync(10_000);
    await settle();
    expect(states).toHaveLength(count);
    await expect(link.write(Uint8Array.from([1]))).rejects.toThrow(/offline: closed by host/);
    await expect(link.open()).rejects.toThrow(/was closed/);
  });

  it('rejects writes while offline with the reason', async () => {
    const { binding } = recordingBinding();
    const link = track(new SerialLink({ path: '/dev/ttyMISSING', baudRate: 9600, binding, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } }));
    await link.open();
    await expect(link.write(Uint8Array.from([1]))).rejects.toThrow(/is offline: cannot open \/dev\/ttyMISSING/);
  });

  it('validates its options naming the field', () => {
    expect(() => new SerialLink({ baudRate: 9600 })).toThrow(/give "path".*or "match"/);
    expect(() => new SerialLink({ match: {}, baudRate: 9600 })).toThrow(/"match"/);
    expect(() => new SerialLink({ path: '/dev/x', baudRate: 0 })).toThrow(/"baudRate"/);
    expect(() => new SerialLink({ path: '/dev/x', baudRate: 9600, watchdogMs: -1 })).toThrow(/"watchdogMs"/);
    expect(() => new SerialLink({ path: '/dev/x', baudRate: 9600, reconnect: { initialDelayMs: 10, maxDelayMs: 5 } })).toThrow(/"reconnect"/);
  });

  it('setBaudRate updates the open port', async () => {
    const { binding, opened } = recordingBinding();
    const link = track(new SerialLink({ path: '/dev/ttyMOCK0', baudRate: 9600, binding }));
    await link.open();
    await link.setBaudRate(115200);
    expect((await opened[0]!.getBaudRate()).baudRate).toBe(115200);
    expect(link.current.state).toBe('online');
  });
});
