import { describe, expect, it } from 'vitest';
import { TemperatureConfigSchema } from '../../main/config/kiosk-config.js';
import { applySkinToBody } from '../../main/engine/skin-to-body.js';
import { median, TemperaturePipeline } from '../../main/engine/temperature-pipeline.js';
import { validCalibration } from '../fixtures/engine/harness.js';

const cfg = (over: Record<string, unknown> = {}) => TemperatureConfigSchema.parse(over);
const r = (objectC: number, monotonicMs: number, ambientC: number | undefined = 24, outOfRange = false) => ({ objectC, ambientC, outOfRange, monotonicMs });

describe('TemperaturePipeline', () => {
  it('classifies: accepted, no-subject, too-far, out-of-range (flag, hot object, not finite)', () => {
    const p = new TemperaturePipeline(cfg(), null);
    expect(p.add(r(36.4, 0)).rejected).toBeUndefined();
    expect(p.add(r(24.5, 1)).rejected).toBe('no-subject');
    expect(p.add({ objectC: 30.1, outOfRange: false, monotonicMs: 2 }).rejected).toBe('no-subject'); // no ambient: cannot tell too-far
    expect(p.add(r(30.1, 3)).rejected).toBe('too-far');
    expect(p.add(r(36.4, 4, 24, true)).rejected).toBe('out-of-range');
    expect(p.add(r(45.2, 5)).rejected).toBe('out-of-range');
    expect(p.add(r(Number.NaN, 6)).rejected).toBe('out-of-range');
    expect(p.acceptedCount).toBe(1);
    expect(p.samples()).toHaveLength(7);
  });

  it('applies gain and offset to corrected values, keeps raw values untouched', () => {
    const p = new TemperaturePipeline(cfg({ samples: 3, minSamples: 3 }), validCalibration({ id: 'cal-7', gain: 1.02, offset: -0.5 }));
    for (const [i, v] of [35.95, 36.01, 36.13].entries()) p.add(r(v, i));
    const e = p.estimate(1);
    expect(e.ok).toBe(true);
    if (!e.ok) return;
    expect(e.estimate.samples.map((s) => s.objectC)).toEqual([35.95, 36.01, 36.13]);
    expect(e.estimate.samples.map((s) => s.correctedC)).toEqual([1.02 * 35.95 - 0.5, 1.02 * 36.01 - 0.5, 1.02 * 36.13 - 0.5]);
    expect(e.estimate.medianC).toBe(1.02 * 36.01 - 0.5);
    expect(e.estimate.maxC).toBe(1.02 * 36.13 - 0.5);
    expect(e.estimate.calibrationId).toBe('cal-7');
  });

  it('window completes on count, or on time with the minimum', () => {
    const p = new TemperaturePipeline(cfg({ samples: 5, minSamples: 3, windowMs: 1000 }), null);
    p.add(r(36.5, 100));
    p.add(r(36.5, 200));
    expect(p.isComplete(5000)).toBe(false); // 2 < minSamples
    p.add(r(36.5, 300));
    expect(p.windowDueMs()).toBe(1100);
    expect(p.isComplete(1099)).toBe(false);
    expect(p.isComplete(1100)).toBe(true);
    const q = new TemperaturePipeline(cfg({ samples: 2, minSamples: 1 }), null);
    q.add(r(36.5, 0));
    q.add(r(36.6, 10));
    expect(q.isComplete(10)).toBe(true);
  });

  it('median (even count: mean of the middle two) and max are computed as is, never rounded', () => {
    expect(median([36.41, 36.47, 36.43, 36.49])).toBe((36.43 + 36.47) / 2);
    const p = new TemperaturePipeline(cfg({ samples: 4, minSamples: 4, statistic: 'max', model: { kind: 'constant-offset', offsetC: 0.87 } }), null);
    for (const [i, v] of [36.41, 36.47, 36.43, 36.49].entries()) p.add(r(v, i));
    const e = p.estimate(1);
    if (!e.ok) throw new Error('no estimate');
    expect(e.estimate.estimateC).toBe(36.49 + 0.87);
    expect(e.estimate.statistic).toBe('max');
    expect(e.estimate.model).toEqual({ name: 'constant-offset', version: 1, params: { offsetC: 0.87 } });
  });

  it('too few accepted samples → no estimate', () => {
    const p = new TemperaturePipeline(cfg(), null);
    p.add(r(36.5, 0));
    expect(p.estimate(1)).toEqual({ ok: false, problem: 'too-few-samples' });
  });

  it('a non-finite ambient is ignored, never turned into a NaN estimate', () => {
    const p = new TemperaturePipeline(cfg({ samples: 3, minSamples: 3, model: { kind: 'heat-balance' } }), null);
    for (let i = 0; i < 3; i++) p.add({ objectC: 35, ambientC: Number.NaN, outOfRange: false, monotonicMs: i });
    expect(p.estimate(1)).toEqual({ ok: false, problem: 'needs-ambient' });
  });

  it('ambient models need an ambient value', () => {
    const p = new TemperaturePipeline(cfg({ samples: 3, minSamples: 3, model: { kind: 'ambient-linear', offsetC: 1, ambientCoefficient: 0.1, referenceAmbientC: 22 } }), null);
    for (let i = 0; i < 3; i++) p.add({ objectC: 36, outOfRange: false, monotonicMs: i });
    expect(p.estimate(1)).toEqual({ ok: false, problem: 'needs-ambient' });
  });
});

describe('skin-to-body models', () => {
  it('constant offset', () => {
    expect(applySkinToBody({ kind: 'constant-offset', offsetC: 1.2 }, 35.6, undefined)).toEqual({ ok: true, estimateC: 35.6 + 1.2 });
  });
  it('ambient-linear: a colder room adds more', () => {
    const m = { kind: 'ambient-linear', offsetC: 1, ambientCoefficient: 0.1, referenceAmbientC: 22 } as const;
    expect(applySkinToBody(m, 35, 22)).toEqual({ ok: true, estimateC: 36 });
    const cold = applySkinToBody(m, 35, 12);
    expect(cold.ok && cold.estimateC).toBeCloseTo(37, 10);
  });
  it.each([
    [25, 35, 36.89],
    [20, 34, 37.36],
    [25, 34, 36.16],
    [30, 35.5, 36.41],
  ])('heat balance (Exergen) Ta %s, To %s → %s (reference table)', (ta, to, expected) => {
    const e = applySkinToBody({ kind: 'heat-balance', a: 0.001081, b: -0.2318, c: 12.454 }, to, ta);
    expect(e.ok).toBe(true);
    if (e.ok) expect(Math.abs(e.estimateC - expected)).toBeLessThan(0.006);
  });
});
