import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ResultEvent, StartedEvent, TransitionEvent } from '../../main/engine/engine-events.js';
import { config, identity, makeCard, makeEngine, MemorySink, reading, SAMPLE_ID, SAMPLE_ID_HK, validCalibration } from '../fixtures/engine/harness.js';

/**
 * Properties over arbitrary device event sequences (cards, readings of every kind, devices going
 * offline and back, store failures, pauses of any length), in every station mode and policy:
 * 1. no screening keeps the machine away from idle longer than `maxScreeningMs()`;
 * 2. no PASS without a valid temperature, nor without an identity where the mode needs one,
 *    nor for a record the store did not confirm;
 * 3. every started screening yields exactly one record, and what was shown is what is stored.
 */

type Ev =
  | { kind: 'card'; which: 0 | 1 | 2 }
  | { kind: 'reading'; c: number; ambient: number | undefined; outOfRange: boolean }
  | { kind: 'status'; device: 'thermometer' | 'idcard'; online: boolean }
  | { kind: 'store'; fail: number; refuse: number; hang: boolean }
  | { kind: 'burst'; c: number; n: number }
  | { kind: 'wait'; ms: number };

const evArb: fc.Arbitrary<Ev> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('card' as const), which: fc.constantFrom(0 as const, 1 as const, 2 as const) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('reading' as const),
      c: fc.oneof(fc.constantFrom(23.9, 29.5, 36.4, 36.9, 37.3, 37.6, 38.4, 45, Number.NaN), fc.double({ min: 20, max: 46, noNaN: true })),
      ambient: fc.option(fc.constantFrom(18, 24, 30, Number.NaN), { nil: undefined }),
      outOfRange: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('burst' as const), c: fc.constantFrom(36.2, 36.8, 37.4, 38.6), n: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('status' as const), device: fc.constantFrom('thermometer' as const, 'idcard' as const), online: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('store' as const), fail: fc.integer({ min: 0, max: 4 }), refuse: fc.integer({ min: 0, max: 1 }), hang: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 40_000 })) }) },
);

const settingsArb = fc.record({
  mode: fc.constantFrom('card-then-temp' as const, 'temp-then-card' as const, 'temp-only' as const),
  onDeviceFault: fc.constantFrom('hold' as const, 'idle' as const),
  policyMode: fc.constantFrom('hard' as const, 'soft' as const),
  calibration: fc.constantFrom('valid', 'missing', 'expired'),
  calBehaviour: fc.constantFrom('out-of-service' as const, 'hold-for-staff' as const, 'pass-with-warning' as const),
  model: fc.constantFrom(
    { kind: 'constant-offset', offsetC: 0.5 },
    { kind: 'heat-balance' },
    { kind: 'linear-heat-balance', k: 0.19 },
    { kind: 'ambient-linear', offsetC: 0.8, ambientCoefficient: 0.05, referenceAmbientC: 22 },
  ),
});

const cards = [makeCard(), makeCard({ idNumber: SAMPLE_ID_HK, validUntil: '2020-01-01' }), makeCard({ idNumber: '110105194912310021', idNumberValid: false })];

afterEach(() => {
  vi.useRealTimers();
});

describe('engine properties', () => {
  it('bounded time away from idle; no PASS without temperature/identity/commit; exactly one record per screening', async () => {
    const seen = { PASS: 0, HOLD: 0, abandoned: 0, storeUnavailable: 0, remeasured: 0, outOfService: 0 };
    await fc.assert(
      fc.asyncProperty(settingsArb, fc.array(evArb, { minLength: 1, maxLength: 60 }), async (st, events) => {
        vi.useFakeTimers({ now: new Date('2026-11-28T09:00:00+08:00') });
        try {
          const sink = new MemorySink();
          const cfg = config({
            station: { mode: st.mode },
            screening: {
              onDeviceFault: st.onDeviceFault,
              timeouts: { identifyingMs: 8000, measuringMs: 9000, remeasuringMs: 12_000, resultMs: 3000 },
              commit: { attemptTimeoutMs: 700 },
              duplicateWindowMs: 30_000,
            },
            temperature: { model: st.model },
            policy: { mode: st.policyMode },
            calibration: { whenMissingOrExpired: st.calBehaviour },
          });
          const cal = st.calibration === 'valid' ? validCalibration() : st.calibration === 'expired' ? validCalibration({ validUntil: '2020-01-01T00:00:00Z' }) : null;
          const h = makeEngine({ config: cfg, sink, calibration: cal });
          const bound = h.engine.maxScreeningMs();
          const started = new Map<string, number>();
          const ended = new Map<string, number>();
          const records: ResultEvent[] = [];
          h.engine.on('started', (e: StartedEvent) => started.set(e.screeningId, Date.now()));
          h.engine.on('transition', (t: TransitionEvent) => {
            if ((t.to === 'idle' || t.to === 'out-of-service') && t.screeningId) ended.set(t.screeningId, Date.now());
          });
          h.engine.on('result', (r) => records.push(r));
          h.engine.on('abandoned', (r) => records.push(r));
          h.engine.on('service', (e) => {
            if (!e.inService) seen.outOfService++;
          });
          h.engine.start();

          for (const ev of events) {
            switch (ev.kind) {
              case 'card':
                h.engine.onIdentity(identity(cards[ev.which]!));
                break;
              case 'reading':
                h.engine.onReading({ ...reading(ev.c, ev.ambient), outOfRange: ev.outOfRange });
                break;
              case 'status':
                h.engine.onDeviceStatus({ deviceId: ev.device === 'thermometer' ? 'thermo-0' : 'idcard-0', kind: ev.device, state: ev.online ? 'online' : 'offline', atMs: Date.now() });
                break;
              case 'burst':
                for (let i = 0; i < ev.n; i++) {
                  h.engine.onReading(reading(ev.c, 24));
                  await vi.advanceTimersByTimeAsync(150);
                }
                break;
              case 'store':
                sink.failures = ev.fail;
                sink.refusals = ev.refuse;
                sink.hang = ev.hang;
                break;
              case 'wait':
                await vi.advanceTimersByTimeAsync(ev.ms);
                break;
            }
            await vi.advanceTimersByTimeAsync(10);
          }
          // Silence: the machine must reach rest (idle, or out of service) within the bound.
          await vi.advanceTimersByTimeAsync(bound + 1);
          expect(h.engine.state).toBe(h.engine.inService ? 'idle' : 'out-of-service');
          // Space returns: the store's retry queue is written.
          sink.failures = 0;
          sink.hang = false;
          sink.flush();

          // 1. Bounded screenings.
          for (const [id, t0] of started) {
            const t1 = ended.get(id);
            expect(t1, `screening ${id} never returned to idle`).toBeDefined();
            expect(t1! - t0).toBeLessThanOrEqual(bound);
          }
          for (const r of records) {
            if (r.record.outcome === 'abandoned') seen.abandoned++;
            else seen[r.record.decision!]++;
            if (!r.committed && r.record.outcome !== 'abandoned') seen.storeUnavailable++;
            if (r.record.temperatures.length > 1) seen.remeasured++;
          }
          // 2. No PASS without a valid temperature, an identity (card modes), and a confirmed commit;
          // in HARD mode no PASS at or above the fever threshold (37.3 °C by default), in SOFT mode not unflagged.
          for (const r of records) {
            if (r.record.decision !== 'PASS') continue;
            expect(r.committed).toBe(true);
            const latest = r.record.temperatures.at(-1);
            // A complete window: at least minSamples (3 by default) accepted readings.
            expect(latest?.samples.filter((x) => x.rejected === undefined).length ?? 0).toBeGreaterThanOrEqual(3);
            for (const t of r.record.temperatures) expect(Number.isFinite(t.estimateC)).toBe(true);
            if (st.policyMode === 'hard') expect(latest!.estimateC).toBeLessThan(37.3);
            else if (latest!.estimateC >= 37.3) expect(r.record.flaggedForStaff).toBe(true);
            if (st.mode !== 'temp-only') expect(r.record.card).not.toBeNull();
          }
          // 3. Exactly one record per started screening; every one the store kept is in it in the end,
          //    exactly as shown (a HOLD STORE_UNAVAILABLE is stored as that HOLD).
          const ids = records.map((r) => r.record.id).sort();
          expect(ids).toEqual([...started.keys()].sort());
          expect(new Set(ids).size).toBe(ids.length);
          const kept = records.filter((r) => r.storage !== 'not-kept');
          expect(sink.records.map((r) => r.id).sort()).toEqual(kept.map((r) => r.record.id).sort());
          for (const r of kept) expect(sink.records.find((x) => x.id === r.record.id)).toEqual(r.record);
          expect(sink.queued.size).toBe(0);
        } finally {
          vi.useRealTimers();
        }
      }),
      { numRuns: 300 },
    );
    // The generated sequences do reach every kind of ending (otherwise the properties prove little).
    for (const [k, n] of Object.entries(seen)) expect(n, k).toBeGreaterThan(0);
  }, 120_000);
});
