/**
 * The range a device is rated for. A value outside it is still reported exactly as decoded, with
 * `outOfRange: true` — never clamped or replaced (docs/protocols/README.md §2).
 */
export interface RatedRange {
  /** Object (target) temperature, °C, inclusive. */
  objectC: readonly [min: number, max: number];
  /** Ambient / sensor temperature, °C, inclusive, where the device reports one. */
  ambientC?: readonly [min: number, max: number];
}

/** GY-MCU90614 (MLX90614): object −70…+380 °C, ambient −40…+125 °C (vendor text, docs/protocols/gy-mcu90614.md §1). */
export const GY_MCU90614_RANGE: RatedRange = { objectC: [-70, 380], ambientC: [-40, 125] };

/** GY-MCU90615 (MLX90615 datasheet): object −40…+115 °C, ambient −20…+85 °C. */
export const GY_MCU90615_RANGE: RatedRange = { objectC: [-40, 115], ambientC: [-20, 85] };

/** Optris CT LT (the low-temperature head): target −50…+975 °C; head (ambient) −20…+180 °C. */
export const OPTRIS_CT_LT_RANGE: RatedRange = { objectC: [-50, 975], ambientC: [-20, 180] };

/** Raytek MI3 LT head: target −40…+600 °C; the default for ASCII devices unless configured. */
export const ASCII_DEFAULT_RANGE: RatedRange = { objectC: [-40, 600] };

const outside = (v: number, limits: readonly [number, number]) => !Number.isFinite(v) || v < limits[0] || v > limits[1];

export function isOutOfRange(range: RatedRange, objectC: number, ambientC?: number): boolean {
  if (outside(objectC, range.objectC)) return true;
  return ambientC !== undefined && range.ambientC !== undefined && outside(ambientC, range.ambientC);
}
