import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdCardDriver } from '../../drivers/idcard/idcard-driver.js';
import { IdCardSimulator } from '../../drivers/sim/idcard-simulator.js';
import type { ScenarioName } from '../../drivers/sim/simulated-device.js';
import { ThermometerSimulator } from '../../drivers/sim/thermometer-simulator.js';
import type { ThermoProtocol } from '../../drivers/thermometer/reading.js';
import { ThermometerDriver } from '../../drivers/thermometer/thermometer-driver.js';
import { MemoryLink } from '../../drivers/transport/memory-link.js';
import { DEFAULT_SKIN_TO_BODY_MODEL, type KioskConfig } from '../../main/config/kiosk-config.js';
import type { ScreeningEngine } from '../../main/engine/screening-engine.js';
import { config, makeEngine, type Harness } from '../fixtures/engine/harness.js';

/**
 * The engine driven by the real drivers, which decode the real bytes of the device simulators over
 * MemoryLink: SAM frames from the ID-card simulator, GY-MCU90614 / Optris CT frames from the
 * thermometer simulator. Fake timers play the simulators' scripts in virtual time (a card is placed
 * at 0.5 s; a person steps in front of the thermometer at 1.5 s and leaves at 4.5 s).
 *
 * The simulator's people are a 36.6 °C and a 38.5 °C body in a 25 °C room; their forehead skin
 * comes from the simulator's own heat balance (34.76 / 36.32 °C ± 0.1). The kiosk uses its
 * default body-temperature model, so these tests exercise it.
 */

interface Rig {
  h: Harness;
  engine: ScreeningEngine;
  stop: () => Promise<void>;
}

async function rig(opts: { cfg: KioskConfig; card: ScenarioName; thermo: ScenarioName; protocol?: ThermoProtocol }): Promise<Rig> {
  const protocol = opts.protocol ?? 'gy-mcu90614';
  const h = makeEngine({ config: opts.cfg });
  const engine = h.engine;
  const idSim = new IdCardSimulator({ scenario: opts.card });
  const thSim = new ThermometerSimulator({ protocol, scenario: opts.thermo, seed: 11 });
  const idDriver = new IdCardDriver({ link: new MemoryLink(idSim), deviceId: 'idcard-0', clock: () => Date.now() });
  const thDriver = new ThermometerDriver({
    link: new MemoryLink(thSim),
    deviceId: 'thermo-0',
    protocol,
    clock: () => Date.now(),
    ...(protocol === 'optris-ct' ? { optrisHeadTemperature: true } : {}),
  });
  idDriver.on('identity', (r) => engine.onIdentity(r));
  idDriver.on('status', (s) => engine.onDeviceStatus(s));
  thDriver.on('reading', (r) => engine.onReading(r));
  thDriver.on('status', (s) => engine.onDeviceStatus(s));
  engine.start();
  idSim.start();
  thSim.start();
  await idDriver.start();
  await thDriver.start();
  return {
    h,
    engine,
    stop: async () => {
      await engine.stop();
      await idDriver.stop();
      await thDriver.stop();
      idSim.stop();
      thSim.stop();
    },
  };
}

const cfg = (mode: 'card-then-temp' | 'temp-then-card' | 'temp-only' = 'card-then-temp') =>
  config({ station: { mode }, temperature: { model: DEFAULT_SKIN_TO_BODY_MODEL } });

let current: Rig | undefined;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(new Date('2026-11-28T09:00:00+08:00'));
});

afterEach(async () => {
  await current?.stop();
  current = undefined;
  vi.useRealTimers();
});

describe('engine + drivers + simulators (real bytes over MemoryLink)', () => {
  it('card first, normal person → PASS, with the raw samples as the device sent them', async () => {
    current = await rig({ cfg: cfg(), card: 'normal', thermo: 'normal' });
    const { h } = current;
    await vi.advanceTimersByTimeAsync(4000);
    const results = h.results();
    expect(results).toHaveLength(1);
    const rec = results[0]!;
    expect(rec.decision).toBe('PASS');
    expect(rec.reasons).toEqual([]);
    expect(rec.card?.idNumber).toBe('11010519491231002X');
    const t = rec.temperatures[0]!;
    const accepted = t.samples.filter((s) => !s.rejected);
    expect(accepted.length).toBe(5);
    for (const s of accepted) {
      expect(s.objectC).toBeGreaterThanOrEqual(34.65);
      expect(s.objectC).toBeLessThanOrEqual(34.86);
      expect(s.ambientC).toBeGreaterThanOrEqual(24.95);
      expect(s.ambientC).toBeLessThanOrEqual(25.05);
    }
    // Tc = Ts + 0.19·(Ts − Ta), written out here; the 36.6 °C person comes out within ±0.2 °C.
    expect(t.estimateC).toBeCloseTo(t.medianC + 0.19 * (t.medianC - t.ambientC!), 10);
    expect(t.model).toEqual({ name: 'linear-heat-balance', version: 1, params: { k: 0.19 } });
    expect(Math.abs(t.estimateC - 36.6)).toBeLessThan(0.2);
    expect(h.sink.records.map((r) => r.id)).toEqual([rec.id]);
    expect(h.transitions().slice(0, 4)).toEqual([
      'idle>identifying:card-read',
      'identifying>measuring:identity-accepted',
      'measuring>deciding:measurement-complete',
      'deciding>result:decided',
    ]);
  });

  it('fever → re-measure → HOLD FEVER', async () => {
    current = await rig({ cfg: cfg(), card: 'normal', thermo: 'fever' });
    const { h } = current;
    await vi.advanceTimersByTimeAsync(4500);
    const [rec] = h.results();
    expect(rec).toBeDefined();
    expect(rec!.decision).toBe('HOLD');
    expect(rec!.fever).toBe(true);
    expect(rec!.reasons.map((r) => r.code)).toEqual(['FEVER']);
    expect(rec!.temperatures.map((t) => t.attempt)).toEqual([1, 2]);
    for (const t of rec!.temperatures) expect(Math.abs(t.estimateC - 38.5)).toBeLessThan(0.2);
    expect(h.transitions()).toContain('measuring>re-measuring:remeasure-required');
    expect(h.prompts()).toContain('prompt.remeasure');
  });

  it('card first, no card presented → no screening and no PASS, however long the person stands there', async () => {
    current = await rig({ cfg: cfg(), card: 'no-card', thermo: 'normal' });
    const { h } = current;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(h.results()).toEqual([]);
    expect(h.sink.records).toEqual([]);
    expect(h.engine.state).toBe('idle');
    expect(h.prompts()).toContain('prompt.presentCard');
  });

  it('temperature then card, Optris CT thermometer: the card placed early is kept → PASS', async () => {
    current = await rig({ cfg: cfg('temp-then-card'), card: 'normal', thermo: 'normal', protocol: 'optris-ct' });
    const { h } = current;
    await vi.advanceTimersByTimeAsync(5000);
    const [rec] = h.results();
    expect(rec?.decision).toBe('PASS');
    expect(rec?.card).not.toBeNull();
    expect(rec?.temperatures[0]?.samples.every((s) => s.ambientC !== undefined)).toBe(true);
  });

  it('thermometer cable pulled mid-measurement → the driver reports it offline → HOLD DEVICE_FAULT (or abandoned, by policy)', async () => {
    // A 12-sample window cannot complete before the simulator pulls the cable at 2.5 s.
    const slowWindow = (onDeviceFault: 'hold' | 'idle') =>
      config({ temperature: { samples: 12, minSamples: 12, model: DEFAULT_SKIN_TO_BODY_MODEL }, screening: { onDeviceFault } });
    current = await rig({ cfg: slowWindow('hold'), card: 'normal', thermo: 'unplug' });
    await vi.advanceTimersByTimeAsync(5000);
    const [rec] = current.h.results();
    expect(rec).toMatchObject({ decision: 'HOLD', reasons: [{ code: 'DEVICE_FAULT', detail: { deviceId: 'thermo-0' } }, { code: 'NO_TEMPERATURE' }] });
    // The person was measured from 1.5 s (simulator script) until the cable came out at 2.5 s: those
    // readings are kept, fewer than the 12 the window needed, every one as the device sent it.
    const accepted = rec!.incompleteSamples!.filter((x) => x.rejected === undefined);
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    expect(accepted.length).toBeLessThan(12);
    for (const x of accepted) expect(x.correctedC).toBe(x.objectC); // identity calibration of the harness
    await current.stop();

    current = await rig({ cfg: slowWindow('idle'), card: 'normal', thermo: 'unplug' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(current.h.results()).toEqual([]);
    expect(current.h.sink.records).toHaveLength(1);
    expect(current.h.sink.records[0]).toMatchObject({ outcome: 'abandoned', abandonReason: 'device-offline', decision: null });
    expect(current.h.prompts()).toContain('prompt.deviceOffline');
  });

  it('temperature only: normal → PASS without identity; fever → HOLD', async () => {
    current = await rig({ cfg: cfg('temp-only'), card: 'no-card', thermo: 'normal' });
    await vi.advanceTimersByTimeAsync(4000);
    expect(current.h.results()[0]).toMatchObject({ decision: 'PASS', card: null });
    await current.stop();
    current = await rig({ cfg: cfg('temp-only'), card: 'no-card', thermo: 'fever' });
    await vi.advanceTimersByTimeAsync(4500);
    expect(current.h.results()[0]).toMatchObject({ decision: 'HOLD', fever: true });
  });
});
