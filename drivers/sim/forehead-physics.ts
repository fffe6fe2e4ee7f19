/**
 * The simulated person's forehead: the skin temperature an IR thermometer sees, from the person's
 * core (body) temperature and the room's, by the steady-state heat balance of the skin surface:
 *
 *     h_t · (Tc − Ts)  =  ε · σ · (Ts⁴ − Ta⁴)  +  h_c · (Ts − Ta)        (radiation in kelvin)
 *
 * heat brought to the skin from the core (tissue conduction and blood flow, conductance h_t) equals
 * the heat the skin loses to the room by radiation (skin emissivity ε = 0.98; walls at air
 * temperature) and by free convection, h_c = 2.38 · |Ts − Ta|^0.25 W/(m²·K) (the free-convection
 * coefficient of ISO 7730 / Fanger). The loss grows monotonically with Ts, so bisection finds Ts.
 *
 * h_t is the person: 55 W/(m²·K) is the conductance for which this balance reproduces the published
 * table point of docs/configuration.md (core 36.89 °C, forehead 35.0 °C in a 25 °C room); people
 * differ, and tests vary it. Evaporation (insensible sweating) is left out: it is small on a dry
 * forehead at rest.
 *
 * This is the simulator's own physics, independent of the kiosk's skin-to-body models (which go the
 * other way, skin to body, with their own formulas): tests that feed its skin readings to the kiosk
 * exercise the kiosk's model instead of mirroring it.
 */

export const STEFAN_BOLTZMANN = 5.670374419e-8;
export const SKIN_EMISSIVITY = 0.98;
/** W/(m²·K): the typical simulated person (see above). */
export const TYPICAL_TISSUE_CONDUCTANCE = 55;

const KELVIN = 273.15;

/** The skin's heat loss to the room, W/m², at skin temperature `skinC` in a room at `ambientC`. */
export function skinHeatLoss(skinC: number, ambientC: number): number {
  const dt = skinC - ambientC;
  const radiation = SKIN_EMISSIVITY * STEFAN_BOLTZMANN * ((skinC + KELVIN) ** 4 - (ambientC + KELVIN) ** 4);
  const convection = 2.38 * Math.abs(dt) ** 0.25 * dt;
  return radiation + convection;
}

/** The forehead skin temperature, °C, of a person at `bodyC` in a room at `ambientC` (bodyC ≥ ambientC). */
export function foreheadSkinC(bodyC: number, ambientC: number, tissueConductance = TYPICAL_TISSUE_CONDUCTANCE): number {
  if (!(bodyC >= ambientC)) throw new RangeError(`the forehead model needs a body (${bodyC} °C) at least as warm as the room (${ambientC} °C)`);
  if (!(tissueConductance > 0)) throw new RangeError(`tissue conductance must be > 0 W/(m²·K), got ${tissueConductance}`);
  let low = ambientC;
  let high = bodyC;
  // 60 halvings of at most ~30 °C: far below the sensor's 0.01 °C resolution.
  for (let i = 0; i < 60; i++) {
    const skin = (low + high) / 2;
    if (tissueConductance * (bodyC - skin) > skinHeatLoss(skin, ambientC)) low = skin;
    else high = skin;
  }
  return (low + high) / 2;
}
