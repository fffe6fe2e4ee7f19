import { describe, expect, it } from 'vitest';
import { CalibrationConfigSchema } from '../../main/config/kiosk-config.js';
import { CalibrationWizard, WizardError, type WizardDeps } from '../../main/console/calibration-wizard.js';
import type { CalibrationCheck, CalibrationRecord } from '../../main/store/calibrations.js';

/**
 * The wizard's steps with hand-made readings. Sensor: reported = 0.95·T + 1.2 (exact, no noise), so
 * the expected fit is gain = 1/0.95, offset = −1.2/0.95 (hand calculation), and every corrected
 * reading at 37 °C is 37 exactly.
 */
const report = (t: number) => 0.95 * t + 1.2;

function wizard(over: Partial<WizardDeps> = {}) {
  const saved: CalibrationRecord[] = [];
  const checks: Array<Omit<CalibrationCheck, 'id' | 'at'>> = [];
  const blackbody: Array<number | null> = [];
  const w = new CalibrationWizard({
    config: CalibrationConfigSchema.parse({ stabilitySamples: 5, stabilityMaxSpreadC: 0.1, verifyMaxResidualC: 0.3 }),
    deviceId: 'thermo-0',
    protocol: 'gy-mcu90614',
    softwareVersion: 'test',
    now: () => 0,
    warmUp: () => ({ minutes: 45, requiredMinutes: 30 }),
    current: () => null,
    history: () => saved,
    save: async (r) => {
      const rec: CalibrationRecord = { id: `cal-${saved.length + 1}`, deviceId: 'thermo-0', performedAt: '2026-11-30T00:00:00.000Z', gain: r.gain, offsetC: r.offsetC, points: r.points, technicianId: r.technicianId, note: null, run: r.run };
      saved.push(rec);
      return rec;
    },
    saveCheck: async (c) => {
      checks.push(c);
      return { ...c, id: 'chk', at: 'now' };
    },
    simulatedBlackbody: (c) => blackbody.push(c),
    ...over,
  });
  return { w, saved, checks, blackbody };
}

const feed = (w: CalibrationWizard, values: number[]) => values.forEach((v) => w.onReading(v));
const meta = { kind: 'two-point' as const, blackbodyId: 'BB-1', certificateDate: '2026-01-15', ambientC: 23, technicianId: 'technician:t' };

describe('calibration wizard', () => {
  it('two-point: set-points 35 and 39, then 37 °C verification, then save with the run', async () => {
    const { w, saved, blackbody } = wizard();
    w.start(meta);
    expect(w.view()).toMatchObject({ step: 'set-point', currentSetPointC: 35, setPoints: [35, 39] });
    expect(w.active).toBe(true);
    // Not stable yet: too few readings, then a spread over the limit.
    feed(w, [report(35), report(35)]);
    expect(() => w.capture()).toThrow(WizardError);
    feed(w, [report(35) + 0.2, report(35), report(35), report(35)]);
    expect(w.view().stability).toMatchObject({ stable: false });
    expect(() => w.capture()).toThrow(/not stable/);
    feed(w, [report(35), report(35), report(35), report(35), report(35)]);
    w.capture();
    expect(w.view()).toMatchObject({ step: 'set-point', currentSetPointC: 39 });
    // Readings taken before the set-point changed never count.
    feed(w, [report(39), report(39), report(39), report(39), report(39)]);
    w.capture();
    const afterFit = w.view();
    expect(afterFit.step).toBe('verify');
    expect(afterFit.currentSetPointC).toBe(37);
    expect(afterFit.fit!.gain).toBeCloseTo(1 / 0.95, 10);
    expect(afterFit.fit!.offsetC).toBeCloseTo(-1.2 / 0.95, 10);
    feed(w, [report(37), report(37), report(37), report(37), report(37)]);
    w.capture();
    const review = w.view();
    expect(review.step).toBe('review');
    expect(review.verification!.pass).toBe(true);
    expect(review.verification!.maxAbsResidualC).toBeLessThan(1e-9);
    const rec = await w.save();
    expect(rec.gain).toBeCloseTo(1 / 0.95, 10);
    expect(rec.points).toEqual([
      { referenceC: 35, measuredC: report(35) },
      { referenceC: 39, measuredC: report(39) },
    ]);
    expect(rec.run).toMatchObject({ kind: 'two-point', blackbody: { id: 'BB-1', certificateDate: '2026-01-15' }, ambientC: 23, warmUpMinutes: 45, verification: { pass: true, referenceC: 37 } });
    expect(rec.run!.verification.readings).toHaveLength(5);
    expect(saved).toHaveLength(1);
    expect(w.view().step).toBe('saved');
    expect(blackbody).toEqual([35, 39, 37, null]);
  });

  it('refuses a verification beyond the limit (nothing saved), bad metadata, and an implausible gain', async () => {
    const { w, saved } = wizard();
    expect(() => w.start({ ...meta, certificateDate: '2026-13-40' })).toThrow(/YYYY-MM-DD/);
    expect(() => w.start({ ...meta, blackbodyId: ' ' })).toThrow(/blackbody id/);
    w.start(meta);
    feed(w, Array(5).fill(report(35)));
    w.capture();
    feed(w, Array(5).fill(report(39)));
    w.capture();
    feed(w, Array(5).fill(report(37) + 0.5)); // the sensor moved after the fit: 0.5/0.95 ≈ 0.53 °C off
    w.capture();
    expect(w.view().verification).toMatchObject({ pass: false });
    await expect(w.save()).rejects.toThrow(/verification/);
    expect(saved).toHaveLength(0);

    const g = wizard();
    g.w.start(meta);
    feed(g.w, Array(5).fill(35));
    g.w.capture();
    feed(g.w, Array(5).fill(35.5)); // 4 °C of blackbody for 0.5 °C of reading: gain 8
    expect(() => g.w.capture()).toThrow(/gain/);
    expect(g.w.view()).toMatchObject({ step: 'set-point', currentSetPointC: 35, captured: [] });
  });

  it('daily drift check: flags an error above the limit and records the check', async () => {
    const current = { id: 'cal-1', deviceId: 'thermo-0', kind: 'two-point' as const, gain: 1 / 0.95, offset: -1.2 / 0.95, createdAt: 'x', validUntil: '2099-01-01T00:00:00.000Z', state: 'valid' };
    const ok = wizard({ current: () => current });
    ok.w.startDriftCheck('technician:t');
    feed(ok.w, Array(5).fill(report(37) + 0.1 * 0.95)); // corrected 37.1: within 0.2
    ok.w.capture();
    await new Promise((r) => setImmediate(r));
    expect(ok.w.view().drift).toMatchObject({ flagged: false });
    expect(ok.w.view().drift!.errorC).toBeCloseTo(0.1, 9);
    expect(ok.checks).toMatchObject([{ calibrationId: 'cal-1', flagged: false, limitC: 0.2, technicianId: 'technician:t' }]);
    const bad = wizard({ current: () => current });
    bad.w.startDriftCheck('technician:t');
    feed(bad.w, Array(5).fill(report(37) + 0.3 * 0.95)); // corrected 37.3: over 0.2
    bad.w.capture();
    expect(bad.w.view().drift).toMatchObject({ flagged: true });
    expect(() => wizard().w.startDriftCheck('t')).toThrow(/no calibration/);
  });
});

describe('calibration wizard with a simulated blackbody', () => {
  it('keeps no reading while the blackbody is still moving to its set-point', () => {
    let ready = false;
    const { w } = wizard({ blackbodyReady: () => ready });
    w.start(meta);
    feed(w, Array(10).fill(report(30))); // the cavity on its way from room temperature
    expect(w.view().stability).toMatchObject({ n: 0, stable: false });
    ready = true;
    feed(w, Array(5).fill(report(35)));
    w.capture();
    expect(w.view().captured).toEqual([{ referenceC: 35, n: 5, meanC: report(35), sdC: 0, spreadC: 0 }]);
  });
});
