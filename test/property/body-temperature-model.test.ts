import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { foreheadSkinC, TYPICAL_TISSUE_CONDUCTANCE } from '../../drivers/sim/forehead-physics.js';
import { SIMULATED_AMBIENT_RANGE_C } from '../../drivers/sim/thermometer-simulator.js';
import { parseKioskConfig } from '../../main/config/kiosk-config.js';
import type { ScreeningRecord } from '../../main/engine/screening-record.js';
import { identity, makeEngine, reading } from '../fixtures/engine/harness.js';

/**
 * The kiosk's default configuration (body model, threshold 37.3 °C, re-measure once, plausibility)
 * screening people whose forehead comes from the simulator's own heat balance
 * (drivers/sim/forehead-physics.ts), over the simulator's range of rooms and of people (tissue
 * conductance ±10 % around the typical 55 W/(m²·K)), with the sensor's noise (±0.1 °C object,
 * ±0.05 °C ambient) and the GY frame's 0.01 °C resolution:
 * - a person at 38.0 °C or more is never passed;
 * - a person at 36.5 °C passes.
 */

const [ROOM_MIN, ROOM_MAX] = SIMULATED_AMBIENT_RANGE_C;
const defaults = (() => {
  const r = parseKioskConfig({ checkpoint: { id: 'cp-prop', name: '性质测试' } });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config;
})();

const gy = (c: number) => Math.round(c * 100) / 100; // a GY-MCU90614 frame carries 0.01 °C

const personArb = fc.record({
  roomC: fc.double({ min: ROOM_MIN, max: ROOM_MAX, noNaN: true }),
  conductance: fc.double({ min: TYPICAL_TISSUE_CONDUCTANCE * 0.9, max: TYPICAL_TISSUE_CONDUCTANCE * 1.1, noNaN: true }),
  // Two measurement windows of five readings each (a fever is measured twice).
  objectNoise: fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true }), { minLength: 10, maxLength: 10 }),
  ambientNoise: fc.array(fc.double({ min: -0.05, max: 0.05, noNaN: true }), { minLength: 10, maxLength: 10 }),
});

type Person = typeof personArb extends fc.Arbitrary<infer P> ? P : never;

/** One person through the engine with the kiosk's defaults: card, then readings until a result. */
async function screen(bodyC: number, p: Person): Promise<ScreeningRecord> {
  vi.useFakeTimers({ now: new Date('2026-11-28T09:00:00+08:00') });
  try {
    const h = makeEngine({ config: defaults });
    h.engine.start();
    h.engine.onIdentity(identity());
    const skin = foreheadSkinC(bodyC, p.roomC, p.conductance);
    for (let i = 0; i < 10 && h.results().length === 0; i++) {
      h.engine.onReading(reading(gy(skin + p.objectNoise[i]!), gy(p.roomC + p.ambientNoise[i]!)));
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(defaults.screening.timeouts.remeasuringMs + defaults.screening.commit.attemptTimeoutMs);
    const [rec] = h.results();
    if (!rec) throw new Error('no result');
    return rec;
  } finally {
    vi.useRealTimers();
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe(`default body-temperature model against the simulator's physics, rooms ${ROOM_MIN}–${ROOM_MAX} °C`, () => {
  it('a person at 38.0 °C or more is never passed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 38.0, max: 42.5, noNaN: true }), personArb, async (bodyC, p) => {
        const rec = await screen(bodyC, p);
        expect(rec.decision).toBe('HOLD');
        const codes = rec.reasons.map((r) => r.code);
        // Up to 41.5 °C the estimate stays below the 42 °C plausibility bound: a FEVER. Above, it
        // may be beyond what is plausible for a person walking up: held all the same.
        if (bodyC <= 41.5) expect(codes).toContain('FEVER');
        else expect(codes.some((c) => c === 'FEVER' || c === 'IMPLAUSIBLE_TEMPERATURE')).toBe(true);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('a person at 36.5 °C passes', async () => {
    await fc.assert(
      fc.asyncProperty(personArb, async (p) => {
        const rec = await screen(36.5, p);
        expect(rec.decision).toBe('PASS');
        expect(rec.reasons).toEqual([]);
        expect(Math.abs(rec.temperatures[0]!.estimateC - 36.5)).toBeLessThan(0.6);
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});
