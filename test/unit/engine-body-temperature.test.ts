import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { foreheadSkinC, SKIN_EMISSIVITY, skinHeatLoss, STEFAN_BOLTZMANN, TYPICAL_TISSUE_CONDUCTANCE } from '../../drivers/sim/forehead-physics.js';
import { decodeGyFrame, gyChecksum } from '../../drivers/thermometer/gy-mcu90614-parser.js';
import { DEFAULT_SKIN_TO_BODY_MODEL, parseKioskConfig, type TemperatureConfig } from '../../main/config/kiosk-config.js';
import { applySkinToBody, describeModel } from '../../main/engine/skin-to-body.js';
import { TemperaturePipeline } from '../../main/engine/temperature-pipeline.js';
import { config, feed, identity, makeEngine } from '../fixtures/engine/harness.js';

/**
 * The default body-temperature model (docs/configuration.md, "Body temperature"), the plausibility
 * stage, and the simulator's forehead physics that the model is checked against. Expected values
 * are worked out by hand in the comments.
 */

const defaults = (): TemperatureConfig => {
  const r = parseKioskConfig({ checkpoint: { id: 'cp', name: 'cp' } });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config.temperature;
};

describe('default model: linear heat balance, Tc = Ts + 0.19·(Ts − Ta)', () => {
  it('is the default, and records its name, version and parameter', () => {
    expect(defaults().model).toEqual({ kind: 'linear-heat-balance', k: 0.19 });
    expect(describeModel(DEFAULT_SKIN_TO_BODY_MODEL)).toEqual({ name: 'linear-heat-balance', version: 1, params: { k: 0.19 } });
  });

  it.each([
    // skin, ambient, estimate by hand
    [35.0, 25, 36.9], // 35 + 0.19·10
    [34.0, 20, 36.66], // 34 + 0.19·14
    [33.57, 16, 36.9083], // 33.57 + 0.19·17.57
    [36.24, 32, 37.0456], // 36.24 + 0.19·4.24
  ])('skin %f °C in a %f °C room → %f °C', (skin, ambient, body) => {
    const r = applySkinToBody(DEFAULT_SKIN_TO_BODY_MODEL, skin, ambient);
    expect(r.ok && r.estimateC).toBeCloseTo(body, 10);
  });

  it('needs the ambient temperature: without it there is no estimate, never a guess', () => {
    expect(applySkinToBody(DEFAULT_SKIN_TO_BODY_MODEL, 35, undefined)).toEqual({ ok: false, problem: 'needs-ambient' });
  });

  it('the Exergen coefficients at a 35 °C (95 °F) skin give k = 0.189 (the source of the default)', () => {
    // A·To² + B·To + C with To = 95 °F (US 6299347 B1; docs/configuration.md)
    expect(0.001081 * 95 * 95 - 0.2318 * 95 + 12.454).toBeCloseTo(0.189025, 6);
  });
});

describe('the simulator forehead (drivers/sim/forehead-physics.ts), an independent forward model', () => {
  it('solves the skin heat balance: h_t·(Tc − Ts) = εσ(Ts⁴ − Ta⁴) + 2.38·|Ts − Ta|^1.25', () => {
    for (const [body, room, ht] of [
      [36.6, 25, 55],
      [38.5, 16, 50],
      [37, 32, 60],
    ] as const) {
      const ts = foreheadSkinC(body, room, ht);
      const k = (c: number) => c + 273.15;
      const loss = 0.98 * 5.670374419e-8 * (k(ts) ** 4 - k(room) ** 4) + 2.38 * (ts - room) ** 1.25;
      expect(ht * (body - ts)).toBeCloseTo(loss, 6);
      expect(skinHeatLoss(ts, room)).toBeCloseTo(loss, 9);
    }
    expect(SKIN_EMISSIVITY).toBe(0.98);
    expect(STEFAN_BOLTZMANN).toBeCloseTo(5.67e-8, 10);
  });

  it('reproduces the published table point it is anchored to: 36.89 °C body, 25 °C room → 35.0 °C forehead', () => {
    expect(TYPICAL_TISSUE_CONDUCTANCE).toBe(55);
    expect(foreheadSkinC(36.89, 25)).toBeCloseTo(35.0, 2);
  });

  it('a warmer body or a warmer room warms the skin; the skin lies between room and body', () => {
    expect(foreheadSkinC(38, 25)).toBeGreaterThan(foreheadSkinC(37, 25));
    expect(foreheadSkinC(37, 30)).toBeGreaterThan(foreheadSkinC(37, 20));
    const ts = foreheadSkinC(37, 20);
    expect(ts).toBeGreaterThan(20);
    expect(ts).toBeLessThan(37);
    expect(() => foreheadSkinC(20, 25)).toThrow(RangeError);
  });
});

describe('plausibility stage', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-28T09:00:00+08:00') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('9.3 false PASS from an impossible ambient: a GY frame with ambient 125 °C and skin 36.7 °C is no temperature (HOLD), the estimate kept as computed', async () => {
    // 5A 5A 45 04 | 0E 56 = 3670 → 36.70 °C | 30 D4 = 12500 → 125.00 °C | SUM 0x65 (low byte of 0x265)
    const frame = Buffer.from('5a5a45040e5630d465', 'hex');
    expect(gyChecksum(frame)).toBe(0x65);
    const decoded = decodeGyFrame(frame);
    expect(decoded).toMatchObject({ objectC: 36.7, ambientC: 125 });
    const h = makeEngine({ config: config({ temperature: { model: DEFAULT_SKIN_TO_BODY_MODEL } }) });
    h.engine.onIdentity(identity());
    await feed(h.engine, decoded.objectC, 5, 100, decoded.ambientC);
    const [rec] = h.results();
    expect(rec!.decision).toBe('HOLD');
    expect(rec!.reasons.map((r) => r.code)).toEqual(['IMPLAUSIBLE_TEMPERATURE']);
    expect(rec!.reasons[0]!.detail).toEqual({ check: 'ambient', valueC: 125, minC: 15, maxC: 33 });
    const t = rec!.temperatures[0]!;
    // 36.7 + 0.19·(36.7 − 125) = 19.923: computed, recorded, never clamped, never a temperature.
    expect(t.estimateC).toBeCloseTo(19.923, 10);
    expect(t.ambientC).toBe(125);
    expect(t.implausible).toEqual({ check: 'ambient', valueC: 125, minC: 15, maxC: 33 });
    expect(t.samples.every((s) => s.objectC === 36.7 && s.ambientC === 125)).toBe(true);
  });

  it('an implausible body estimate is no temperature either (HOLD IMPLAUSIBLE_TEMPERATURE, not a normal reading)', async () => {
    // A cold person (just in from outside): skin 33.0 °C in a 24 °C room → 33 + 0.19·9 = 34.71 < 35.
    const h = makeEngine({ config: config({ temperature: { model: DEFAULT_SKIN_TO_BODY_MODEL } }) });
    h.engine.onIdentity(identity());
    await feed(h.engine, 33.0, 5, 100, 24);
    const [rec] = h.results();
    expect(rec!.decision).toBe('HOLD');
    expect(rec!.reasons[0]).toMatchObject({ code: 'IMPLAUSIBLE_TEMPERATURE', detail: { check: 'estimate', minC: 35, maxC: 42 } });
    expect(rec!.temperatures[0]!.estimateC).toBeCloseTo(34.71, 10);
    expect(rec!.fever).toBe(false);
  });

  it('SOFT mode never softens an implausible reading into a PASS', async () => {
    const h = makeEngine({ config: config({ policy: { mode: 'soft' }, temperature: { model: DEFAULT_SKIN_TO_BODY_MODEL } }) });
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.7, 5, 100, 125);
    expect(h.results()[0]!.decision).toBe('HOLD');
  });

  it('the bounds are configuration: a site that widens them knowingly gets an estimate there', () => {
    const wide = parseKioskConfig({ checkpoint: { id: 'cp', name: 'cp' }, temperature: { plausibility: { ambientMaxC: 40 } } });
    expect(wide.ok).toBe(true);
    if (!wide.ok) return;
    const p = new TemperaturePipeline(wide.config.temperature, null);
    for (let i = 0; i < 5; i++) p.add({ objectC: 36.5, ambientC: 36, outOfRange: false, monotonicMs: i });
    const est = p.estimate(1);
    expect(est.ok && est.estimate.implausible).toBeUndefined();
    expect(est.ok && est.estimate.estimateC).toBeCloseTo(36.5 + 0.19 * 0.5, 10);
    const bad = parseKioskConfig({ checkpoint: { id: 'cp', name: 'cp' }, temperature: { plausibility: { ambientMinC: 30, ambientMaxC: 20 } } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems).toEqual(['temperature.plausibility.ambientMinC: 30 is invalid; fix: ambientMinC must be below ambientMaxC']);
  });
});
