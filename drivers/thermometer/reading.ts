/** Serial thermometer protocols the kiosk speaks. */
export type ThermoProtocol = 'gy-mcu90614' | 'optris-ct' | 'ascii';

/**
 * One temperature reading as the device reported it. Values are never altered: no clamping,
 * rounding or substitution. Out-of-range values are flagged, not changed.
 */
export interface ThermoReading {
  deviceId: string;
  protocol: ThermoProtocol;
  /** Object (skin / target) temperature in °C, exactly as decoded (°F inputs converted, nothing else). */
  objectC: number;
  /** The sensor's ambient temperature in °C, where the device gives it. */
  ambientC?: number;
  /** True when the device flagged the value or it lies outside the device's rated range. */
  outOfRange: boolean;
  /** Monotonic milliseconds when the frame was decoded. */
  monotonicMs: number;
  /** The frame as received: hex for binary protocols, the text line for ASCII ones. */
  raw: string;
}
