import { describe, expect, it } from 'vitest';
import { fitSiteModel } from '../../main/console/site-model-fit.js';

describe('site body-temperature model fit', () => {
  it('constant offset: mean(clinical − skin); residuals and uncertainty by hand', () => {
    // clinical − skin = 2.0, 2.2, 1.8, 2.0 → offset 2.0; residuals 0, −0.2, +0.2, 0;
    // SD = sqrt(0.08 / 3); U = 2·sqrt(SD²·(1 + 1/4)).
    const pairs = [
      { skinC: 34.5, ambientC: 24, clinicalC: 36.5 },
      { skinC: 34.6, ambientC: 24, clinicalC: 36.8 },
      { skinC: 35.0, ambientC: 24, clinicalC: 36.8 },
      { skinC: 34.9, ambientC: 24, clinicalC: 36.9 },
    ];
    const r = fitSiteModel('constant-offset', pairs);
    if (!r.ok) throw new Error(r.problem);
    expect(r.model).toEqual({ kind: 'constant-offset', offsetC: expect.closeTo(2.0, 12) });
    expect(r.pairs.map((p) => p.residualC)).toEqual([expect.closeTo(0, 12), expect.closeTo(-0.2, 12), expect.closeTo(0.2, 12), expect.closeTo(0, 12)]);
    const sd = Math.sqrt(0.08 / 3);
    expect(r.residualSdC).toBeCloseTo(sd, 12);
    expect(r.uncertaintyC).toBeCloseTo(2 * Math.sqrt(sd * sd * 1.25), 12);
  });

  it('ambient-linear recovers an exact line; refuses too few people or too little ambient spread', () => {
    // Truth: clinical = skin + 1.5 + 0.1·(22 − ambient).
    const ambients = [18, 20, 22, 24, 26];
    const pairs = ambients.map((a, i) => ({ skinC: 34 + i * 0.1, ambientC: a, clinicalC: 34 + i * 0.1 + 1.5 + 0.1 * (22 - a) }));
    const r = fitSiteModel('ambient-linear', pairs);
    if (!r.ok) throw new Error(r.problem);
    expect(r.model).toMatchObject({ kind: 'ambient-linear', offsetC: expect.closeTo(1.5, 10), ambientCoefficient: expect.closeTo(0.1, 10), referenceAmbientC: 22 });
    expect(r.residualSdC).toBeLessThan(1e-9);
    expect(fitSiteModel('ambient-linear', pairs.slice(0, 3))).toMatchObject({ ok: false });
    expect(fitSiteModel('ambient-linear', pairs.map((p) => ({ ...p, ambientC: 22 + p.skinC / 100 })))).toMatchObject({ ok: false, problem: expect.stringContaining('2 °C') });
    expect(fitSiteModel('constant-offset', pairs.slice(0, 2))).toMatchObject({ ok: false });
  });
});
