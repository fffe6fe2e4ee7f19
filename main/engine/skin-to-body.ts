import type { SkinToBodyModel } from '../config/kiosk-config.js';

/**
 * Skin-to-body compensation: a documented, versioned function whose name and parameters are stored
 * with every estimate. Forehead skin reads 2–4 °C below core and moves with room temperature.
 *
 * - `constant-offset`: estimate = skin + offsetC (the FDA study found a constant offset detected
 *   elevated temperature best for thermal imagers).
 * - `ambient-linear`: estimate = skin + offsetC + ambientCoefficient · (referenceAmbientC − ambient):
 *   a colder room cools the skin more, so the correction grows as ambient falls.
 * - `heat-balance`: Exergen arterial heat balance (US 6299347 B1, expired), in °F:
 *   Tc = (A·To² + B·To + C)·(To − Ta) + To. Not validated for our optics: use only after checking.
 *
 * Nothing is clamped or rounded: the result is the formula's value.
 */
export type ModelResult = { ok: true; estimateC: number } | { ok: false; problem: 'needs-ambient' };

export function applySkinToBody(model: SkinToBodyModel, skinC: number, ambientC: number | undefined): ModelResult {
  switch (model.kind) {
    case 'constant-offset':
      return { ok: true, estimateC: skinC + model.offsetC };
    case 'ambient-linear':
      if (ambientC === undefined) return { ok: false, problem: 'needs-ambient' };
      return { ok: true, estimateC: skinC + model.offsetC + model.ambientCoefficient * (model.referenceAmbientC - ambientC) };
    case 'heat-balance': {
      if (ambientC === undefined) return { ok: false, problem: 'needs-ambient' };
      const to = (skinC * 9) / 5 + 32;
      const ta = (ambientC * 9) / 5 + 32;
      const tcF = (model.a * to * to + model.b * to + model.c) * (to - ta) + to;
      return { ok: true, estimateC: ((tcF - 32) * 5) / 9 };
    }
  }
}

/** The model as stored in a record: its name and every numeric parameter. */
export function describeModel(model: SkinToBodyModel): { name: string; params: Record<string, number> } {
  const { kind, ...rest } = model;
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(rest)) if (typeof v === 'number') params[k] = v;
  return { name: kind, params };
}
