import type { SkinToBodyModel } from '../config/kiosk-config.js';

/**
 * Skin-to-body compensation: a documented, versioned function whose name, version and parameters
 * are stored with every estimate. Forehead skin reads 2–4 °C below core and moves with room
 * temperature. Sources and uncertainties: docs/configuration.md, "Body temperature".
 *
 * - `linear-heat-balance` (default): the forehead's steady-state heat balance, heat brought by the
 *   blood = heat lost to the room, gives Tc = Ts + k·(Ts − Ta). k = 0.19 is the Exergen arterial
 *   heat-balance coefficient (A·To² + B·To + C) evaluated at a 35 °C (95 °F) skin.
 * - `constant-offset`: estimate = skin + offsetC (the FDA study found a constant offset detected
 *   elevated temperature best for thermal imagers).
 * - `ambient-linear`: estimate = skin + offsetC + ambientCoefficient · (referenceAmbientC − ambient):
 *   a colder room cools the skin more, so the correction grows as ambient falls.
 * - `heat-balance`: Exergen arterial heat balance with its skin-dependent coefficient, in °F:
 *   Tc = (A·To² + B·To + C)·(To − Ta) + To. Not validated for our optics: use only after checking.
 *
 * Nothing is clamped or rounded: the result is the formula's value.
 */
export type ModelResult = { ok: true; estimateC: number } | { ok: false; problem: 'needs-ambient' };

/** Bumped whenever a model's formula changes, so a record says which formula made its estimate. */
export const MODEL_VERSIONS: Readonly<Record<SkinToBodyModel['kind'], number>> = {
  'linear-heat-balance': 1,
  'constant-offset': 1,
  'ambient-linear': 1,
  'heat-balance': 1,
};

const toF = (c: number) => (c * 9) / 5 + 32;
const toC = (f: number) => ((f - 32) * 5) / 9;

export function applySkinToBody(model: SkinToBodyModel, skinC: number, ambientC: number | undefined): ModelResult {
  switch (model.kind) {
    case 'linear-heat-balance':
      if (ambientC === undefined) return { ok: false, problem: 'needs-ambient' };
      return { ok: true, estimateC: skinC + model.k * (skinC - ambientC) };
    case 'constant-offset':
      return { ok: true, estimateC: skinC + model.offsetC };
    case 'ambient-linear':
      if (ambientC === undefined) return { ok: false, problem: 'needs-ambient' };
      return { ok: true, estimateC: skinC + model.offsetC + model.ambientCoefficient * (model.referenceAmbientC - ambientC) };
    case 'heat-balance': {
      if (ambientC === undefined) return { ok: false, problem: 'needs-ambient' };
      const to = toF(skinC);
      const ta = toF(ambientC);
      return { ok: true, estimateC: toC((model.a * to * to + model.b * to + model.c) * (to - ta) + to) };
    }
  }
}

/** Whether the model needs the sensor's ambient temperature. */
export function modelNeedsAmbient(model: SkinToBodyModel): boolean {
  return model.kind !== 'constant-offset';
}

/** The model as stored in a record: its name, formula version and every numeric parameter. */
export function describeModel(model: SkinToBodyModel): { name: string; version: number; params: Record<string, number> } {
  const { kind, ...rest } = model;
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(rest)) if (typeof v === 'number') params[k] = v;
  return { name: kind, version: MODEL_VERSIONS[kind], params };
}
