import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AsyncMutex } from '../../drivers/protocol/async-mutex.js';
import { WaitCancelledError, Waitress, WaitTimeoutError } from '../../drivers/protocol/waitress.js';

describe('Waitress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves the oldest matching waiter and leaves the others', async () => {
    const w = new Waitress<number>();
    const even = w.waitFor((m) => m % 2 === 0, 1000, 'even');
    const any = w.waitFor(() => true, 1000, 'any');
    expect(w.resolve(4)).toBe(true);
    await expect(even.promise).resolves.toBe(4);
    expect(w.size).toBe(1);
    expect(w.resolve(7)).toBe(true);
    await expect(any.promise).resolves.toBe(7);
    expect(w.resolve(9)).toBe(false);
  });

  it('times out with a message naming the request', async () => {
    const w = new Waitress<number>();
    const h = w.waitFor(() => true, 1500, 'find card');
    const settled = expect(h.promise).rejects.toThrow(new WaitTimeoutError('find card', 1500).message);
    vi.advanceTimersByTime(1499);
    expect(w.size).toBe(1);
    vi.advanceTimersByTime(1);
    await settled;
    expect(w.size).toBe(0);
  });

  it('cancels every waiter when the port goes away', async () => {
    const w = new Waitress<number>();
    const a = w.waitFor(() => true, 1000, 'a');
    const b = w.waitFor(() => true, 1000, 'b');
    w.cancelAll('port closed');
    await expect(a.promise).rejects.toBeInstanceOf(WaitCancelledError);
    await expect(b.promise).rejects.toThrow('port closed');
    expect(w.size).toBe(0);
  });
});

describe('AsyncMutex', () => {
  it('runs holders one at a time in arrival order, even when one fails', async () => {
    const m = new AsyncMutex();
    const log: string[] = [];
    const step = (name: string, fail = false) =>
      m.run(async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, 5));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([step('a'), step('b', true), step('c')]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(m.locked).toBe(false);
  });
});
