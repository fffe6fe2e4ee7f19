import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BenchSession } from '../../drivers/sim/bench-session.js';
import { createSimulator } from '../../drivers/sim/create-simulator.js';
import { SIM_TIMINGS, type IdCardSimulator } from '../../drivers/sim/idcard-simulator.js';
import type { ThermometerSimulator } from '../../drivers/sim/thermometer-simulator.js';
import { buildSamFrame } from '../../drivers/idcard/sam-frame.js';

/**
 * `kiosk sim` at a bench (issue 8 item 4), with fake timers: the scenario waits for the kiosk, then
 * plays; `repeat` plays it again after the pause; keys place and lift the card and bring people.
 * The simulated SAM is asked "find card" (`20 01`) as the kiosk asks it; its answer 9F (card) or 80
 * (none) is read from the reply frame (docs/protocols/sam-reader.md §4, §9.1).
 */
const FIND = buildSamFrame([0x20, 0x01]);
const SCALE = 0.1;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function cardBench(opts: { repeat?: boolean; scripted?: boolean; pauseMs?: number } = {}) {
  const device = createSimulator('idcard', { scenario: 'normal', timeScale: SCALE, autoPlay: false }) as IdCardSimulator;
  const bench = new BenchSession({ device, scripted: opts.scripted ?? true, repeat: opts.repeat ?? false, pauseMs: opts.pauseMs ?? 1000, startOn: 'kiosk' });
  const replies: number[] = [];
  bench.on('transmit', (b) => replies.push(b[9]!)); // SW3 of each reply
  const rounds: number[] = [];
  bench.progress.on('round', (n) => rounds.push(n));
  let done = 0;
  bench.on('done', () => done++);
  bench.start();
  /** Asks "find card" as the kiosk does; resolves with the SW3 of the answer. */
  const find = async () => {
    const before = replies.length;
    bench.receive(FIND);
    await vi.advanceTimersByTimeAsync(SIM_TIMINGS.controlReply * SCALE + 1);
    expect(replies.length).toBe(before + 1);
    return replies.at(-1)!;
  };
  return { device, bench, rounds, find, done: () => done };
}

describe('BenchSession', () => {
  it('plays nothing until the kiosk speaks, however late it opens the port; then the scenario from its start', async () => {
    const { rounds, find, done } = cardBench();
    await vi.advanceTimersByTimeAsync(60_000); // the kiosk starts a minute later
    expect(rounds).toEqual([]);
    expect(done()).toBe(0);
    expect(await find()).toBe(0x80); // first contact starts round 1; the card is not there yet
    expect(rounds).toEqual([1]);
    await vi.advanceTimersByTimeAsync(SIM_TIMINGS.placeAfter * SCALE);
    expect(await find()).toBe(0x9f); // placed 500 ms (scaled) after the kiosk spoke
    await vi.advanceTimersByTimeAsync((SIM_TIMINGS.dwell + SIM_TIMINGS.tail) * SCALE);
    expect(await find()).toBe(0x80);
    expect(done()).toBe(1);
  });

  it('repeat: after each round and the pause, the scenario plays again, until stopped', async () => {
    const { bench, rounds, find, done } = cardBench({ repeat: true, pauseMs: 2000 });
    await find();
    const round = (SIM_TIMINGS.placeAfter + SIM_TIMINGS.dwell + SIM_TIMINGS.tail) * SCALE;
    await vi.advanceTimersByTimeAsync(round + 1);
    expect(rounds).toEqual([1]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(rounds).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(SIM_TIMINGS.placeAfter * SCALE);
    expect(await find()).toBe(0x9f); // round 2 places the card again
    await vi.advanceTimersByTimeAsync(round + 2000);
    expect(rounds).toEqual([1, 2, 3]);
    expect(done()).toBe(0); // a repeating session is never done
    bench.stop();
    await vi.advanceTimersByTimeAsync(10 * (round + 2000));
    expect(rounds).toEqual([1, 2, 3]);
  });

  it('replay starts the scenario again at once, cutting a pause short', async () => {
    const { bench, rounds, find } = cardBench({ repeat: true, pauseMs: 60_000 });
    await find();
    await vi.advanceTimersByTimeAsync((SIM_TIMINGS.placeAfter + SIM_TIMINGS.dwell + SIM_TIMINGS.tail) * SCALE + 1);
    bench.replay();
    expect(rounds).toEqual([1, 2]);
  });

  it('keys: a card placed and lifted by hand, without any scenario', async () => {
    const { bench, rounds, find } = cardBench({ scripted: false });
    expect(await find()).toBe(0x80);
    expect(bench.placeCard()).toBe(true);
    expect(await find()).toBe(0x9f);
    expect(bench.liftCard()).toBe(true);
    expect(await find()).toBe(0x80);
    expect(bench.present('fever')).toBe(false); // not a thermometer
    expect(rounds).toEqual([]);
  });

  it('keys: people in front of the thermometer, in the order the technician brings them', async () => {
    const device = createSimulator('thermo', { scenario: 'normal', protocol: 'gy-mcu90614', autoPlay: false }) as ThermometerSimulator;
    const bench = new BenchSession({ device, scripted: false, repeat: false, pauseMs: 0, startOn: 'kiosk' });
    bench.start();
    const seen: string[] = [];
    for (const who of ['normal', 'fever', 'none'] as const) {
      expect(bench.present(who)).toBe(true);
      seen.push(device.currentSubject);
    }
    expect(seen).toEqual(['normal', 'fever', 'none']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(device.currentSubject).toBe('none'); // no script brings anyone
    expect(bench.placeCard()).toBe(false);
    bench.stop();
  });

  it('startOn now: a streaming device the kiosk never writes to starts at once', () => {
    const device = createSimulator('thermo', { scenario: 'fever', protocol: 'ascii', autoPlay: false }) as ThermometerSimulator;
    const bench = new BenchSession({ device, scripted: true, repeat: false, pauseMs: 0, startOn: 'now' });
    const rounds: number[] = [];
    bench.progress.on('round', (n) => rounds.push(n));
    bench.start();
    expect(rounds).toEqual([1]);
    bench.stop();
  });
});
