import { SkinToBodyModelSchema, type SkinToBodyModel } from '../config/kiosk-config.js';
import { applySkinToBody } from '../engine/skin-to-body.js';
import type { SiteModelPair } from '../store/site-model-fits.js';

/**
 * Fitting the site parameters of the skin-to-body model (main/engine/skin-to-body.ts) from people
 * measured twice: by the kiosk (calibrated skin temperature, and ambient) and by a clinical contact
 * thermometer — the comparison China's NIM suggested in February 2020 (docs/calibration.md §4).
 *
 * - constant-offset: offsetC = mean(clinical − skin) (least squares);
 * - ambient-linear: clinical − skin = offsetC + k·(ref − ambient), least squares in ambient, with
 *   ref the mean ambient; needs ambient readings spread over at least 2 °C.
 *
 * Residual per person = model estimate − clinical; the residual SD uses n − p degrees of freedom;
 * the uncertainty of one future estimate is k = 2 times sqrt(SD² · (1 + 1/n)). Nothing is rounded.
 */
export interface ClinicalPair {
  skinC: number;
  ambientC: number | null;
  clinicalC: number;
}

export type SiteFit =
  | { ok: true; model: SkinToBodyModel; pairs: SiteModelPair[]; residualSdC: number; uncertaintyC: number; meanResidualC: number }
  | { ok: false; problem: string };

export const MIN_PEOPLE = { 'constant-offset': 3, 'ambient-linear': 5 } as const;
export const MIN_AMBIENT_SPREAD_C = 2;

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function fitSiteModel(kind: 'constant-offset' | 'ambient-linear', pairs: readonly ClinicalPair[]): SiteFit {
  const n = pairs.length;
  if (n < MIN_PEOPLE[kind]) return { ok: false, problem: `${kind} needs at least ${MIN_PEOPLE[kind]} people (have ${n})` };
  let model: SkinToBodyModel;
  let params: number;
  if (kind === 'constant-offset') {
    model = { kind, offsetC: mean(pairs.map((p) => p.clinicalC - p.skinC)) };
    params = 1;
  } else {
    if (pairs.some((p) => p.ambientC === null)) return { ok: false, problem: 'ambient-linear needs the ambient temperature of every person; this thermometer reports none' };
    const xs = pairs.map((p) => p.ambientC!);
    const ys = pairs.map((p) => p.clinicalC - p.skinC);
    const spread = Math.max(...xs) - Math.min(...xs);
    if (spread < MIN_AMBIENT_SPREAD_C) return { ok: false, problem: `ambient readings span ${spread.toFixed(2)} °C; ambient-linear needs at least ${MIN_AMBIENT_SPREAD_C} °C (measure at other times of day, or use constant-offset)` };
    const mx = mean(xs);
    const my = mean(ys);
    const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    // y = my + slope·(x − mx) = offset + k·(ref − x) with ref = mx: k = −slope, offset = my.
    model = { kind, offsetC: my, ambientCoefficient: -slope, referenceAmbientC: mx };
    params = 2;
  }
  const valid = SkinToBodyModelSchema.safeParse(model);
  if (!valid.success) return { ok: false, problem: `the fitted parameters are outside what the configuration allows (${valid.error.issues[0]?.path.join('.')}); check the measurements` };
  const out: SiteModelPair[] = [];
  for (const p of pairs) {
    const r = applySkinToBody(model, p.skinC, p.ambientC ?? undefined);
    if (!r.ok) return { ok: false, problem: 'the model needs an ambient temperature for every person' };
    out.push({ skinC: p.skinC, ambientC: p.ambientC, clinicalC: p.clinicalC, estimateC: r.estimateC, residualC: r.estimateC - p.clinicalC });
  }
  const residuals = out.map((p) => p.residualC);
  const dof = n - params;
  const residualSdC = dof > 0 ? Math.sqrt(residuals.reduce((a, r) => a + r * r, 0) / dof) : Number.NaN;
  if (!Number.isFinite(residualSdC)) return { ok: false, problem: 'too few people to estimate the spread' };
  return { ok: true, model, pairs: out, residualSdC, uncertaintyC: 2 * Math.sqrt(residualSdC ** 2 * (1 + 1 / n)), meanResidualC: mean(residuals) };
}

/** The model's parameters as a flat record (for the console's status line). */
export function modelParams(model: SkinToBodyModel): Record<string, string | number> {
  return Object.fromEntries(Object.entries(model).filter(([, v]) => typeof v === 'string' || typeof v === 'number')) as Record<string, string | number>;
}
