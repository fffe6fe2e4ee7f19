import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LinkState } from '../../drivers/transport/link.js';
import { MemoryLink } from '../../drivers/transport/memory-link.js';
import type { ScenarioName, SimulatedDevice, SimulatedDeviceEvents } from '../../drivers/sim/simulated-device.js';

/** A device that answers every write with the bytes reversed: enough to see both directions. */
class ReversingDevice extends EventEmitter<SimulatedDeviceEvents> implements SimulatedDevice {
  readonly kind = 'thermometer' as const;
  readonly scenario: ScenarioName = 'normal';
  readonly received: Buffer[] = [];
  receive(bytes: Buffer): void {
    this.received.push(bytes);
    this.emit('transmit', Buffer.from([...bytes].reverse()));
  }
  start(): void {}
  stop(): void {}
}

afterEach(() => vi.useRealTimers());

describe('MemoryLink', () => {
  it('carries host writes to the device and device bytes back, asynchronously', async () => {
    const device = new ReversingDevice();
    const link = new MemoryLink(device);
    const states: LinkState[] = [];
    link.on('state', (s) => states.push(s));
    await link.open();
    expect(link.id).toBe('memory:thermometer');
    expect(states).toEqual([{ state: 'connecting', attempt: 1 }, { state: 'online', path: 'memory:thermometer' }]);

    const data: Buffer[] = [];
    link.on('data', (b) => data.push(b));
    await link.write(Uint8Array.from([1, 2, 3]));
    expect(data).toHaveLength(0); // nothing arrives inside the write call
    await vi.waitFor(() => expect(data.map((b) => [...b])).toEqual([[3, 2, 1]]));
    expect(device.received.map((b) => [...b])).toEqual([[1, 2, 3]]);
    await link.close();
  });

  it('honours unplug: offline with a reason, bytes dropped, online again after forMs', async () => {
    vi.useFakeTimers();
    const device = new ReversingDevice();
    const link = new MemoryLink(device, { name: 'thermo-1' });
    await link.open();
    const data: Buffer[] = [];
    link.on('data', (b) => data.push(b));

    device.emit('unplug', { forMs: 3000 });
    expect(link.current).toEqual({ state: 'offline', reason: 'device unplugged (simulated, back in 3000 ms)', retryInMs: 3000 });
    await expect(link.write(Uint8Array.from([9]))).rejects.toThrow(/memory:thermo-1 is offline: device unplugged/);
    device.emit('transmit', Buffer.from([7]));
    await Promise.resolve();
    expect(data).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(2999);
    expect(link.current.state).toBe('offline');
    await vi.advanceTimersByTimeAsync(1);
    expect(link.current).toEqual({ state: 'online', path: 'memory:thermo-1' });
    device.emit('transmit', Buffer.from([8]));
    await vi.waitFor(() => expect(data.map((b) => [...b])).toEqual([[8]]));
    await link.close();
  });

  it('drops bytes in flight on flushInput and stops listening on close', async () => {
    const device = new ReversingDevice();
    const link = new MemoryLink(device);
    await link.open();
    const data: Buffer[] = [];
    link.on('data', (b) => data.push(b));
    device.emit('transmit', Buffer.from([1]));
    await link.flushInput();
    await new Promise((r) => setImmediate(r));
    expect(data).toHaveLength(0);

    await link.close();
    expect(link.current).toEqual({ state: 'offline', reason: 'closed by host' });
    expect(device.listenerCount('transmit')).toBe(0);
    expect(device.listenerCount('unplug')).toBe(0);
  });
});
