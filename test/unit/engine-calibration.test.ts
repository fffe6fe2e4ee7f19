import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrationState } from '../../main/engine/calibration-source.js';
import { calibrationFromFit, checkDrift, detectStability, fitOnePoint, fitTwoPoint, verifyAt37 } from '../../main/engine/calibration.js';
import { validCalibration } from '../fixtures/engine/harness.js';

const STAB = { samples: 5, maxSpreadC: 0.1 };

/** What a sensor with a true gain g and offset o reads for a blackbody at T: R = (T − o) / g, plus noise. */
const readingsFor = (T: number, g: number, o: number, noise: number[]) => noise.map((n) => (T - o) / g + n);

describe('stability', () => {
  it('stable when the last N readings lie within the spread', () => {
    const s = detectStability([30, 35.9, 36.02, 36.05, 36.0, 36.04, 36.01], STAB);
    expect(s.stable).toBe(true);
    expect(s.values).toEqual([36.02, 36.05, 36.0, 36.04, 36.01]);
    expect(s.spreadC).toBeCloseTo(0.05, 10);
  });
  it('refuses too few readings, a wide spread, and non-numbers', () => {
    expect(detectStability([36, 36, 36], STAB)).toMatchObject({ stable: false, problem: 'too-few-samples' });
    expect(detectStability([36, 36.2, 36, 36, 36], STAB)).toMatchObject({ stable: false, problem: 'spread-too-large' });
    expect(detectStability([36, Number.NaN, 36, 36, 36], STAB)).toMatchObject({ stable: false, problem: 'not-finite' });
  });
});

describe('fits', () => {
  it('one-point: offset = T_bb − mean(R)', () => {
    const fit = fitOnePoint({ referenceC: 37, readings: [36.6, 36.62, 36.58, 36.61, 36.59] }, STAB);
    expect(fit.ok).toBe(true);
    if (fit.ok) {
      expect(fit.gain).toBe(1);
      expect(fit.offset).toBeCloseTo(0.4, 10);
    }
  });

  it('two-point recovers gain and offset from synthetic blackbody data (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.9, max: 1.1, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.array(fc.double({ min: -0.02, max: 0.02, noNaN: true }), { minLength: 5, maxLength: 5 }),
        (g, o, noise) => {
          const centred = noise.map((n) => n - noise.reduce((a, b) => a + b, 0) / noise.length); // zero-mean noise
          const fit = fitTwoPoint({ referenceC: 35, readings: readingsFor(35, g, o, centred) }, { referenceC: 39, readings: readingsFor(39, g, o, centred) }, STAB);
          expect(fit.ok).toBe(true);
          if (!fit.ok) return;
          expect(fit.gain).toBeCloseTo(g, 9);
          expect(fit.offset).toBeCloseTo(o, 7);
        },
      ),
    );
  });

  it('two-point refuses unstable data, close set-points and implausible gains', () => {
    const steady = [36, 36.01, 36.02, 36.01, 36];
    const unstable = fitTwoPoint({ referenceC: 35, readings: [34, 34.5, 35, 35.2, 34.1] }, { referenceC: 39, readings: steady }, STAB);
    expect(unstable.ok).toBe(false);
    if (!unstable.ok) expect(unstable.problem).toMatch(/not stable/);
    expect(fitTwoPoint({ referenceC: 36, readings: steady }, { referenceC: 37, readings: steady }, STAB).ok).toBe(false);
    const flat = fitTwoPoint({ referenceC: 35, readings: steady }, { referenceC: 39, readings: steady }, STAB);
    expect(flat.ok).toBe(false);
    const wild = fitTwoPoint({ referenceC: 35, readings: readingsFor(35, 2, 0, [0, 0, 0, 0, 0]) }, { referenceC: 39, readings: readingsFor(39, 2, 0, [0, 0, 0, 0, 0]) }, STAB);
    expect(wild.ok).toBe(false);
    if (!wild.ok) expect(wild.problem).toMatch(/gain/);
  });
});

describe('verification, drift and validity', () => {
  const cal = { gain: 1.01, offset: -0.3 };
  it('verifyAt37 reports residuals and passes within the limit', () => {
    const raw = [(37 + 0.3) / 1.01, (37.1 + 0.3) / 1.01];
    const v = verifyAt37(cal, raw, 0.3);
    expect(v.residualsC[0]).toBeCloseTo(0, 10);
    expect(v.residualsC[1]).toBeCloseTo(0.1, 10);
    expect(v.pass).toBe(true);
    expect(verifyAt37(cal, [(37.5 + 0.3) / 1.01], 0.3).pass).toBe(false);
    expect(verifyAt37(cal, [], 0.3).pass).toBe(false);
  });

  it('checkDrift flags more than 0.2 °C', () => {
    expect(checkDrift(cal, [(37.15 + 0.3) / 1.01], 0.2)).toMatchObject({ flagged: false });
    expect(checkDrift(cal, [(37.25 + 0.3) / 1.01], 0.2)).toMatchObject({ flagged: true });
    expect(checkDrift(cal, [(36.7 + 0.3) / 1.01], 0.2).flagged).toBe(true);
    expect(checkDrift(cal, [], 0.2).flagged).toBe(true);
  });

  it('a fit becomes a calibration with a validity period; state: valid, expired, drift, missing', () => {
    const fit = fitOnePoint({ referenceC: 37, readings: [36.6, 36.6, 36.6, 36.6, 36.6] }, STAB);
    if (!fit.ok) throw new Error(fit.problem);
    const c = calibrationFromFit(fit, { id: 'cal-9', deviceId: 'thermo-0', createdAt: new Date('2026-01-01T00:00:00Z'), validityDays: 365 });
    expect(c.validUntil).toBe('2027-01-01T00:00:00.000Z');
    expect(calibrationState(c, new Date('2026-12-31T23:59:59Z'))).toBe('valid');
    expect(calibrationState(c, new Date('2027-01-01T00:00:00Z'))).toBe('expired');
    expect(calibrationState({ ...c, driftFlagged: true }, new Date('2026-06-01T00:00:00Z'))).toBe('drift');
    expect(calibrationState(null, new Date())).toBe('missing');
    expect(calibrationState(validCalibration({ validUntil: 'not a date' }), new Date())).toBe('expired');
  });
});
